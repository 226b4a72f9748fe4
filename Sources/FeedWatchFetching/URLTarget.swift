/// The parts of a URL that error messages and per-host limits need; never the credentials.
struct URLTarget: Sendable, Hashable {
    /// Lower-cased scheme, e.g. `https`.
    var scheme: String
    /// Lower-cased host without userinfo or port (`[::1]` keeps its brackets); empty for `file:` URLs.
    var host: String
    /// The explicit port, else the scheme's default (0 when unknown).
    var port: Int

    /// Parses `url` leniently; nil when it has no `scheme:` prefix.
    init?(_ url: String) {
        let trimmed = url.trimmingWhitespace
        guard let colon = trimmed.firstIndex(of: ":") else { return nil }
        let scheme = trimmed[..<colon].lowercased()
        guard let first = scheme.first, first.isLetter,
            scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." })
        else { return nil }
        self.scheme = scheme
        var rest = trimmed[trimmed.index(after: colon)...]
        guard rest.hasPrefix("//") else {
            host = ""
            port = 0
            return
        }
        rest = rest.dropFirst(2)
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") {
            authority = authority[authority.index(after: at)...]
        }
        var hostPart = Substring(authority)
        var portPart: Substring = ""
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            hostPart = authority[...close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() }
        } else if let portColon = authority.lastIndex(of: ":") {
            hostPart = authority[..<portColon]
            portPart = authority[authority.index(after: portColon)...]
        }
        host = hostPart.lowercased()
        switch (Int(portPart), scheme) {
        case (let explicit?, _): port = explicit
        case (nil, "http"): port = 80
        case (nil, "https"): port = 443
        default: port = 0
        }
    }

    /// `host:port`, the way "connection refused by 127.0.0.1:8080" names it.
    var hostAndPort: String { port > 0 ? "\(host):\(port)" : host }

    /// The host for messages; a placeholder when the URL had none.
    var hostForMessages: String { host.isEmpty ? "the feed's host" : host }
}

extension StringProtocol {
    /// The text without leading and trailing ASCII whitespace (space, tab, CR, LF).
    var trimmingWhitespace: String {
        let text = String(self)
        let bytes = text.utf8
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        guard let start = bytes.firstIndex(where: { !isSpace($0) }),
            let end = bytes.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(decoding: bytes[start...end], as: UTF8.self)
    }
}

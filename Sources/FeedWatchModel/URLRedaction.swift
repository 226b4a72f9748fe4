/// Keeps the secrets a URL may carry (`user:password@`, tokens in the query) out of anything
/// shown or sent: logs, `status`, digests, e-mails, webhooks. Works on the text, so a URL
/// that no URL parser accepts is still redacted, never returned unchanged.
public enum URLRedaction {
    /// `url` without its `user:password@`: what may be shown and used as a base for links.
    public static func withoutUserInfo(_ url: String) -> String {
        // Most URLs have no `@` at all: nothing to look for (every fetch's effective URL comes here).
        guard url.utf8.contains(UInt8(ascii: "@")), let (schemeEnd, authority) = authorityRange(url) else { return url }
        let text = url.utf8
        guard let at = text[authority].lastIndex(of: UInt8(ascii: "@")) else { return url }
        return String(url[..<schemeEnd]) + "//" + String(url[text.index(after: at)...])
    }

    /// `url` for display: user info replaced by `***`, every query value by `***` (names kept,
    /// they say what the URL is), the fragment kept. Text that is not `scheme://…` keeps
    /// nothing after a `?` and nothing before an `@`.
    public static func display(_ url: String) -> String {
        var head: Substring
        var query: Substring?
        var fragment: Substring?
        let beforeFragment: Substring
        if let hash = url.firstIndex(of: "#") {
            beforeFragment = url[..<hash]
            fragment = url[hash...]
        } else {
            beforeFragment = url[...]
        }
        if let mark = beforeFragment.firstIndex(of: "?") {
            head = beforeFragment[..<mark]
            query = beforeFragment[beforeFragment.index(after: mark)...]
        } else {
            head = beforeFragment
        }
        var shown: String
        if let (schemeEnd, authority) = authorityRange(String(head)), let at = head.utf8[authority].lastIndex(of: UInt8(ascii: "@")) {
            shown = String(head[..<schemeEnd]) + "//***@" + String(head[head.utf8.index(after: at)...])
        } else if authorityRange(String(head)) == nil, let at = head.lastIndex(of: "@") {
            shown = "***@" + String(head[head.index(after: at)...])
        } else {
            shown = String(head)
        }
        if let query {
            let items = query.split(separator: "&", omittingEmptySubsequences: false).map { item -> String in
                guard let equals = item.firstIndex(of: "=") else { return String(item) }
                return String(item[..<equals]) + "=***"
            }
            shown += "?" + items.joined(separator: "&")
        }
        if let fragment { shown += fragment }
        return shown
    }

    /// A feed's name for digests, e-mails and webhooks. A feed with neither a configured name
    /// nor a title of its own is named by its URL (`COALESCE(name, title, url)`): that URL is
    /// shown without `user:password@` and with its query values hidden. Other names pass.
    public static func sourceName(_ name: String) -> String {
        guard authorityRange(name) != nil, name.contains("@") || name.contains("?") else { return name }
        return display(withoutUserInfo(name))
    }

    /// The base for resolving a document's relative links: no user info, no query, no
    /// fragment. Relative references resolve the same against it, except the empty one and a
    /// bare `#fragment`, which would otherwise copy the feed URL's `?token=` into an entry link.
    public static func linkBase(_ url: String) -> String {
        let bare = withoutUserInfo(url)
        guard authorityRange(bare) != nil, let end = bare.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return bare }
        return String(bare[..<end])
    }

    /// The scheme's end (`http:`) and the authority's range (between `//` and the next `/`, `?`, `#`).
    private static func authorityRange(_ url: String) -> (String.Index, Range<String.Index>)? {
        guard let colon = url.firstIndex(of: ":") else { return nil }
        let scheme = url[..<colon]
        guard let first = scheme.first, first.isASCII, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") })
        else { return nil }
        let afterColon = url.index(after: colon)
        guard url[afterColon...].hasPrefix("//") else { return nil }
        let start = url.index(afterColon, offsetBy: 2)
        let end = url[start...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" || $0 == "\\" } ?? url.endIndex
        return (afterColon, start..<end)
    }
}

public import Foundation
import FeedWatchModel

/// Builds an RFC 5322 / MIME message: multipart/alternative with the Markdown digest as text
/// and the HTML page, both base64 (so any UTF-8 and any line length are safe), and the
/// subject as RFC 2047 encoded-words when it is not plain ASCII.
public enum MailMessage {
    /// Postfix's default `message_size_limit` (10,240,000 bytes) less room for the headers
    /// relays add: what most servers accept.
    public static let defaultMaxBytes = 10_000_000

    /// The message with CRLF line ends, ready for SMTP `DATA` or `sendmail -i`, at most
    /// `maxBytes` long (headers and base64 included) as long as the text alone can be cut to
    /// fit: a digest too big for one mail first loses its HTML part, then the text is cut at
    /// a line and says what was left out and where the whole digest is (the files keep it all).
    public static func build(
        _ notification: Notification, from: String, to: [String], date: Date = Date(), maxBytes: Int = defaultMaxBytes
    ) -> String {
        var parts = [("text/plain", notification.text), ("text/html", notification.html)]
        // base64 is 4/3 of the bytes plus a CRLF per 76 characters; 16 KiB covers the headers.
        func encodedSize(_ bytes: Int) -> Int { (bytes + 2) / 3 * 4 * 78 / 76 }
        let budget = max(0, maxBytes - (16 << 10))
        let textBytes = notification.text.utf8.count
        let htmlBytes = notification.html.utf8.count
        if encodedSize(textBytes) + encodedSize(htmlBytes) > budget {
            var text = notification.text
            var note = "The HTML version of this digest (\(htmlBytes) bytes) is left out: this mail may be at most \(maxBytes) bytes."
            if encodedSize(textBytes) > budget {
                let keep = max(0, budget * 3 / 4 * 76 / 78 - 1024)
                let cut = Self.cut(text, toBytes: keep)
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
                let keptLines = cut.split(separator: "\n", omittingEmptySubsequences: false).count
                note += " The text below stops after \(keptLines) of \(lines) lines; \(textBytes - cut.utf8.count) bytes are left out."
                text = cut
            }
            if let path = notification.filePath { note += " The whole digest is in \(path)." }
            let notice = "[feedwatch: " + note + "]"
            parts = [("text/plain", notice + "\n\n" + text + (text.hasSuffix("\n") ? "" : "\n") + "\n" + notice + "\n")]
        }
        return assemble(notification, parts: parts, from: from, to: to, date: date)
    }

    /// `text` cut at the last line break within `bytes` bytes.
    static func cut(_ text: String, toBytes bytes: Int) -> String {
        guard text.utf8.count > bytes else { return text }
        let prefix = text.utf8.prefix(bytes)
        if let lastBreak = prefix.lastIndex(of: UInt8(ascii: "\n")) { return String(text[...lastBreak]) }
        return String(decoding: prefix, as: UTF8.self)
    }

    private static func assemble(
        _ notification: Notification, parts: [(String, String)], from: String, to: [String], date: Date
    ) -> String {
        let boundary = "feedwatch-" + String(ContentDigest.hexDigest(of: Array(notification.deliveryID.utf8)).prefix(24))
        let domain = from.split(separator: "@").last.map(String.init) ?? "feedwatch.invalid"
        var lines = [
            "From: " + headerSafe(from),
            "To: " + to.map(headerSafe).joined(separator: ", "),
            subjectHeader(notification.subject),
            "Date: " + rfc5322(date),
            "Message-ID: <\(headerSafe(notification.deliveryID))@\(headerSafe(domain))>",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
            "This is a MIME message; your mail program shows the text or the HTML part.",
        ]
        for (type, body) in parts {
            lines += [
                "--\(boundary)",
                "Content-Type: \(type); charset=utf-8",
                "Content-Transfer-Encoding: base64",
                "",
            ]
            lines += base64Lines(Array(body.utf8))
        }
        lines.append("--\(boundary)--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The `Subject:` header line(s): plain ASCII folded at spaces so that no line passes 78
    /// characters where a space allows it (RFC 5322 §2.2.3; strict servers refuse a line over
    /// 998); a word too long for one line, or non-ASCII text, as folded encoded-words.
    public static func subjectHeader(_ subject: String) -> String {
        let value = encodedWords(subject)
        let line = "Subject: " + value
        guard !value.contains("=?UTF-8?B?"), line.utf8.count > 78 else { return line }
        var lines: [String] = []
        var current = "Subject:"
        for word in value.split(separator: " ", omittingEmptySubsequences: true) {
            if current.utf8.count + 1 + word.utf8.count > 78, current != "Subject:" {
                lines.append(current)
                current = ""
            }
            current += " " + word
        }
        lines.append(current)
        // A single word longer than a line can hold cannot be folded: encode it instead.
        guard lines.allSatisfy({ $0.utf8.count <= 998 }) else { return "Subject: " + encodedWords(subject, force: true) }
        return lines.joined(separator: "\r\n")
    }

    /// RFC 2047 `B` encoded-words of at most 75 characters, folded; plain ASCII is left as is
    /// unless `force`.
    public static func encodedWords(_ text: String, force: Bool = false) -> String {
        let flat = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if !force, flat.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) && !flat.contains("=?") { return flat }
        // 75 - len("=?UTF-8?B?") - len("?=") = 63 base64 characters = at most 45 bytes; whole
        // characters only, since an encoded-word must not split a UTF-8 sequence.
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in flat {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: "\r\n ")
    }

    static func base64Lines(_ bytes: [UInt8]) -> [String] {
        let text = Data(bytes).base64EncodedString()
        var lines: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            let end = text.index(index, offsetBy: 76, limitedBy: text.endIndex) ?? text.endIndex
            lines.append(String(text[index..<end]))
            index = end
        }
        return lines
    }

    /// Header values come from the configuration; a line break would let it add headers.
    static func headerSafe(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
    }

    static func rfc5322(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}


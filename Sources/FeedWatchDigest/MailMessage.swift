import Foundation
import FeedWatchModel

/// Builds an RFC 5322 / MIME message: multipart/alternative with the Markdown digest as text
/// and the HTML page, both base64 (so any UTF-8 and any line length are safe), and the
/// subject as RFC 2047 encoded-words when it is not plain ASCII.
public enum MailMessage {
    /// The message with CRLF line ends, ready for SMTP `DATA` or `sendmail -i`.
    public static func build(_ notification: Notification, from: String, to: [String], date: Date = Date()) -> String {
        let boundary = "feedwatch-" + String(ContentDigest.hexDigest(of: Array(notification.deliveryID.utf8)).prefix(24))
        let domain = from.split(separator: "@").last.map(String.init) ?? "feedwatch.invalid"
        var lines = [
            "From: " + headerSafe(from),
            "To: " + to.map(headerSafe).joined(separator: ", "),
            "Subject: " + encodedWords(notification.subject),
            "Date: " + rfc5322(date),
            "Message-ID: <\(headerSafe(notification.deliveryID))@\(headerSafe(domain))>",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
            "This is a MIME message; your mail program shows the text or the HTML part.",
        ]
        for (type, body) in [("text/plain", notification.text), ("text/html", notification.html)] {
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

    /// RFC 2047 `B` encoded-words of at most 75 characters, folded; plain ASCII is left as is.
    public static func encodedWords(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if flat.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) && !flat.contains("=?") { return flat }
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

import Foundation
import FeedWatchDigest
import Testing

@Suite struct MailMessageTests {
    let notification = Notification(
        event: .digest, deliveryID: "feedwatch.7.digest-2026-11-29", subject: "Digest: Raketentests – Übersicht\r\nBcc: evil@example.org",
        text: "# Digest\n\nline", html: "<p>Digest</p>", json: "{}", filePath: nil)

    @Test func encodedWordsAreShortWholeCharactersAndDecodeBack() {
        let subject = String(repeating: "Ünïcödé ", count: 12)
        let encoded = MailMessage.encodedWords(subject)
        var decoded = ""
        for word in encoded.components(separatedBy: "\r\n ") {
            #expect(word.count <= 75 && word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))
            let text = data.flatMap { String(data: $0, encoding: .utf8) }
            #expect(text != nil, "a word split a UTF-8 sequence")
            decoded += text ?? ""
        }
        #expect(decoded == subject)
        #expect(MailMessage.encodedWords("plain ascii") == "plain ascii")
    }

    @Test func headersCannotBeInjectedAndBothPartsArePresent() {
        let message = MailMessage.build(notification, from: "fw@example.org", to: ["a@example.org"], date: Date(timeIntervalSince1970: 0))
        let head = message.components(separatedBy: "\r\n\r\n")[0]
        #expect(!head.contains("\r\nBcc:"), "a line break in the subject must not start a header")
        #expect(head.contains("\r\nDate: Thu, 01 Jan 1970 00:00:00 +0000"))
        #expect(head.contains("\r\nMessage-ID: <feedwatch.7.digest-2026-11-29@example.org>"))
        #expect(message.contains("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Data("# Digest\n\nline".utf8).base64EncodedString()))
        #expect(message.contains("Content-Type: text/html; charset=utf-8"))
        #expect(message.hasSuffix("--\r\n"))
        #expect(!message.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "only CRLF line ends")
    }
}

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

    /// Issue 15, item 14: an all-ASCII subject over 998 characters is folded, not sent as one line.
    @Test func aLongASCIISubjectIsFoldedUnder998PerLine() {
        let words = (0..<400).map { "word\($0)" }.joined(separator: " ")
        var long = notification
        long.subject = "Alert: " + words
        #expect(long.subject.utf8.count > 998)
        let message = MailMessage.build(long, from: "fw@example.org", to: ["a@example.org"])
        let head = message.components(separatedBy: "\r\n\r\n")[0]
        #expect(head.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 })
        let subjectLines = head.components(separatedBy: "\r\n").drop { !$0.hasPrefix("Subject:") }.prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }
        #expect(subjectLines.count > 10)
        #expect(subjectLines.allSatisfy { $0.utf8.count <= 78 }, "every subject line within 78")
        // Unfolding (RFC 5322: remove each CRLF before whitespace) gives the subject back.
        #expect(subjectLines.joined() == "Subject: " + long.subject)

        // One "word" longer than any line: sent as encoded-words instead.
        long.subject = String(repeating: "x", count: 2000)
        let unbroken = MailMessage.build(long, from: "fw@example.org", to: ["a@example.org"])
        let lines = unbroken.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 998 })
        #expect(lines.contains { $0.hasPrefix("Subject: =?UTF-8?B?") })
        // A short subject is one line, as before.
        #expect(MailMessage.subjectHeader("feedwatch digest 2026-12-04: 3 matches") == "Subject: feedwatch digest 2026-12-04: 3 matches")
    }

    /// Issue 15, item 10: a digest too big for one mail loses its HTML, then is cut at a line,
    /// and says so; the message stays within the bound.
    @Test func anOversizedDigestMailIsCutAndSaysWhatItLeftOut() {
        var big = notification
        big.subject = "digest"
        big.text = (0..<20_000).map { "- match \($0): some text about a missile test" }.joined(separator: "\n")
        big.html = String(repeating: "<p>x</p>", count: 200_000)
        big.filePath = "/var/lib/feedwatch/digests/2026-12-04.md"
        let message = MailMessage.build(big, from: "fw@example.org", to: ["a@example.org"], maxBytes: 200_000)
        #expect(message.utf8.count <= 200_000)
        #expect(!message.contains("text/html"))
        let body = message.components(separatedBy: "\r\n\r\n")[2].components(separatedBy: "\r\n--")[0]
        let text = String(decoding: Data(base64Encoded: body.replacingOccurrences(of: "\r\n", with: "")) ?? Data(), as: UTF8.self)
        #expect(text.hasPrefix("[feedwatch: The HTML version of this digest"))
        #expect(text.contains("of 20000 lines"))
        #expect(text.contains("/var/lib/feedwatch/digests/2026-12-04.md"))
        #expect(text.contains("- match 0: "))
        #expect(!text.contains("- match 19999: "))
        // Within the bound, nothing changes.
        let small = MailMessage.build(notification, from: "fw@example.org", to: ["a@example.org"], maxBytes: 200_000)
        #expect(small.contains("text/html") && !small.contains("left out"))
    }
}

import Foundation
import FeedWatchDigest
import FeedWatchTestSupport
import Testing

/// Every webhook format, sent over real sockets by libcurl to a loopback receiver that checks
/// the request as the service documents it and answers as the service does.
@Suite struct WebhookFormatTests {
    /// Three stories with the text a feed may carry: markup of every service, mentions,
    /// non-ASCII titles and a `javascript:` link.
    static let small = NotificationContent(
        title: "Raketentests – Übersicht: 3 matches <!channel>",
        summary: "Digest 2026-12-04: 3 matches in 2 topics: Raketentests – Übersicht, Sanctions & *more*",
        items: [
            .init(title: "Missile test <!channel> @everyone *bold* & <script>", link: "https://news.example/1?a=1&b=(2)", topic: "Raketentests", source: "Loopback News"),
            .init(title: "تحریم‌های جدید | Téhéran", link: "javascript:alert(1)", topic: "Sanctions", source: "Iran Focus"),
            .init(title: "Sanctions_on_[shipping](x)", link: nil, topic: "Sanctions", source: "Wire > Desk"),
        ],
        link: "https://digests.example/2026-12-04.html")

    /// 600 stories with 250-character titles: far beyond every service's limit.
    static let huge = NotificationContent(
        title: String(repeating: "Very long title ", count: 40),
        summary: "Digest 2026-12-04: 600 matches in 1 topic: Sanctions",
        items: (0..<600).map { index in
            .init(title: "Story \(index) " + String(repeating: "é", count: 250), link: "https://news.example/\(index)", topic: "Sanctions", source: "Feed \(index)")
        })

    static func notification(_ content: NotificationContent, event: NotifierEvent = .digest) -> FeedWatchDigest.Notification {
        FeedWatchDigest.Notification(
            event: event, deliveryID: "feedwatch.7.digest-2026-12-04", subject: content.title, text: content.summary, html: "<p></p>",
            json: "{\"schema\":\"feedwatch-digest/1\"}", filePath: nil, content: content)
    }

    /// Sends `content` in `format` to a fresh receiver of `service`; returns the receiver and the answer line.
    static func send(
        _ content: NotificationContent, format: WebhookFormat, service: ServiceReceiver.Service, path: String = "/hook",
        token: String? = nil, target: String? = nil, event: NotifierEvent = .digest
    ) async throws -> (ServiceReceiver, Result<String, DeliveryError>) {
        let receiver = ServiceReceiver(service)
        let server = try await LoopbackHTTPServer.start { receiver.answer($0) }
        let settings = WebhookSettings(
            url: format == .matrix || format == .telegram ? server.baseURL : server.url(path), secret: nil, format: format,
            token: token.map(Secret.init), target: target)
        let answer = await NotifierTransport.webhook(settings).sendReporting(notification(content, event: event), timeout: 10)
        try await server.shutdown()
        if let directory = ProcessInfo.processInfo.environment["FEEDWATCH_CAPTURE_REQUESTS"], content == small, let request = receiver.requests.first {
            // For the record (the issue's closing note): the request exactly as received.
            var text = "\(request.method) \(request.path)\(request.query.map { "?\($0)" } ?? "")\n"
            for (name, value) in request.headers { text += "\(name): \(value)\n" }
            text += "\n" + String(decoding: request.body, as: UTF8.self) + "\n"
            try text.write(toFile: "\(directory)/\(format.rawValue).http", atomically: true, encoding: .utf8)
        }
        return (receiver, answer)
    }

    /// The stories a body shows (lines starting "• ") and the number its "… and N more" line gives.
    static func shownAndCounted(_ text: String) -> (shown: Int, more: Int) {
        let lines = text.split(separator: "\n")
        let shown = lines.filter { $0.hasPrefix("• ") }.count
        var more = 0
        if let range = text.range(of: "… and "), let number = text[range.upperBound...].split(separator: " ").first { more = Int(number) ?? -1 }
        return (shown, more)
    }

    static func json(_ request: LoopbackRequest?) throws -> [String: Any] {
        let body = try #require(request).body
        return try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    }

    @Test func slackGetsEscapedBlocksAndCountsWhatDidNotFit() async throws {
        let (receiver, answer) = try await Self.send(Self.small, format: .slack, service: .slack)
        #expect(receiver.problems == [])
        #expect(try answer.get() == "HTTP 200: ok")
        let body = try Self.json(receiver.requests.first)
        let blocks = body["blocks"] as? [[String: Any]] ?? []
        let sections = blocks.filter { $0["type"] as? String == "section" }.compactMap { ($0["text"] as? [String: Any])?["text"] as? String }
        let stories = sections.dropFirst().joined(separator: "\n")
        #expect(stories.contains("&lt;!channel&gt; @everyone *bold* &amp; &lt;script&gt;"))
        #expect(stories.contains("<https://news.example/1?a=1&b=%282%29|Missile test"))
        #expect(!stories.contains("javascript:"), "a javascript: link is shown as text, never linked")
        #expect(body["text"] as? String == "Raketentests – Übersicht: 3 matches &lt;!channel&gt;")

        let (big, bigAnswer) = try await Self.send(Self.huge, format: .slack, service: .slack)
        #expect(big.problems == [])
        #expect(try bigAnswer.get() == "HTTP 200: ok")
        let all = try Self.json(big.requests.first)["blocks"] as? [[String: Any]] ?? []
        let storyText = all.filter { $0["type"] as? String == "section" }.dropFirst()
            .compactMap { ($0["text"] as? [String: Any])?["text"] as? String }.joined(separator: "\n")
        let footer = all.last.flatMap { ($0["elements"] as? [[String: Any]])?.first?["text"] as? String } ?? ""
        let (shown, _) = Self.shownAndCounted(storyText)
        let (_, more) = Self.shownAndCounted(footer)
        #expect(shown > 10 && shown < 600)
        #expect(shown + more == 600, "every story is shown or counted")
    }

    @Test func discordGetsOneEmbedWithoutMentionsWithinItsLimits() async throws {
        let (receiver, answer) = try await Self.send(Self.small, format: .discord, service: .discord)
        #expect(receiver.problems == [])
        #expect(try answer.get().hasPrefix("HTTP 200: {\"id\":\"1187\""))
        let embed = try #require((try Self.json(receiver.requests.first)["embeds"] as? [[String: Any]])?.first)
        let description = embed["description"] as? String ?? ""
        #expect(description.contains("\\<!channel\\> @everyone \\*bold\\*"))
        #expect(description.contains("[Missile test"))
        #expect(description.contains("(<https://news.example/1?a=1&b=%282%29>)"))
        #expect(!description.contains("javascript:"))
        #expect(embed["url"] as? String == "https://digests.example/2026-12-04.html")

        let (big, _) = try await Self.send(Self.huge, format: .discord, service: .discord)
        #expect(big.problems == [])
        let bigEmbed = try #require((try Self.json(big.requests.first)["embeds"] as? [[String: Any]])?.first)
        let (shown, _) = Self.shownAndCounted(bigEmbed["description"] as? String ?? "")
        let (_, more) = Self.shownAndCounted((bigEmbed["footer"] as? [String: Any])?["text"] as? String ?? "")
        #expect(shown > 5 && shown + more == 600)
    }

    @Test func ntfyGetsPlainTextWithEncodedTitleAndBearerToken() async throws {
        let (receiver, answer) = try await Self.send(Self.small, format: .ntfy, service: .ntfy, path: "/feedwatch", token: "tk_abc", event: .alert)
        #expect(receiver.problems == [])
        #expect(try answer.get().hasPrefix("HTTP 200: {\"id\":\"sPs71M8A2T\""))
        let request = try #require(receiver.requests.first)
        #expect(request.path == "/feedwatch")
        #expect(ServiceReceiver.decodeRFC2047(request.header("Title") ?? "") == Self.small.title)
        #expect(request.header("Authorization") == "Bearer tk_abc")
        #expect(request.header("Priority") == "4" && request.header("Tags") == "rotating_light")
        #expect(request.header("Click") == "https://digests.example/2026-12-04.html")
        let text = String(decoding: request.body, as: UTF8.self)
        #expect(text.contains("• تحریم‌های جدید | Téhéran (Sanctions, Iran Focus)"))
        #expect(!text.contains("javascript:"))

        let (big, _) = try await Self.send(Self.huge, format: .ntfy, service: .ntfy, path: "/feedwatch")
        #expect(big.problems == [])
        let bigText = String(decoding: try #require(big.requests.first).body, as: UTF8.self)
        let (shown, more) = Self.shownAndCounted(bigText)
        #expect(shown > 2 && shown + more == 600)
    }

    @Test func matrixPutsAnIdempotentNoticeWithTheDeliveryAsTransaction() async throws {
        let (receiver, answer) = try await Self.send(
            Self.small, format: .matrix, service: .matrix, token: "syt_test_token", target: "!room:example.org")
        #expect(receiver.problems == [])
        #expect(try answer.get() == "HTTP 200: {\"event_id\":\"$YUwRidLecu:example.org\"}")
        let request = try #require(receiver.requests.first)
        #expect(request.path.hasSuffix("/send/m.room.message/feedwatch.7.digest-2026-12-04"), "the delivery id is the transaction id")
        let body = try Self.json(request)
        #expect(body["msgtype"] as? String == "m.notice")
        let formatted = body["formatted_body"] as? String ?? ""
        #expect(formatted.contains("&lt;!channel&gt; @everyone *bold* &amp; &lt;script&gt;"))
        #expect(formatted.contains("<a href=\"https://news.example/1?a=1&amp;b=%282%29\">"))
        #expect(!formatted.contains("javascript:"))

        let (big, _) = try await Self.send(Self.huge, format: .matrix, service: .matrix, token: "syt_test_token", target: "!room:example.org")
        #expect(big.problems == [])
        let bigBody = try Self.json(big.requests.first)
        let (shown, more) = Self.shownAndCounted(bigBody["body"] as? String ?? "")
        #expect(shown > 10 && shown + more == 600)
        #expect((bigBody["formatted_body"] as? String ?? "").components(separatedBy: "<li>").count - 1 == shown)
    }

    @Test func telegramSendsHTMLTheBotAPIParses() async throws {
        let (receiver, answer) = try await Self.send(
            Self.small, format: .telegram, service: .telegram, token: "123456:ABC-test", target: "-1001234567890")
        #expect(receiver.problems == [])
        #expect(try answer.get() == "HTTP 200: {\"ok\":true,\"result\":{\"message_id\":42}}")
        let body = try Self.json(receiver.requests.first)
        #expect(body["chat_id"] as? Int64 == -1_001_234_567_890 || (body["chat_id"] as? NSNumber)?.int64Value == -1_001_234_567_890)
        let text = body["text"] as? String ?? ""
        #expect(text.contains("&lt;!channel&gt; @everyone *bold* &amp; &lt;script&gt;"))
        #expect(!text.contains("javascript:"))

        let (big, _) = try await Self.send(Self.huge, format: .telegram, service: .telegram, token: "123456:ABC-test", target: "@feedwatch")
        #expect(big.problems == [])
        let bigText = try Self.json(big.requests.first)["text"] as? String ?? ""
        let (shown, more) = Self.shownAndCounted(bigText)
        #expect(shown > 3 && shown + more == 600)
    }

    @Test func aRefusingServiceIsAFailureNamingItsAnswer() async throws {
        // A Telegram server that refuses the token: the error says what it answered.
        let server = try await LoopbackHTTPServer.start { _ in
            LoopbackResponse(status: 401, body: Array("{\"ok\":false,\"error_code\":401,\"description\":\"Unauthorized\"}".utf8))
        }
        let settings = WebhookSettings(url: server.baseURL, secret: nil, format: .telegram, token: Secret("1:bad"), target: "1")
        let result = await NotifierTransport.webhook(settings).sendReporting(Self.notification(Self.small), timeout: 10)
        try await server.shutdown()
        guard case .failure(let error) = result else {
            Issue.record("delivered despite a 401")
            return
        }
        #expect(error.message == "telegram 127.0.0.1 answered HTTP 401: {\"ok\":false,\"error_code\":401,\"description\":\"Unauthorized\"}")
        #expect(!error.message.contains("1:bad"), "the token is never in an error")
    }

    @Test func titleTemplatesRenderTheirFieldsAndRefuseUnknownOnes() throws {
        let template = try TitleTemplate("[{topic}] {count} new on {date}: {title} {{x}}")
        #expect(template.render(topic: "Sanctions", count: 3, date: "2026-12-04", title: "A\nB") == "[Sanctions] 3 new on 2026-12-04: A B {x}")
        #expect(throws: TitleTemplateError.self) { try TitleTemplate("{topics}") }
        #expect(throws: TitleTemplateError.self) { try TitleTemplate("{topic") }
        #expect(throws: TitleTemplateError.self) { try TitleTemplate("topic}") }
    }
}

import Foundation
import FeedWatchCurl
import FeedWatchDigest
import FeedWatchFetching
import FeedWatchModel
import FeedWatchTestSupport
import Testing

/// One curl layer serves every request: the fetch engine and deliveries name feedwatch with
/// the same User-Agent, and every command that fetches honours `[fetch]`.
@Suite struct OneHTTPClientTests {
    static let rss = """
        <?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
        <item><title>Ballistic missile test</title><guid>g1</guid><link>https://example.org/1</link></item>
        </channel></rss>
        """

    @Test func fetchesAndWebhooksShareOneUserAgentBuiltFromTheVersion() async throws {
        let recorder = RequestRecorder()
        let server = try await LoopbackHTTPServer.start { request in
            recorder.append(request)
            return request.path == "/hook" ? .status(204) : .ok(Self.rss, contentType: "application/rss+xml")
        }
        let fetcher = try Fetcher()
        _ = try await fetcher.fetch(FetchRequest(url: "\(server.baseURL)/feed.xml"))
        fetcher.shutdown()
        let hook = NotifierTransport.webhook(WebhookSettings(url: "\(server.baseURL)/hook", secret: nil))
        try await hook.send(
            Notification(event: .digest, deliveryID: "d1", subject: "s", text: "t", html: "h", json: "{}", filePath: nil), timeout: 10)
        let agents = recorder.all.map { $0.header("User-Agent") }
        #expect(agents.count == 2)
        #expect(agents.allSatisfy { $0 == HTTPIdentity.userAgent }, "\(agents)")
        #expect(HTTPIdentity.userAgent.hasPrefix("feedwatch/\(FeedWatchVersion.current) "))
        try await server.shutdown()
    }

    /// `parse URL` and `feeds add` fetch with the configured fetcher, not a bare one.
    @Test(.requires(.feedwatchBinary))
    func commandsThatFetchUseTheConfiguredUserAgent() async throws {
        let recorder = RequestRecorder()
        let server = try await LoopbackHTTPServer.start { request in
            recorder.append(request)
            return .ok(Self.rss, contentType: "application/rss+xml")
        }
        let directory = try TemporaryDirectory(prefix: "fw-one-client")
        let config = directory.path + "/feedwatch.toml"
        try """
            [storage]
            state_directory = "\(directory.path)/state"

            [fetch]
            user_agent = "configured-agent/7"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let parsed = try FeedWatchBinary.run(["parse", "\(server.baseURL)/a.xml", "--config", config])
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let added = try FeedWatchBinary.run(["feeds", "add", "\(server.baseURL)/b.xml", "--config", config])
        #expect(added.status == 0, "\(added.stderr)")
        let agents = recorder.all.map { "\($0.path) \($0.header("User-Agent") ?? "-")" }
        #expect(agents == ["/a.xml configured-agent/7", "/b.xml configured-agent/7"])
        try await server.shutdown()
    }
}

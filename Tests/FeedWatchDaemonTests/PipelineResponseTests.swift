import Foundation
import FeedWatchDaemon
import FeedWatchStore
import FeedWatchTestSupport
import Logging
import Testing

/// How the pipeline treats what hosts answer: real HTTP on 127.0.0.1, a real SQLite file.
@Suite struct PipelineResponseTests {
    static let rss = """
        <?xml version="1.0"?><rss version="2.0"><channel><title>T</title><ttl>120</ttl>
        <item><title>One</title><link>https://example.org/1</link><guid>1</guid></item>
        </channel></rss>
        """

    @Test func goneDisablesTheFeedWithItsReason() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .status(410) }
        let fixture = try CycleFixture(feeds: ["\(server.baseURL)/gone.xml"], topics: [])
        let runtime = try await fixture.runtime()
        let first = try await runtime.runOnce()
        #expect(first.feeds[0].error?.contains("410") == true)
        let state = try await runtime.store.feedStatuses()[0].state
        #expect(state.disabledReason?.contains("410 Gone") == true)
        // A disabled feed is not fetched again.
        _ = try await runtime.runOnce()
        #expect(server.requestCount(path: "/gone.xml") == 1)
        try await server.shutdown()
    }

    @Test func parseLimitsFromTheConfigurationBoundWhatAFeedAdds() async throws {
        let items = (1...5).map { "<item><title>Item \($0)</title><guid>i\($0)</guid></item>" }.joined()
        let server = try await LoopbackHTTPServer.start { _ in
            .ok("<rss version=\"2.0\"><channel><title>Long</title>\(items)</channel></rss>", contentType: "application/rss+xml")
        }
        let fixture = try CycleFixture(feeds: ["\(server.baseURL)/long.xml"], topics: [], extra: "[parse]\nmax_entries = 2\n")
        let runtime = try await fixture.runtime()
        let report = try await runtime.runOnce()
        #expect(report.feeds[0].error == nil)
        #expect(report.newArticles == 2)
        try await server.shutdown()
    }

    @Test func rateLimitPausesEveryFeedOfThatHost() async throws {
        let server = try await LoopbackHTTPServer.start { request in
            if request.path == "/limited.xml" {
                var response = LoopbackResponse.status(429)
                response.headers.append(("Retry-After", "600"))
                return response
            }
            return .ok(Self.rss, contentType: "application/rss+xml")
        }
        let fixture = try CycleFixture(feeds: ["\(server.baseURL)/limited.xml", "\(server.baseURL)/other.xml"], topics: [])
        let runtime = try await fixture.runtime()
        let stored = try await runtime.store.syncFeeds(runtime.configuration.feeds)
        let start = Date()
        let report = await runtime.pipeline.refresh(stored[0])
        #expect(report.error?.contains("rate limited") == true)
        let state = try await runtime.store.fetchState(feedID: stored[0].id)
        let next = try #require(state.nextCheck)
        #expect(next.timeIntervalSince(start) > 590)
        #expect(state.nextCheckReason?.contains("the host asked us to wait") == true, "status says why: \(state.nextCheckReason ?? "nil")")
        // Another feed on the same host now waits too, without a request.
        let other = await runtime.pipeline.refresh(stored[1])
        #expect(other.error?.contains("asked us to wait") == true)
        #expect(server.requestCount(path: "/other.xml") == 0)
        try await server.shutdown()
    }

    /// A feed another daemon put into a shared database, absent from this daemon's
    /// configuration, is never fetched with invented settings, and not claimed again at once.
    @Test func aStoredFeedMissingFromTheConfigurationIsNeverFetched() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .ok(Self.rss, contentType: "application/rss+xml") }
        let fixture = try CycleFixture(feeds: ["\(server.baseURL)/mine.xml"], topics: [])
        let runtime = try await fixture.runtime()
        _ = try await runtime.store.syncFeeds([.init(url: "\(server.baseURL)/mine.xml"), .init(url: "\(server.baseURL)/theirs.xml")])
        let claimer = FeedClaimer(runtime: runtime)
        guard case .refreshed(let reports) = await claimer.step(pipeline: runtime.pipeline) else {
            Issue.record("nothing was claimed")
            return
        }
        #expect(reports.map(\.feed.url) == ["\(server.baseURL)/mine.xml"])
        #expect(server.requestCount(path: "/theirs.xml") == 0)
        // Its lease is kept until it runs out: the next step finds nothing due.
        guard case .idle = await claimer.step(pipeline: runtime.pipeline) else {
            Issue.record("the unconfigured feed was claimed again at once")
            return
        }
        #expect(server.requestCount(path: "/theirs.xml") == 0)
        try await server.shutdown()
    }

    @Test func permanentRedirectIsRememberedAndFollowedNextTime() async throws {
        let server = try await LoopbackHTTPServer.start { request in
            if request.path == "/old.xml" {
                var response = LoopbackResponse.status(301)
                response.headers.append(("Location", "/new.xml"))
                return response
            }
            return .ok(Self.rss, contentType: "application/rss+xml")
        }
        let fixture = try CycleFixture(feeds: ["\(server.baseURL)/old.xml"], topics: [])
        let runtime = try await fixture.runtime()
        let first = try await runtime.runOnce()
        #expect(first.feeds[0].error == nil && first.newArticles == 1)
        let state = try await runtime.store.feedStatuses()[0].state
        #expect(state.movedTo == "\(server.baseURL)/new.xml")
        _ = try await runtime.runOnce()
        #expect(server.requestCount(path: "/old.xml") == 1)
        #expect(server.requestCount(path: "/new.xml") == 2)
        try await server.shutdown()
    }

    @Test func successSchedulesByTheFeedsOwnHintsAndKeepsValidators() async throws {
        let server = try await LoopbackHTTPServer.start { request in
            if request.header("If-None-Match") == "\"v1\"" { return .status(304) }
            var response = LoopbackResponse.ok(Self.rss, contentType: "application/rss+xml")
            response.headers.append(("ETag", "\"v1\""))
            return response
        }
        let fixture = try CycleFixture(feeds: ["\(server.baseURL)/f.xml"], topics: [])
        let runtime = try await fixture.runtime()
        let start = Date()
        _ = try await runtime.runOnce()
        let state = try await runtime.store.feedStatuses()[0].state
        #expect(state.etag == "\"v1\"")
        #expect(state.lastFullFetch != nil)
        // <ttl>120</ttl> asks for two hours, more than the default 30 minutes (±10 % jitter).
        let next = try #require(state.nextCheck).timeIntervalSince(start)
        #expect(next > 7200 * 0.89 && next < 7200 * 1.11)
        // `feedwatch status` shows why (the default max_interval, 2h, allows the whole ttl).
        #expect(state.nextCheckReason == "every 2h, stretched from 30m by the feed's ttl")
        let second = try await runtime.runOnce()
        #expect(second.feeds[0].status == 304)
        try await server.shutdown()
    }
}

@Suite struct FeedRequestOptionTests {
    @Test func perFeedHeadersAreSentAndNeverLogged() async throws {
        let seen = HeaderRecorder()
        let server = try await LoopbackHTTPServer.start { request in
            seen.record(request.header("X-Api-Key"))
            return .ok(PipelineResponseTests.rss, contentType: "application/rss+xml")
        }
        let directory = try TemporaryDirectory(prefix: "fw-headers")
        let dir = directory.path
        let path = dir + "/feedwatch.toml"
        try """
            [storage]
            state_directory = "\(dir)"
            [[feed]]
            url = "\(server.baseURL)/private.xml"
            headers = { "X-Api-Key" = "s3cr3t-key" }
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ConfigurationLoader.load(path: path)
        #expect(configuration.feeds[0].headers == ["X-Api-Key": "s3cr3t-key"])
        let runtime = try FeedWatchRuntime(configuration: configuration, logger: Logger(label: "test"))
        let report = try await runtime.runOnce()
        #expect(report.newArticles == 1)
        #expect(seen.values == ["s3cr3t-key"])
        try await server.shutdown()
    }

    @Test func badHeadersAndProxiesAreRejected() {
        let text = """
            [fetch]
            proxy = "ftp://proxy.example"
            [[feed]]
            url = "https://example.org/a.xml"
            headers = { "Bad Name" = "x", "X-Two" = "a\\r\\nInjected: yes" }
            """
        #expect {
            _ = try ConfigurationLoader.parse(text, path: "f.toml")
        } throws: { error in
            let lines = (error as? ConfigurationError)?.lines ?? []
            return lines.contains { $0.hasPrefix("f.toml: fetch.proxy: must be a proxy URL") }
                && lines.contains { $0.hasPrefix("f.toml: feed[0].headers.Bad Name: is not a valid HTTP header name") }
                && lines.contains { $0.hasPrefix("f.toml: feed[0].headers.X-Two: must be one line") }
        }
    }
}

/// Header values the loopback server saw, in order.
final class HeaderRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [String] = []
    func record(_ value: String?) {
        lock.lock()
        seen.append(value ?? "<none>")
        lock.unlock()
    }
    var values: [String] {
        lock.lock()
        defer { lock.unlock() }
        return seen
    }
}

import Foundation
import FeedWatchDaemon
import FeedWatchStore
import FeedWatchTestSupport
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

    @Test func rateLimitPausesEveryFeedOfThatHost() async throws {
        let server = try await LoopbackHTTPServer.start { request in
            if request.path == "/limited.xml" {
                var response = LoopbackResponse.status(429)
                response.headers.append(("Retry-After", "600"))
                return response
            }
            return .ok(Self.rss, contentType: "application/rss+xml")
        }
        let fixture = try CycleFixture(feeds: ["\(server.baseURL)/limited.xml"], topics: [])
        let runtime = try await fixture.runtime()
        let start = Date()
        let report = try await runtime.runOnce()
        #expect(report.feeds[0].error?.contains("rate limited") == true)
        let state = try await runtime.store.feedStatuses()[0].state
        let next = try #require(state.nextCheck)
        #expect(next.timeIntervalSince(start) > 590)
        // Another feed on the same host now waits too, without a request.
        let sibling = try await runtime.store.syncFeeds([.init(url: "\(server.baseURL)/limited.xml"), .init(url: "\(server.baseURL)/other.xml")])
        let other = await runtime.pipeline.refresh(sibling[1])
        #expect(other.error?.contains("asked us to wait") == true)
        #expect(server.requestCount(path: "/other.xml") == 0)
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
        let second = try await runtime.runOnce()
        #expect(second.feeds[0].status == 304)
        try await server.shutdown()
    }
}

@testable import FeedWatchDaemon
import FeedWatchDigest
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import Synchronization
import Testing

/// Days before the newest are read once in their feed form and kept; what the daemon writes
/// from them must stay exactly what a fresh read of the store makes.
@Suite struct EarlierDigestsTests {
    @Test func laterPublicationsKeepTheFeedsAsAFreshReadMakesThemAndLeaveThePreviousPage() async throws {
        let items = Mutex<[(title: String, body: String)]>(Array(worldItems.prefix(2)))
        let server = try await LoopbackHTTPServer.start { _ in .ok(rssFeed(items.withLock { $0 })) }
        let fixture = try CycleFixture(
            feeds: [server.url("/feed.xml")], topics: [(id: "watch", name: "Missiles and sanctions", query: "missile OR sanctions")],
            extra: "formats = [\"html\", \"atom\"]\n")
        let runtime = try await fixture.runtime()
        let feed = try #require(try await runtime.store.syncFeeds(runtime.configuration.feeds).first)
        _ = await runtime.pipeline.refresh(feed)
        _ = try await runtime.publisher.publish(day: "2026-12-01", now: Date())
        items.withLock { $0.append(worldItems[2]) }
        _ = await runtime.pipeline.refresh(feed)
        let first = try await runtime.publisher.publish(day: "2026-12-02", now: Date())
        #expect(first.contains { $0.path.hasSuffix("/2026-12-01.html") }, "the previous page gets its next link")
        items.withLock { $0.append((title: "Second missile launch within a week", body: "Another ballistic missile flew east.")) }
        _ = await runtime.pipeline.refresh(feed)
        let again = try await runtime.publisher.publish(day: "2026-12-02", now: Date())
        #expect(!again.isEmpty && !again.contains { $0.path.hasSuffix("/2026-12-01.html") }, "\(again.map(\.path))")

        let written = try String(contentsOfFile: runtime.publisher.path(day: "2026-12-02", format: .atom), encoding: .utf8)
        let fresh = try StoredDigestPublisher(configuration: runtime.configuration.digest, store: runtime.store)
        let read = try #require(try await fresh.render(day: "2026-12-02", format: .atom))
        #expect(written == read)
        #expect(written.contains("Second missile launch within a week") && written.contains("Digest 2026-12-01: 2 matches"))
        let previousPage = try String(contentsOfFile: runtime.publisher.path(day: "2026-12-01", format: .html), encoding: .utf8)
        #expect(previousPage.contains("<a rel=\"next\" href=\"2026-12-02.html\">"))
        try await server.shutdown()
    }
}

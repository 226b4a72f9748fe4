import Foundation
import FeedWatchDaemon
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Synchronization
import Testing

/// Everything the daemon's pipeline sends to PostgreSQL for one refresh, counted by the store
/// (`PostgresStore.roundTrips`: every statement, BEGIN and COMMIT included), the way the
/// scheduler runs it: a claimed batch (the claim reads each feed's fetch state, identity mode
/// and start once per batch), refreshed through `FeedPipeline.refresh`.
@Suite struct PostgresRefreshRoundTripTests {
    /// An RSS document of `count` undated items about a missile test; the first one edited when `edited`.
    static func document(items count: Int, edited: Bool) -> String {
        var xml = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Round trips</title>"
        for index in 0..<count {
            let title = index == 0 && edited ? "Item 0: missile test, corrected" : "Item \(index): missile test"
            xml += "<item><guid>item-\(index)</guid><title>\(title)</title><link>http://news.example/\(index)</link>"
            xml += "<description>Officials confirmed missile test \(index).</description></item>"
        }
        return xml + "</channel></rss>"
    }

    /// A new feed's document, then a known feed's changed one (two new entries, one edited), each
    /// in at most three round trips; then a 304 in one (its fetch state saved).
    @Test(.requires(.postgres)) func aRefreshIsAtMostThreeRoundTripsAndA304IsOne() async throws {
        try TestRequirement.postgres.check()
        let version = Atomic<Int>(1)
        let server = try await LoopbackHTTPServer.start { request in
            let current = version.load(ordering: .relaxed)
            if request.header("If-None-Match") == "\"v\(current)\"" { return .status(304) }
            var response = LoopbackResponse.ok(Self.document(items: current == 1 ? 20 : 22, edited: current > 1))
            response.headers.append(("ETag", "\"v\(current)\""))
            return response
        }
        _ = try await PostgresTestServer.withDatabase { url in
            let directory = try TemporaryDirectory(prefix: "fw-round-trips")
            let configuration = try InterruptedMatchingTests.configuration(
                directory: directory.path, database: url, feedURL: server.url("/feed.xml"), fullText: false)
            let runtime = try await FeedWatchRuntime.open(configuration: configuration, logger: quietLogger)
            do {
                let postgres = try #require(runtime.store as? PostgresStore)
                _ = try await runtime.store.syncFeeds(runtime.configuration.feeds)
                // Once per daemon, not per refresh: the story index reads the recent articles.
                try await runtime.pipeline.stories.seed(store: runtime.store, now: Date())
                /// Claims the feed as due at `now`, refreshes it, and counts the refresh's statements.
                func refresh(at now: Date) async throws -> (FeedRefreshReport, Int) {
                    let claimed = try await runtime.store.claimDueFeeds(owner: "round-trips", now: now, lease: 60, limit: 10)
                    let scheduled = runtime.pipeline.schedule(claimed).scheduled
                    try #require(scheduled.count == 1)
                    let before = postgres.roundTrips
                    let report = try #require(await runtime.pipeline.refresh(scheduled).first)
                    let trips = postgres.roundTrips - before
                    try await runtime.store.releaseLeases(feedIDs: claimed.map(\.id), owner: "round-trips")
                    return (report, trips)
                }
                let day: TimeInterval = 86400
                let (new, newTrips) = try await refresh(at: Date())
                #expect(new.error == nil && new.status == 200 && new.newArticles == 20 && new.newMatches == 20, "\(new)")
                #expect(newTrips == 3, "a new feed")

                version.store(2, ordering: .relaxed)
                let (known, knownTrips) = try await refresh(at: Date().addingTimeInterval(day))
                #expect(known.error == nil && known.newArticles == 2 && known.newMatches == 2, "\(known)")
                #expect(knownTrips == 3, "a known feed with two new entries and one edited")
                let stored = try await runtime.store.articles(since: .distantPast, limit: 100)
                #expect(stored.count == 22 && stored.contains { $0.title == "Item 0: missile test, corrected" })

                let (notModified, notModifiedTrips) = try await refresh(at: Date().addingTimeInterval(2 * day))
                #expect(notModified.error == nil && notModified.status == 304, "\(notModified)")
                #expect(notModifiedTrips == 1, "a 304 saves the fetch state, nothing else")
                #expect(try await runtime.store.fetchState(feedID: new.feed.id).lastStatus == 304)
                #expect(server.totalRequests == 3)
            } catch {
                await runtime.store.close()
                throw error
            }
            await runtime.store.close()
        }
        try await server.shutdown()
    }
}

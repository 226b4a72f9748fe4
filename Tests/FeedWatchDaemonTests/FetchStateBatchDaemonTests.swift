import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import GRDB
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real daemon with routine fetch states waiting for their group commit: what a crash
/// loses (check times only: the feeds are asked again with the same validators) and what a
/// graceful stop keeps (everything).
@Suite(.serialized, .requires(.feedwatchBinary)) struct FetchStateBatchDaemonTests {
    /// Five feeds answer 304 to their validator, a sixth never answers, so the wave (and with
    /// it the buffered 304 states, `state_batch_delay = "1h"`) stays open until the stop.
    /// Killed with SIGKILL, the 304s are lost as check times only; restarted and stopped with
    /// SIGTERM, every 304 is saved.
    @Test func aKilledDaemonLosesOnlyCheckTimesAndAStoppedOneSavesEvery304() async throws {
        let conditional = Mutex<[String]>([])
        let server = try await LoopbackHTTPServer.start { request in
            if request.path == "/hang.xml" { return LoopbackResponse.ok("").delivered(.neverAnswer) }
            guard request.header("If-None-Match") == "\"v1\"" else {
                return LoopbackResponse.ok(syntheticFeed("q", items: 1)).adding(header: "ETag", "\"v1\"")
            }
            conditional.withLock { $0.append(request.path) }
            return .status(304)
        }
        let fixture = try DaemonFixture()
        let quick = (0..<5).map { server.url("/quick/\($0)") }
        try fixture.writeConfig(
            feeds: quick + [server.url("/hang.xml")], timeout: "60s", storage: "state_batch = 64\nstate_batch_delay = \"1h\"")
        // Known feeds, fetched (with a body) an hour ago and due now.
        let fetched = Date().addingTimeInterval(-3600)
        do {
            let store = try SQLiteStore(path: fixture.databasePath)
            let feeds = try await store.syncFeeds((quick + [server.url("/hang.xml")]).map { FeedSource(url: $0) })
            for feed in feeds.prefix(5) {
                try await store.saveFetchState(feedID: feed.id, FetchState(
                    etag: "\"v1\"", lastFetched: fetched, lastSuccess: fetched, nextCheck: nil, lastStatus: 200, lastFullFetch: fetched))
            }
            await store.close()
        }
        struct Row: Equatable {
            var status: Int?
            var etag: String?
            var errors: Int
            var nextCheck: Double?
            var lastFetched: Double?
        }
        func quickStates() throws -> [Row] {
            try fixture.read { db in
                try GRDB.Row.fetchAll(db, sql: """
                    SELECT s.last_status, s.etag, s.error_count, s.next_check_at, s.last_fetched_at FROM fetch_state s
                    JOIN feeds f ON f.id = s.feed_id WHERE f.url LIKE '%/quick/%' ORDER BY f.position
                    """).map { Row(status: $0[0], etag: $0[1], errors: $0[2], nextCheck: $0[3], lastFetched: $0[4]) }
            }
        }
        let seeded = try quickStates()
        #expect(seeded.count == 5 && seeded.allSatisfy { $0.status == 200 && $0.nextCheck == nil })

        let first = try fixture.start()
        #expect(try await eventually { conditional.withLock { $0.count } == 5 && server.requestCount(path: "/hang.xml") == 1 },
                "\(first.standardError)")
        // The 304s wait for their group, which the hanging feed's wave holds open.
        #expect(try quickStates() == seeded, "no group committed yet")
        first.killHard()
        // Lost: the check times of five 304s. The feeds keep their validators and standing and
        // are still due.
        #expect(try quickStates() == seeded)

        let second = try fixture.start()
        #expect(try await eventually { conditional.withLock { $0.count } == 10 && server.requestCount(path: "/hang.xml") == 2 },
                "\(second.standardError)")
        #expect(conditional.withLock { Set($0).count } == 5, "asked again, with the same validator")
        second.signal(SIGTERM)
        #expect(try await second.waitForExit(timeout: .seconds(10)) == 0, "stderr: \(second.standardError)")
        let saved = try quickStates()
        #expect(saved.count == 5)
        for state in saved {
            #expect(state.status == 304 && state.etag == "\"v1\"" && state.errors == 0, "\(state)")
            #expect((state.lastFetched ?? 0) > fetched.timeIntervalSince1970 && state.nextCheck.map { $0 > Date().timeIntervalSince1970 } == true)
        }
        // The aborted feed kept its place: not failed, due again.
        #expect(try fixture.count("SELECT COUNT(*) FROM fetch_state WHERE error_count > 0") == 0)
        #expect(try fixture.count("""
            SELECT COUNT(*) FROM fetch_state s JOIN feeds f ON f.id = s.feed_id
            WHERE f.url LIKE '%hang.xml' AND s.next_check_at IS NULL
            """) == 1)
        try await server.shutdown()
    }

    /// Two daemons share 24 feeds on PostgreSQL, every feed answering 304 after its first fetch:
    /// the 304 states are committed in groups before the leases are released, so the daemons
    /// agree on every feed's schedule. No feed is fetched again before its interval (a state
    /// released unsaved would be due at once for the other daemon), both share the work, and
    /// every feed ends with its 304 stored.
    @Test(.requires(.postgres)) func twoDaemonsOnPostgreSQLAgreeOnGroupCommittedStates() async throws {
        let fetches = Mutex<[String: [(at: Date, node: String)]]>([:])
        let server = try await LoopbackHTTPServer.start { request in
            fetches.withLock { $0[request.path, default: []].append((Date(), request.header("User-Agent") ?? "?")) }
            if request.header("If-None-Match") == "\"v1\"" { return .status(304) }
            return LoopbackResponse.ok(syntheticFeed("f", items: 1)).adding(header: "ETag", "\"v1\"")
        }
        let feedCount = 24
        let interval: TimeInterval = 6
        _ = try await PostgresTestServer.withDatabase { url in
            let temporary = try TemporaryDirectory(prefix: "fw-2d-304")
            let fleet = try DaemonFleet(
                count: 2, directory: temporary.path, databaseURL: url, feeds: (0..<feedCount).map { server.url("/feed/\($0)") },
                interval: "\(Int(interval))s", lease: "10s", claimBatch: 6,
                extraFetch: "concurrency = 64\nper_host_concurrency = 64\n")
            try fleet.start()
            defer { fleet.killAll() }
            // The first fetch of each feed and two 304s.
            try await waitUntil("every feed fetched three times", seconds: 180) {
                fetches.withLock { $0.count == feedCount && $0.values.allSatisfy { $0.count >= 3 } }
            }
            fleet.killAll()
            let log = fetches.withLock { $0 }
            // Jitter moves a check by at most a tenth of the interval; a state lost or saved
            // after its lease was released would let the other daemon fetch the feed at once.
            let gaps = log.values.flatMap { list in zip(list.dropFirst(), list).map { $0.at.timeIntervalSince($1.at) } }
            #expect((gaps.min() ?? 0) > interval * 0.5, "shortest gap between two fetches of a feed: \(gaps.min() ?? 0)s")
            let nodes = Set(log.values.flatMap { $0.dropFirst().map(\.node) })
            #expect(nodes == ["feedwatch-test node-1", "feedwatch-test node-2"], "both daemons fetched 304s: \(nodes)")
            #expect(try await PostgresTestServer.count("SELECT COUNT(*) FROM fetch_state WHERE last_status = 304 AND error_count = 0", url: url) == feedCount)
        }
        try await server.shutdown()
    }
}

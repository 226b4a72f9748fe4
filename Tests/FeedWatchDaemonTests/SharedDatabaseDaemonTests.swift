import FeedWatchDaemon
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// Three real `feedwatch run` processes share one PostgreSQL database and 500 feeds served by
/// the loopback server. The server's own records show how the work was split: who fetched
/// which feed when. One daemon is killed with SIGKILL in the middle of a cycle.
///
/// Waits are "until a condition holds" with generous upper bounds (hang guards); the assertions
/// are about order and counts, never about how many seconds passed, so a loaded machine that
/// runs everything slower passes or fails the same way. Timing is for benchmarks.
@Suite(.serialized) struct SharedDatabaseDaemonTests {
    static let feedCount = 500
    static let interval: TimeInterval = 15
    static let lease: TimeInterval = 10

    /// What the loopback server saw, per feed path: when, and which daemon (by User-Agent).
    final class FetchLog: Sendable {
        struct Fetch: Sendable {
            var at: Date
            var node: String
        }
        /// Fetches per path; once frozen, how many items each feed keeps serving; the daemon
        /// whose responses are held back, and since when.
        let state = Mutex<(byPath: [String: [Fetch]], caps: [String: Int]?, stalled: (node: String, since: Date)?)>(([:], nil, nil))

        /// Feed `path`'s document: one more item on every fetch (until frozen), so each fetch
        /// brings exactly one new article; items of even feeds match the topic.
        func respond(_ request: LoopbackRequest) -> LoopbackResponse {
            let node = request.header("User-Agent") ?? "?"
            let (served, stall) = state.withLock { state -> (Int, Bool) in
                var fetches = state.byPath[request.path, default: []]
                fetches.append(Fetch(at: Date(), node: node))
                state.byPath[request.path] = fetches
                return (min(fetches.count, state.caps?[request.path] ?? Int.max), state.stalled?.node == node)
            }
            let feedNumber = Int(request.path.split(separator: "/").last ?? "") ?? 0
            let subject = feedNumber.isMultiple(of: 2) ? "a missile test off the coast" : "mild weather ahead"
            var items = ""
            for k in 1...served {
                items += """
                    <item><title>Item \(k) of feed \(feedNumber)</title><link>https://example.org/\(feedNumber)/\(k)</link>
                    <guid>feed-\(feedNumber)-item-\(k)</guid><description>Report \(k): \(subject).</description></item>
                    """
            }
            let response = LoopbackResponse.ok(
                "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed \(feedNumber)</title>\(items)</channel></rss>")
            // Held back (within the fetch timeout) so the daemon is surely mid-fetch when killed.
            return stall ? response.delivered(.delayed(seconds: 4)) : response
        }

        /// Holds back every response to `node` from now on.
        func stall(_ node: String) -> Date {
            state.withLock { state in
                let now = Date()
                state.stalled = (node, now)
                return now
            }
        }

        var snapshot: [String: [Fetch]] { state.withLock { $0.byPath } }

        /// From now on, every response repeats what the feed served last: no new items.
        /// Returns how many items were served in all.
        func freeze() -> Int {
            state.withLock { state in
                let caps = state.byPath.mapValues(\.count)
                state.caps = caps
                return caps.values.reduce(0, +)
            }
        }
    }

    @Test(.requires(.postgres), .requires(.feedwatchBinary)) func threeDaemonsShareTheWorkAndSurviveOneBeingKilled() async throws {
        _ = try await PostgresTestServer.withDatabase { url in
            try await run(databaseURL: url)
        }
    }

    func run(databaseURL: String) async throws {
        let log = FetchLog()
        let server = try await LoopbackHTTPServer.start { log.respond($0) }
        let temporary = try TemporaryDirectory(prefix: "fw-3d")
        let directory = temporary.path
        let fleet = try DaemonFleet(
            count: 3, directory: directory, databaseURL: databaseURL,
            feeds: (0..<Self.feedCount).map { server.url("/feed/\($0)") },
            interval: "\(Int(Self.interval))s", lease: "\(Int(Self.lease))s",
            extraFetch: "concurrency = 16\nper_host_concurrency = 16\n",
            topics: "[[topic]]\nid = \"missiles\"\nname = \"Missile tests\"\nquery = '\"missile test\"'\n")
        try fleet.start()
        defer { fleet.killAll() }

        // In the second cycle, daemon 1 dies without a word while it holds leases and has
        // fetches in flight (its responses are held back from the start of that cycle).
        let killedNode = "feedwatch-test node-1"
        try await waitUntil("every feed fetched once", seconds: 180) { log.snapshot.count == Self.feedCount }
        let stalledSince = log.stall(killedNode)
        try await waitUntil("daemon 1 fetching in the second cycle", seconds: 120) {
            log.snapshot.values.contains { $0.contains { $0.node == killedNode && $0.at >= stalledSince } }
        }
        fleet.kill(0)
        let killedAt = Date()

        // Until the dead daemon's leases ran out and every feed was fetched again after that;
        // then no new items, and wait until every served item is stored.
        let takeover = killedAt.addingTimeInterval(Self.lease)
        try await waitUntil("every feed fetched again after the dead daemon's leases ran out", seconds: 240) {
            let snapshot = log.snapshot
            return snapshot.count == Self.feedCount && snapshot.values.allSatisfy { $0.contains { $0.at > takeover } }
        }
        let servedItems = log.freeze()
        let store = try await PostgresStore.open(try PostgresStore.Configuration(url: databaseURL), logger: Logger(label: "test"))
        try await waitUntil("every served item stored", seconds: 120) {
            try await PostgresTestServer.count("SELECT COUNT(*) FROM articles", url: databaseURL) >= servedItems
        }
        fleet.killAll()

        // The killed daemon's fetches in flight never finished: they are lost work, not fetches.
        let all = log.snapshot
        let fetches = all.mapValues { $0.filter { !($0.node == killedNode && $0.at >= stalledSince) } }
        let lostFeeds = all.filter { $0.value.count != fetches[$0.key]?.count }.count
        #expect(lostFeeds > 0, "daemon 1 was killed while fetching")
        // Every feed the dead daemon had in flight was fetched again, by a live daemon, after the kill.
        let lostPaths = all.filter { $0.value.count != fetches[$0.key]?.count }.map(\.key)
        #expect(lostPaths.allSatisfy { path in fetches[path]?.contains { $0.at > killedAt && $0.node != killedNode } == true })
        // Each feed once per cycle, in counts: every feed was fetched in the first cycle and again
        // after the takeover, and no feed got ahead of another by more than one cycle plus the
        // fetch the dead daemon lost (a feed fetched twice per cycle, or left behind, would).
        let counts = fetches.values.map(\.count)
        #expect((counts.min() ?? 0) >= 2, "a feed was not fetched again after the takeover")
        #expect((counts.max() ?? 0) - (counts.min() ?? 0) <= 2, "fetches per feed: \(Dictionary(grouping: counts) { $0 }.mapValues(\.count))")
        let perNode = Dictionary(grouping: fetches.values.flatMap { $0 }, by: \.node).mapValues(\.count)
        print(
            "three daemons: \(counts.reduce(0, +)) fetches of \(fetches.count) feeds (\(lostFeeds) in flight when daemon 1 was killed),",
            "per daemon", perNode.sorted { $0.key < $1.key }.map { "\($0.key.suffix(6))=\($0.value)" }.joined(separator: " "),
            "logs in", directory)
        // Every daemon did a share of the work before the kill.
        let nodes = Set(fetches.values.flatMap { $0.filter { $0.at < killedAt }.map(\.node) })
        #expect(nodes == [killedNode, "feedwatch-test node-2", "feedwatch-test node-3"])

        // No duplicate article or match: exactly the items served, each stored once.
        #expect(try await PostgresTestServer.count("SELECT COUNT(*) FROM articles", url: databaseURL) == servedItems)
        #expect(try await PostgresTestServer.count("SELECT COUNT(DISTINCT link) FROM articles", url: databaseURL) == servedItems)
        let evenItems = try await PostgresTestServer.count(
            "SELECT COUNT(*) FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE f.title ~ '[02468]$'", url: databaseURL)
        #expect(try await PostgresTestServer.count("SELECT COUNT(*) FROM topic_matches", url: databaseURL) == evenItems)
        #expect(evenItems > 0)

        // One digest for the day, built and written by exactly one daemon.
        let digests = try await store.digests()
        #expect(digests.count == 1)
        let files = (1...3).compactMap { node -> String? in
            let dir = "\(directory)/node-\(node)/digests"
            return (try? FileManager.default.contentsOfDirectory(atPath: dir))?.first.map { "\(dir)/\($0)" }
        }
        #expect(files.count == 1)
        await store.close()
        try await server.shutdown()
    }
}

/// Polls `condition` every half second until it holds; fails after `seconds` (a bound on a
/// hang, not a timing assertion).
func waitUntil(_ what: String, seconds: TimeInterval, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(nanoseconds: 500_000_000)
    }
    Issue.record("gave up waiting after \(Int(seconds))s: \(what)")
    throw CancellationError()
}

import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// Opt-in: a benchmark measures, so it is not a missing tool (FEEDWATCH_REQUIRE_ALL leaves it off).
let benchmarksEnabled = ProcessInfo.processInfo.environment["FEEDWATCH_BENCH"] == "1"

/// The figures for the README: one cycle over 10,000 loopback feeds with one and with three
/// `feedwatch run` daemons on one PostgreSQL database, and one daemon on SQLite for
/// comparison. Opt-in (`FEEDWATCH_BENCH=1`, see `scripts/bench-shared-db.sh`): it measures,
/// it does not judge.
@Suite(.serialized, .enabled(if: benchmarksEnabled, "an opt-in benchmark: set FEEDWATCH_BENCH=1, or run scripts/bench-shared-db.sh"))
struct SharedDatabaseBenchmark {
    static let feedCount = Int(ProcessInfo.processInfo.environment["FEEDWATCH_BENCH_FEEDS"] ?? "") ?? 10_000

    static let claimBatch = Int(ProcessInfo.processInfo.environment["FEEDWATCH_BENCH_BATCH"] ?? "") ?? 200
    static let poolSize = Int(ProcessInfo.processInfo.environment["FEEDWATCH_BENCH_POOL"] ?? "") ?? 16

    static let body = """
        <?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>
        <item><title>One</title><guid>one</guid><description>a missile test</description></item>
        <item><title>Two</title><guid>two</guid><description>weather</description></item>
        </channel></rss>
        """


    @Test func sqliteOneDaemon() async throws {
        let directory = try TemporaryDirectory(prefix: "fw-bench")
        let path = "\(directory.path)/bench.sqlite"
        try await measure(daemons: 1, databaseURL: "sqlite:\(path)", directory: directory.path) {
            let store = try SQLiteStore(path: path)
            return try await store.feedStatuses().filter { $0.state.lastSuccess != nil }.count
        }
    }

    @Test(.requires(.postgres), arguments: [1, 3])
    func postgres(daemons: Int) async throws {
        _ = try await PostgresTestServer.withDatabase { url in
            // Schema first, so the counters below see only the cycle's own statements.
            let schema = try await PostgresStore.open(try PostgresStore.Configuration(url: url), logger: Logger(label: "bench"))
            await schema.close()
            // Statement counts come from pg_stat_statements (loaded by scripts/with-postgres.sh).
            try await PostgresTestServer.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", on: .init(url: url))
            try await PostgresTestServer.execute("SELECT pg_stat_statements_reset()", on: .init(url: url))
            let statementsBefore = try await statementCount(url)
            let commitsBefore = try await commitCount(url)
            let directory = try TemporaryDirectory(prefix: "fw-bench")
            try await measure(daemons: daemons, databaseURL: url, directory: directory.path) {
                try await PostgresTestServer.count(
                    "SELECT COUNT(*) FROM fetch_state WHERE last_success_at IS NOT NULL", url: url)
            }
            let statements = try await statementCount(url) - statementsBefore
            let commits = try await commitCount(url) - commitsBefore
            print(String(
                format: "BENCH   postgres daemons=%d statements/feed=%.2f commits/feed=%.2f",
                daemons, Double(statements) / Double(Self.feedCount), Double(commits) / Double(Self.feedCount)))
            // Where they go: the most frequent statements, per feed.
            for line in try await PostgresTestServer.texts(
                """
                SELECT lpad(round(s.calls::numeric / \(Self.feedCount), 3)::text, 7) || '  ' || left(regexp_replace(s.query, '\\s+', ' ', 'g'), 110)
                FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
                WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat%'
                ORDER BY s.calls DESC LIMIT 12
                """, url: url)
            {
                print("BENCH     \(line)")
            }
        }
    }

    /// Starts the daemons, waits until `done()` counts every feed fetched and saved, prints
    /// the wall time from start, and from the first HTTP request (after start-up: reading
    /// the configuration, migrating, syncing the feed list).
    func measure(daemons count: Int, databaseURL: String, directory: String, done: () async throws -> Int) async throws {
        let firstRequest = Mutex<Date?>(nil)
        let server = try await LoopbackHTTPServer.start { _ in
            firstRequest.withLock { if $0 == nil { $0 = Date() } }
            return .ok(Self.body)
        }
        let feeds = (0..<Self.feedCount).map { server.url("/feed/\($0)") }
        let fleet = try DaemonFleet(
            count: count, directory: directory, databaseURL: databaseURL, feeds: feeds,
            interval: "1h", lease: "2m", claimBatch: Self.claimBatch, poolSize: Self.poolSize,
            extraFetch: "concurrency = 64\nper_host_concurrency = 64\n")
        let started = Date()
        try fleet.start()
        defer { fleet.killAll() }
        try await waitUntil("one full cycle", seconds: 1800) { try await done() >= Self.feedCount }
        let finished = Date()
        fleet.killAll()
        let fetching = finished.timeIntervalSince(firstRequest.withLock { $0 } ?? started)
        print(String(
            format: "BENCH %@ daemons=%d feeds=%d batch=%d pool=%d wall=%.1fs (start-up %.1fs, fetching %.1fs = %.0f feeds/s) http_requests=%d",
            databaseURL.hasPrefix("sqlite:") ? "sqlite  " : "postgres", count, Self.feedCount, Self.claimBatch, Self.poolSize, finished.timeIntervalSince(started),
            finished.timeIntervalSince(started) - fetching, fetching, Double(Self.feedCount) / fetching, server.totalRequests))
        #expect(server.totalRequests == Self.feedCount)
        try await server.shutdown()
    }

    func statementCount(_ url: String) async throws -> Int {
        try await PostgresTestServer.count(
            """
            SELECT COALESCE(SUM(s.calls), 0)::bigint FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat%'
            """, url: url)
    }

    func commitCount(_ url: String) async throws -> Int {
        try await PostgresTestServer.count(
            "SELECT xact_commit::bigint FROM pg_stat_database WHERE datname = current_database()", url: url)
    }
}

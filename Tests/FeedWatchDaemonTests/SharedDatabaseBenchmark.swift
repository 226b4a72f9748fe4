import FeedWatchTestSupport
import Foundation
import Testing

/// The figures for the README: one cycle over 10,000 loopback feeds with one and with three
/// `feedwatch run` daemons on one PostgreSQL database. Opt-in (`FEEDWATCH_BENCH=1`, see
/// `scripts/bench-shared-db.sh`): it measures, it does not judge.
@Suite(.serialized) struct SharedDatabaseBenchmark {
    static let feedCount = Int(ProcessInfo.processInfo.environment["FEEDWATCH_BENCH_FEEDS"] ?? "") ?? 10_000

    @Test(arguments: [1, 3])
    func oneCycle(daemons: Int) async throws {
        guard ProcessInfo.processInfo.environment["FEEDWATCH_BENCH"] == "1" else {
            print("SKIPPED: benchmark (set FEEDWATCH_BENCH=1, or run scripts/bench-shared-db.sh)")
            return
        }
        guard PostgresTestServer.url != nil else {
            print(PostgresTestServer.skipMessage)
            return
        }
        _ = try await PostgresTestServer.withDatabase { url in
            try await measure(daemons: daemons, databaseURL: url)
        }
    }

    func measure(daemons count: Int, databaseURL: String) async throws {
        let body = """
            <?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>
            <item><title>One</title><guid>one</guid><description>a missile test</description></item>
            <item><title>Two</title><guid>two</guid><description>weather</description></item>
            </channel></rss>
            """
        let server = try await LoopbackHTTPServer.start { _ in .ok(body) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fw-bench-\(UUID().uuidString)").path
        let feeds = (0..<Self.feedCount).map { server.url("/feed/\($0)") }
        // Statement counts come from pg_stat_statements (loaded by scripts/with-postgres.sh).
        try await PostgresTestServer.execute(
            "CREATE EXTENSION IF NOT EXISTS pg_stat_statements", on: .init(url: databaseURL))
        let fleet = try DaemonFleet(
            count: count, directory: directory, databaseURL: databaseURL, feeds: feeds,
            interval: "1h", lease: "2m", extraFetch: "concurrency = 64\nper_host_concurrency = 64\n")
        // Schema first, so the reset below leaves only the cycle's own statements.
        try await PostgresTestServer.execute("SELECT pg_stat_statements_reset()", on: .init(url: databaseURL))
        let statementsBefore = try await statementCount(databaseURL)
        let commitsBefore = try await PostgresTestServer.count(
            "SELECT xact_commit::bigint FROM pg_stat_database WHERE datname = current_database()", url: databaseURL)
        let started = Date()
        try fleet.start()
        defer { fleet.killAll() }
        try await waitUntil("one full cycle", seconds: 1800) {
            try await PostgresTestServer.count(
                "SELECT COUNT(*) FROM fetch_state WHERE last_success_at IS NOT NULL", url: databaseURL) >= Self.feedCount
        }
        let seconds = Date().timeIntervalSince(started)
        fleet.killAll()
        let statements = try await statementCount(databaseURL) - statementsBefore
        let commits = try await PostgresTestServer.count(
            "SELECT xact_commit::bigint FROM pg_stat_database WHERE datname = current_database()", url: databaseURL) - commitsBefore
        let requests = server.totalRequests
        print(String(
            format: "BENCH daemons=%d feeds=%d wall=%.1fs feeds/s=%.0f http_requests=%d statements/feed=%.2f commits/feed=%.2f",
            count, Self.feedCount, seconds, Double(Self.feedCount) / seconds, requests,
            Double(statements) / Double(Self.feedCount), Double(commits) / Double(Self.feedCount)))
        #expect(requests == Self.feedCount)
        try await server.shutdown()
    }

    func statementCount(_ url: String) async throws -> Int {
        try await PostgresTestServer.count(
            """
            SELECT COALESCE(SUM(s.calls), 0)::bigint FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat%'
            """, url: url)
    }
}

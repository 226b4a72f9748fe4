import FeedWatchDaemon
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// The claimer against a real PostgreSQL database that goes away in the middle of the work
/// and comes back: clear errors, growing backoff, and then the work carries on, none lost.
@Suite struct FeedClaimerTests {
    @Test(.requires(.postgres)) func aDatabaseThatGoesAwayIsWaitedForAndNothingIsLost() async throws {
        try TestRequirement.postgres.check()
        let server = try await LoopbackHTTPServer.start { request in
            .ok("""
                <?xml version="1.0"?><rss version="2.0"><channel><title>\(request.path)</title>
                <item><title>News from \(request.path)</title><guid>\(request.path)-1</guid></item></channel></rss>
                """)
        }
        _ = try await PostgresTestServer.withDatabase { url in
            let temporary = try TemporaryDirectory(prefix: "fw-claim")
            let directory = temporary.path
            var text = """
                [storage]
                state_directory = "\(directory)"
                database = "\(url)"
                timeout = "10s"
                connect_timeout = "5s"
                claim_batch = 4

                [digest]
                timezone = "UTC"

                """
            for n in 0..<10 { text += "[[feed]]\nurl = \"\(server.url("/feed/\(n)"))\"\n\n" }
            let configuration = try ConfigurationLoader.parse(text, path: "\(directory)/feedwatch.toml")
            let runtime = try await FeedWatchRuntime.open(configuration: configuration, logger: quietLogger)
            _ = try await runtime.store.syncFeeds(configuration.feeds)
            let claimer = FeedClaimer(runtime: runtime, maxBackoff: 4)

            guard case .refreshed(let first) = await claimer.step(pipeline: runtime.pipeline) else {
                Issue.record("the first step refreshed nothing")
                return
            }
            #expect(first.count == 4 && first.allSatisfy { $0.error == nil })

            // The database refuses every connection, and the open ones are cut.
            let admin = try PostgresStore.Configuration(url: url)
            var postgres = admin
            postgres.database = "postgres"
            try await PostgresTestServer.execute("ALTER DATABASE \(admin.database) ALLOW_CONNECTIONS false", on: postgres)
            try await PostgresTestServer.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(admin.database)'", on: postgres)
            var delays: [TimeInterval] = []
            for _ in 0..<4 {
                guard case .storeFailed(let retryAfter) = await claimer.step(pipeline: runtime.pipeline) else {
                    Issue.record("a step succeeded while the database refused connections")
                    break
                }
                delays.append(retryAfter)
            }
            #expect(delays == [1, 2, 4, 4])

            // Back again: the remaining six feeds are fetched, each once, and nothing is lost.
            try await PostgresTestServer.execute("ALTER DATABASE \(admin.database) ALLOW_CONNECTIONS true", on: postgres)
            var refreshed = first.map(\.feed.url)
            var attempts = 0
            while attempts < 20 {
                attempts += 1
                switch await claimer.step(pipeline: runtime.pipeline) {
                case .refreshed(let reports): refreshed += reports.map(\.feed.url)
                case .idle: attempts = 20
                case .storeFailed: continue  // the pool may still hand out a connection that was cut
                }
            }
            #expect(refreshed.count == 10)
            #expect(Set(refreshed).count == 10)
            #expect(try await runtime.store.articles(since: .distantPast, limit: 100).count == 10)
            #expect(server.totalRequests == 10)
            await runtime.store.close()
        }
        try await server.shutdown()
    }

    /// On start, a daemon takes back the leases of dead processes on its own host and its
    /// own (same node name); live daemons' and other hosts' leases are left alone.
    @Test func abandonedLeasesOfThisHostAreTakenBack() async throws {
        let temporary = try TemporaryDirectory(prefix: "fw-reclaim")
        let directory = temporary.path + "/state"
        let store = try SQLiteStore(path: "\(directory)/feedwatch.sqlite")
        _ = try await store.syncFeeds((0..<8).map { FeedSource(url: "https://example.org/\($0)") })
        let finished = try ChildProcess(executable: "/bin/true", arguments: [])
        finished.wait()
        let host = ProcessInfo.processInfo.hostName
        let dead = "\(host):\(finished.pid)"
        let alive = "\(host):\(ProcessInfo.processInfo.processIdentifier)"
        let now = Date()
        for owner in [dead, alive, "elsewhere:1", "me"] {
            _ = try await store.claimDueFeeds(owner: owner, now: now, lease: 600, limit: 2)
        }
        let claimer = FeedClaimer(store: store, owner: "me", lease: .minutes(10), batchSize: 10, maxBackoff: 1, logger: quietLogger)
        await claimer.reclaimAbandonedLeases(now: now)
        #expect(try await store.leaseOwners(now: now) == [alive, "elsewhere:1"].sorted())
    }

    /// A batch that takes longer than one lease (one slow host, one fetch at a time) keeps
    /// its feeds: the claimer renews the leases, and another daemon claiming meanwhile gets
    /// nothing, so no feed is fetched twice.
    ///
    /// Inside the whole test suite, hundreds of tests share two CPUs and Swift's cooperative
    /// pool, and a renewal can wait seconds for a thread (CI saw more than five). So the rival
    /// claims ten seconds behind the clock, and starts only once the claimer holds its batch
    /// (started earlier, it could take the feeds before the claimer's first claim). Without
    /// renewals the leases still run out (claim + 10 s lease + 10 s) well before the batch
    /// ends (6 feeds × 4 s, one at a time), so the test fails if renewals break.
    @Test func aBatchLongerThanTheLeaseKeepsItsFeeds() async throws {
        let server = try await LoopbackHTTPServer.start { request in
            LoopbackResponse.ok("""
                <?xml version="1.0"?><rss version="2.0"><channel><title>\(request.path)</title>
                <item><title>News</title><guid>\(request.path)</guid></item></channel></rss>
                """).delivered(.delayed(seconds: 4))
        }
        let temporary = try TemporaryDirectory(prefix: "fw-renew")
        let directory = temporary.path + "/state"
        var text = """
            [storage]
            state_directory = "\(directory)"
            lease = "10s"
            claim_batch = 6

            [fetch]
            minimum_interval = "5s"
            interval = "1h"
            timeout = "9s"
            per_host_concurrency = 1

            [digest]
            timezone = "UTC"

            """
        for n in 0..<6 { text += "[[feed]]\nurl = \"\(server.url("/feed/\(n)"))\"\n\n" }
        let configuration = try ConfigurationLoader.parse(text, path: "\(directory)/feedwatch.toml")
        let runtime = try await FeedWatchRuntime.open(configuration: configuration, logger: quietLogger)
        _ = try await runtime.store.syncFeeds(configuration.feeds)
        let claimer = FeedClaimer(runtime: runtime)
        let store = runtime.store
        let lag: TimeInterval = 10
        // The other daemon: from the moment the claimer holds its batch, tries to claim every
        // half second until the batch is done.
        let rival = Mutex<Task<[StoredFeed], Never>?>(nil)
        let started = Date()
        let step = await claimer.step(pipeline: runtime.pipeline, willRefresh: { _ in
            rival.withLock { task in
                task = Task {
                    var stolen: [StoredFeed] = []
                    while !Task.isCancelled {
                        stolen += (try? await store.claimDueFeeds(
                            owner: "rival", now: Date().addingTimeInterval(-lag), lease: 10, limit: 10)) ?? []
                        try? await Task.sleep(nanoseconds: 500_000_000)
                    }
                    return stolen
                }
            }
        })
        let took = Date().timeIntervalSince(started)
        let rivalTask = rival.withLock { $0 }
        rivalTask?.cancel()
        let stolen = await rivalTask?.value
        guard case .refreshed(let reports) = step else {
            Issue.record("the step refreshed nothing")
            return
        }
        #expect(stolen != nil, "the rival never started")
        #expect(reports.count == 6 && reports.allSatisfy { $0.error == nil })
        #expect(took > 10 + lag + 1, "the batch outlasted one lease as the rival sees it (else this test shows nothing)")
        #expect(stolen?.isEmpty == true)
        #expect(server.totalRequests == 6)
        try await server.shutdown()
    }
}

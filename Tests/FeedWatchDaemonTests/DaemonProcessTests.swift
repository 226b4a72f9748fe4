import Foundation
import FeedWatchFetching
import FeedWatchTestSupport
import GRDB
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A state directory and a configuration file for one daemon under test, in a directory
/// removed when the last copy of the fixture goes.
struct DaemonFixture {
    private let temporary: TemporaryDirectory
    var directory: String { temporary.path }
    var configPath: String { directory + "/feedwatch.toml" }
    var stateDirectory: String { directory + "/state" }
    var databasePath: String { stateDirectory + "/feedwatch.sqlite" }

    init() throws {
        // Under /tmp, not $TMPDIR: short, so the notify socket's path fits in `sun_path`.
        temporary = try TemporaryDirectory(prefix: "fw-daemon", in: "/tmp")
    }

    /// Writes a configuration with these feeds, the `missile` topic, `storage` lines in
    /// `[storage]` and `extra` appended.
    func writeConfig(feeds: [String], timeout: String = "10s", fetch: String = "", storage: String = "", extra: String = "") throws {
        var text = "[storage]\nstate_directory = \"\(stateDirectory)\"\n\(storage)\n\n[fetch]\ntimeout = \"\(timeout)\"\n\(fetch)\n\n"
        for url in feeds { text += "[[feed]]\nurl = \"\(url)\"\n\n" }
        text += "[[topic]]\nid = \"missiles\"\nname = \"Missiles\"\nquery = 'missile'\n\n[digest]\ntimezone = \"UTC\"\n\n" + extra
        // Written in place of the old file in one step, as an editor's save would be.
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func start(logLevel: String = "info", environment: [String: String] = [:]) throws -> DaemonProcess {
        try DaemonProcess(
            arguments: ["run", "--config", configPath, "--log-level", logLevel], environment: environment, directory: directory)
    }

    /// Reads the daemon's database from outside (WAL: safe while the daemon writes).
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        var configuration = Configuration()
        configuration.readonly = true
        // A daemon starting after a kill -9 recovers the WAL under an exclusive lock; a
        // reader without a busy timeout would fail with "database is locked" meanwhile.
        configuration.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: databasePath, configuration: configuration)
        return try queue.read(body)
    }

    func count(_ sql: String) throws -> Int { try read { try Int.fetchOne($0, sql: sql) ?? 0 } }
}

/// Runs the real `feedwatch run` as a child process against loopback feeds and a real notify socket.
@Suite(.serialized, .requires(.feedwatchBinary)) struct DaemonProcessTests {
    @Test func notifiesReadyStatusAndWatchdogThenStopsOnSigterm() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .ok(syntheticFeed("alpha", items: 6)) }
        let fixture = try DaemonFixture()
        try fixture.writeConfig(feeds: [server.url("/alpha.xml")])
        let listener = try NotifyListener(directory: fixture.directory)
        // 1 s watchdog: pings every 0.5 s.
        let daemon = try fixture.start(environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "1000000"])

        let ready = try await listener.wait { messages in
            messages.contains { $0.split(separator: "\n").contains("READY=1") }
                && messages.filter { $0 == "WATCHDOG=1" }.count >= 2
                && messages.contains { $0.hasPrefix("STATUS=1 feeds, 0 failing") }
        }
        #expect(ready, "notify messages: \(listener.messages)\n\(daemon.standardError)")
        let status = listener.messages.last { $0.hasPrefix("STATUS=") } ?? ""
        #expect(status.contains("next fetch") && status.contains("last digest"))
        #expect(try await eventually { server.requestCount(path: "/alpha.xml") >= 1 })

        daemon.signal(SIGTERM)
        let exit = try await daemon.waitForExit(timeout: .seconds(10))
        #expect(exit == 0, "stderr: \(daemon.standardError)")
        #expect(try await listener.wait(timeout: .seconds(5)) { $0.contains("STOPPING=1") })
        try await server.shutdown()
    }

    @Test func sighupAppliesAValidConfigAndKeepsTheOldOneOnErrors() async throws {
        let server = try await LoopbackHTTPServer.start { request in .ok(syntheticFeed(request.path, items: 3)) }
        let fixture = try DaemonFixture()
        try fixture.writeConfig(feeds: [server.url("/a.xml")])
        let listener = try NotifyListener(directory: fixture.directory)
        let daemon = try fixture.start(environment: ["NOTIFY_SOCKET": listener.path])
        #expect(try await listener.wait { $0.contains { $0.hasPrefix("READY=1") } })
        #expect(try await eventually { server.requestCount(path: "/a.xml") == 1 })

        // A valid change: a feed added. It is fetched without a restart.
        try fixture.writeConfig(feeds: [server.url("/a.xml"), server.url("/b.xml")])
        daemon.signal(SIGHUP)
        #expect(try await eventually { server.requestCount(path: "/b.xml") == 1 }, "\(daemon.standardError)")
        #expect(try await listener.wait { $0.contains { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") } })
        #expect(try await eventually { daemon.standardError.contains("configuration reloaded") })

        // A broken change: every problem is logged, nothing of it applies, the daemon lives on.
        try fixture.writeConfig(feeds: [server.url("/a.xml"), server.url("/b.xml"), server.url("/c.xml")],
                                fetch: "interval = \"15x\"\nconcurrency = 0")
        daemon.signal(SIGHUP)
        #expect(try await eventually { daemon.standardError.contains("reload failed") }, "\(daemon.standardError)")
        let log = daemon.standardError
        #expect(log.contains("fetch.interval: \"15x\" is not a duration"))
        #expect(log.contains("fetch.concurrency: must be between 1 and 1024"))
        #expect(daemon.isRunning)
        let reloads = listener.drain().filter { $0.hasPrefix("RELOADING=1") }.count
        #expect(reloads == 2)
        #expect(listener.messages.last { $0.hasPrefix("READY=1") } != nil)

        // The old configuration still works: a later valid reload applies as usual.
        try fixture.writeConfig(feeds: [server.url("/a.xml"), server.url("/d.xml")])
        daemon.signal(SIGHUP)
        #expect(try await eventually { server.requestCount(path: "/d.xml") == 1 }, "\(daemon.standardError)")
        #expect(server.requestCount(path: "/c.xml") == 0)
        #expect(try fixture.count("SELECT COUNT(*) FROM feeds WHERE active = 1") == 2)

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(timeout: .seconds(10)) == 0)
        try await server.shutdown()
    }

    @Test func aTopicThatMatchesNearlyEverythingIsLoggedAtStartAndReload() async throws {
        let server = try await LoopbackHTTPServer.start { request in .ok(syntheticFeed(request.path, items: 3)) }
        let fixture = try DaemonFixture()
        let unindexable = "[[topic]]\nid = \"not-sports\"\nquery = '-sports'\n"
        try fixture.writeConfig(feeds: [server.url("/a.xml")], extra: unindexable)
        let daemon = try fixture.start()
        let warning = "warning: topic[1].query: topic not-sports has no word an article must contain"
        // "ready" is logged once the SIGHUP handler is installed: a SIGHUP before it would end the process.
        #expect(try await eventually { daemon.standardError.contains("ready status=") }, "\(daemon.standardError)")
        #expect(daemon.standardError.components(separatedBy: warning).count - 1 == 1, "\(daemon.standardError)")
        daemon.signal(SIGHUP)
        #expect(try await eventually { daemon.standardError.contains("configuration reloaded") }, "\(daemon.standardError)")
        #expect(daemon.standardError.components(separatedBy: warning).count - 1 == 2, "\(daemon.standardError)")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(timeout: .seconds(10)) == 0)
        try await server.shutdown()
    }

    @Test func sigtermAbortsHangingTransfersAndExitsZeroInTime() async throws {
        let server = try await LoopbackHTTPServer.start { request in
            request.path == "/hang.xml" ? LoopbackResponse.ok("").delivered(.neverAnswer) : .ok(syntheticFeed("ok", items: 3))
        }
        let fixture = try DaemonFixture()
        // A 60 s timeout: only shutdown can end the hanging transfer within the test.
        try fixture.writeConfig(feeds: [server.url("/hang.xml"), server.url("/ok.xml")], timeout: "60s")
        let daemon = try fixture.start()
        #expect(try await eventually { server.requestCount(path: "/hang.xml") == 1 && server.requestCount(path: "/ok.xml") == 1 })
        #expect(try await eventually { try fixture.count("SELECT COUNT(*) FROM articles") == 3 })

        daemon.signal(SIGTERM)
        let exit = try await daemon.waitForExit(timeout: .seconds(10))
        #expect(exit == 0, "stderr: \(daemon.standardError)")
        // The aborted feed was not counted as failing: it keeps its place and is due again.
        let errors = try fixture.count("SELECT COALESCE(SUM(error_count), 0) FROM fetch_state")
        #expect(errors == 0)
        #expect(try fixture.count("SELECT COUNT(*) FROM fetch_state s JOIN feeds f ON f.id = s.feed_id WHERE f.url LIKE '%hang.xml' AND s.next_check_at IS NOT NULL") == 0)
        try await server.shutdown()
    }

    @Test func killNineMidCycleThenRestartLosesAndDoublesNothing() async throws {
        let feedCount = 60
        let items = 10
        // Each feed answers after 50–300 ms, so a cycle with 4 transfers at a time lasts
        // seconds and a kill lands in the middle of it.
        let server = try await LoopbackHTTPServer.start { request in
            let number = Int(request.path.filter(\.isNumber)) ?? 0
            return LoopbackResponse.ok(syntheticFeed("feed\(number)", items: items))
                .delivered(.delayed(seconds: 0.05 + Double((number * 37) % 6) * 0.05))
        }
        let fixture = try DaemonFixture()
        try fixture.writeConfig(feeds: (0..<feedCount).map { server.url("/feed\($0).xml") },
                                fetch: "concurrency = 4\nper_host_concurrency = 4")

        for round in 1...3 {
            let before = server.totalRequests
            let daemon = try fixture.start()
            // Kill once this round has seen some of its feeds answered, mid-cycle.
            #expect(try await eventually { server.totalRequests >= before + 5 * round }, "round \(round): \(daemon.standardError)")
            daemon.killHard()
            let finished = try fixture.count("SELECT COUNT(*) FROM fetch_state WHERE last_success_at IS NOT NULL")
            let articles = try fixture.count("SELECT COUNT(*) FROM articles")
            let matches = try fixture.count("SELECT COUNT(*) FROM topic_matches")
            // Not asserted (it depends on timing): shows that the kill landed mid-cycle.
            print("kill -9 round \(round): \(finished)/\(feedCount) feeds finished, \(articles) articles, \(matches) matches")
        }
        let daemon = try fixture.start()
        let done = try await eventually(timeout: .seconds(120)) {
            try fixture.count("SELECT COUNT(*) FROM fetch_state WHERE last_success_at IS NOT NULL") == feedCount
        }
        #expect(done, "\(daemon.standardError)")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(timeout: .seconds(10)) == 0)

        #expect(try fixture.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") } == ["ok"])
        #expect(try fixture.count("SELECT COUNT(*) FROM articles") == feedCount * items)
        #expect(try fixture.count("SELECT COUNT(DISTINCT feed_id || '/' || fingerprint) FROM articles") == feedCount * items)
        #expect(try fixture.count("SELECT COUNT(*) FROM topic_matches") == feedCount * syntheticMatches(items: items))
        let unmatched = try fixture.count("""
            SELECT COUNT(*) FROM articles a WHERE a.title LIKE '%missile%'
            AND NOT EXISTS (SELECT 1 FROM topic_matches m WHERE m.article_id = a.id)
            """)
        #expect(unmatched == 0)
        try await server.shutdown()
    }

    @Test func credentialsInFeedURLsNeverReachTheLog() async throws {
        let server = try await LoopbackHTTPServer.start { request in
            switch request.path {
            case "/private.xml": return .status(404)
            case "/old.xml": return .redirect(301, to: "http://bob:hunter22@127.0.0.1:\(request.header("Host")?.split(separator: ":").last ?? "80")/new.xml?key=k3ysecret")
            default: return .ok(syntheticFeed("new", items: 3))
            }
        }
        let fixture = try DaemonFixture()
        let port = server.port
        try fixture.writeConfig(feeds: [
            "http://alice:s3cretpass@127.0.0.1:\(port)/private.xml?token=t0psecret",
            "http://127.0.0.1:\(port)/old.xml?api_key=ap1secret",
        ])
        let daemon = try fixture.start(logLevel: "trace")
        #expect(try await eventually { server.requestCount(path: "/new.xml") >= 1 && server.requestCount(path: "/private.xml") >= 1 })
        #expect(try await eventually { daemon.standardError.contains("feed refresh failed") && daemon.standardError.contains("moved permanently") })
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(timeout: .seconds(10)) == 0)
        let log = daemon.standardError + daemon.standardOutput
        for secret in ["s3cretpass", "t0psecret", "hunter22", "k3ysecret", "ap1secret", "alice", "bob:"] {
            #expect(!log.contains(secret), "\(secret) appears in the log:\n\(log)")
        }
        #expect(log.contains("feed_url="))

        // `feedwatch status` shows per-feed state without the secrets, as a table and as JSON.
        for arguments in [["status"], ["status", "--json"]] {
            // Exit status 2: a feed is failing (the 404 below).
            let status = try DaemonProcess(arguments: arguments + ["--config", fixture.configPath], directory: fixture.directory)
            #expect(try await status.waitForExit(timeout: .seconds(60)) == 2, "\(status.standardError)")
            let output = status.standardOutput
            for secret in ["s3cretpass", "t0psecret", "hunter22", "k3ysecret", "ap1secret"] {
                #expect(!output.contains(secret), "\(secret) appears in status:\n\(output)")
            }
            #expect(output.contains("HTTP 404 from 127.0.0.1"))
            #expect(output.contains("failed"))
        }
        let json = try DaemonProcess(arguments: ["status", "--json", "--config", fixture.configPath], directory: fixture.directory)
        #expect(try await json.waitForExit(timeout: .seconds(60)) == 2)
        let object = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        let feeds = object?["feeds"] as? [[String: Any]] ?? []
        #expect(feeds.count == 2)
        #expect(feeds.allSatisfy { $0["state"] != nil && $0["last_fetch"] != nil && $0["next_fetch"] != nil })
        #expect(object?["pending_matches"] is Int)
        #expect(object.map { $0.keys.contains("failed_deliveries") } == true)
        try await server.shutdown()
    }

    @Test func underTheJournalEveryLineCarriesAPriorityAndNoTimestamp() async throws {
        let server = try await LoopbackHTTPServer.start { request in
            request.path == "/gone.xml" ? .status(404) : .ok(syntheticFeed("j", items: 3))
        }
        let fixture = try DaemonFixture()
        try fixture.writeConfig(feeds: [server.url("/j.xml"), server.url("/gone.xml")])
        let daemon = try fixture.start(logLevel: "debug", environment: ["JOURNAL_STREAM": "8:12345"])
        #expect(try await eventually { daemon.standardError.contains("cycle finished") })
        // SIGINT (Ctrl-C in a terminal) stops as gracefully as SIGTERM.
        daemon.signal(SIGINT)
        #expect(try await daemon.waitForExit(timeout: .seconds(10)) == 0)
        let lines = daemon.standardError.split(separator: "\n")
        #expect(lines.count >= 4)
        for line in lines {
            #expect(line.range(of: #"^<[0-7]>[^<\d]"#, options: .regularExpression) != nil, "\(line)")
        }
        #expect(lines.contains { $0.hasPrefix("<4>feed refresh failed") })
        #expect(lines.contains { $0.hasPrefix("<5>ready") })
        #expect(lines.contains { $0.hasPrefix("<6>cycle finished") })
        try await server.shutdown()
    }

    @Test func statusEndpointServesMetricsAndHealth() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .ok(syntheticFeed("m", items: 6)) }
        let fixture = try DaemonFixture()
        let port = try freeLoopbackPort()
        try fixture.writeConfig(feeds: [server.url("/m.xml")], extra: "[http]\nlisten = \"127.0.0.1:\(port)\"\n")
        let daemon = try fixture.start()
        let fetcher = try Fetcher()
        var metrics = ""
        let scraped = try await eventually {
            guard let result = try? await fetcher.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/metrics")) else { return false }
            metrics = String(decoding: result.body, as: UTF8.self)
            return metrics.contains("feedwatch_new_articles_total 6")
        }
        #expect(scraped, "metrics:\n\(metrics)\n\(daemon.standardError)")
        #expect(metrics.contains("feedwatch_fetches_total{result=\"ok\"} 1"))
        #expect(metrics.contains("feedwatch_matches_total 2"))
        #expect(metrics.contains("feedwatch_fetch_duration_seconds_bucket{le=\"+Inf\"} 1"))
        #expect(metrics.contains("# TYPE feedwatch_fetch_duration_seconds histogram"))
        let health = try await fetcher.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/healthz"))
        #expect(health.status == 200 && String(decoding: health.body, as: UTF8.self) == "ok\n")
        let missing = try await fetcher.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/nothing"))
        #expect(missing.status == 404)
        fetcher.shutdown()
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(timeout: .seconds(10)) == 0)
        try await server.shutdown()
    }
}

/// Bad input while running or at start: clear errors, never a silent hang.
@Suite(.serialized, .requires(.feedwatchBinary)) struct DaemonBadInputTests {
    @Test func deletedStateDirectoryStopsWatchdogPingsAndFailsHealth() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .ok(syntheticFeed("s", items: 3)) }
        let fixture = try DaemonFixture()
        let port = try freeLoopbackPort()
        try fixture.writeConfig(feeds: [server.url("/s.xml")], extra: "[http]\nlisten = \"127.0.0.1:\(port)\"\n")
        let listener = try NotifyListener(directory: fixture.directory)
        let daemon = try fixture.start(environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "1000000"])
        #expect(try await listener.wait { $0.contains { $0.hasPrefix("READY=1") } && $0.contains("WATCHDOG=1") })
        #expect(try await eventually { daemon.standardError.contains("cycle finished") })

        try FileManager.default.removeItem(atPath: fixture.stateDirectory)
        let fetcher = try Fetcher()
        var body = ""
        let unhealthy = try await eventually {
            guard let result = try? await fetcher.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/healthz")) else { return false }
            body = String(decoding: result.body, as: UTF8.self)
            return result.status == 503
        }
        fetcher.shutdown()
        #expect(unhealthy, "healthz: \(body)")
        #expect(body.contains("no longer exists"))
        #expect(daemon.standardError.contains("unhealthy, watchdog pings withheld"))
        // While the database is gone no check passes, so no ping goes out: systemd's
        // watchdog then restarts the service, which recreates its state directory.
        _ = listener.drain()
        let pingsBefore = listener.messages.filter { $0 == "WATCHDOG=1" }.count
        try await Task.sleep(for: .seconds(2))
        #expect(listener.drain().filter { $0 == "WATCHDOG=1" }.count == pingsBefore)
        #expect(listener.messages.last { $0.hasPrefix("STATUS=") }?.contains("unhealthy") == true)

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(timeout: .seconds(10)) == 0, "\(daemon.standardError)")
        try await server.shutdown()
    }

    @Test func anInvalidConfigOrLogLevelRefusesToStartWithEveryProblemNamed() async throws {
        let fixture = try DaemonFixture()
        try fixture.writeConfig(feeds: ["ftp://example.org/feed.xml"], fetch: "interval = \"15x\"",
                                extra: "[http]\nlisten = \"nowhere\"\n")
        let daemon = try fixture.start()
        #expect(try await daemon.waitForExit(timeout: .seconds(60)) == 1)
        let log = daemon.standardError
        #expect(log.contains("\(fixture.configPath): fetch.interval: \"15x\" is not a duration"))
        #expect(log.contains("\(fixture.configPath): feed[0].url:"))
        #expect(log.contains("\(fixture.configPath): http.listen: \"nowhere\" is not host:port"))
        #expect(!FileManager.default.fileExists(atPath: fixture.databasePath))

        try fixture.writeConfig(feeds: [])
        let loud = try fixture.start(logLevel: "loud")
        #expect(try await loud.waitForExit(timeout: .seconds(60)) == 1, "a usage error is status 1, not ArgumentParser's 64")
        #expect(loud.standardError.contains("unknown log level \"loud\""))
    }

    @Test func aLockedDatabaseAtStartIsOneClearErrorAndExitStatusFour() async throws {
        let fixture = try DaemonFixture()
        try fixture.writeConfig(feeds: ["http://127.0.0.1:1/never.xml"])
        try FileManager.default.createDirectory(atPath: fixture.stateDirectory, withIntermediateDirectories: true)
        // Another process holds the write lock for the whole start attempt.
        let holder = try DaemonProcess.shell(
            "exec sqlite3 '\(fixture.databasePath)' 'PRAGMA journal_mode=WAL; BEGIN IMMEDIATE; CREATE TABLE hold(x);' '.shell sleep 60'",
            directory: fixture.directory)
        #expect(try await eventually { FileManager.default.fileExists(atPath: fixture.databasePath + "-wal") })
        let daemon = try fixture.start()
        let exit = try await daemon.waitForExit(timeout: .seconds(60))
        holder.killHard()
        #expect(exit == 4, "4: the database cannot be opened")
        #expect(daemon.standardError.contains("locked by another process"), "\(daemon.standardError)")
    }
}


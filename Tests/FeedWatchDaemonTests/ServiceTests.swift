import Foundation
@testable import FeedWatchDaemon
import FeedWatchModel
import FeedWatchParsing
import FeedWatchStore
import FeedWatchTestSupport
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The service parts that can be shown in-process: the notify protocol on an abstract
/// socket, metrics exposition, the `[http]` section, and recovery from an unclean stop.
@Suite struct ServiceTests {
    @Test func notifierSendsToAnAbstractSocket() throws {
        let name = "fw-test-\(UUID().uuidString.prefix(8))"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = [UInt8(0)] + Array(name.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        #expect(bound == 0)

        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": "@" + name, "WATCHDOG_USEC": "3000000"]))
        #expect(notifier.watchdogInterval == .seconds(3))
        try notifier.send("READY=1\nSTATUS=testing")
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        #expect(count > 0)
        #expect(String(decoding: buffer[0..<max(0, count)], as: UTF8.self) == "READY=1\nSTATUS=testing")
    }

    @Test func notifierIsOffWithoutASocketAndWatchdogIsForItsPIDOnly() {
        #expect(SystemdNotifier(environment: [:]) == nil)
        let other = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"])
        #expect(other?.watchdogInterval == nil)
        let mine = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "1000", "WATCHDOG_PID": "\(getpid())"])
        #expect(mine?.watchdogInterval == .milliseconds(1))
        #expect(SystemdNotifier.statusMessage("a\nb") == "STATUS=a b")
        #expect(SystemdNotifier.reloadingMessage().hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
    }

    @Test func metricsRenderAsPrometheusText() {
        let registry = MetricsRegistry()
        let feed = StoredFeed(id: 1, url: "http://x/f", name: nil, title: nil, tags: [])
        registry.record(FeedRefreshReport(feed: feed, status: 200, bytes: 1000, seconds: 0.2, newArticles: 3, newMatches: 1, error: nil, warnings: []))
        registry.record(FeedRefreshReport(feed: feed, status: 304, bytes: 0, seconds: 0.04, newArticles: 0, newMatches: 0, error: nil, warnings: []))
        registry.record(FeedRefreshReport(feed: feed, status: nil, bytes: 0, seconds: 12, newArticles: 0, newMatches: 0, error: "timeout", warnings: []))
        registry.record(FeedRefreshReport(feed: feed, status: nil, bytes: 0, seconds: 1, newArticles: 0, newMatches: 0, error: "x", warnings: [], cancelled: true))
        registry.setLastDigest(Date(timeIntervalSinceNow: -100))
        let text = registry.render(healthy: true)
        for line in [
            "feedwatch_fetches_total{result=\"ok\"} 1", "feedwatch_fetches_total{result=\"not_modified\"} 1",
            "feedwatch_fetches_total{result=\"error\"} 1", "feedwatch_fetch_errors_total 1", "feedwatch_fetched_bytes_total 1000",
            "feedwatch_new_articles_total 3", "feedwatch_matches_total 1", "feedwatch_fetch_duration_seconds_bucket{le=\"0.05\"} 1",
            "feedwatch_fetch_duration_seconds_bucket{le=\"0.25\"} 2", "feedwatch_fetch_duration_seconds_bucket{le=\"10\"} 2",
            "feedwatch_fetch_duration_seconds_bucket{le=\"30\"} 3", "feedwatch_fetch_duration_seconds_bucket{le=\"+Inf\"} 3",
            "feedwatch_fetch_duration_seconds_count 3", "feedwatch_healthy 1",
        ] {
            #expect(text.contains(line + "\n"), "missing \(line)")
        }
        let age = text.split(separator: "\n").first { $0.hasPrefix("feedwatch_digest_age_seconds ") }
        let seconds = age.flatMap { Double($0.split(separator: " ")[1]) } ?? 0
        #expect(seconds >= 100 && seconds < 1000)
    }

    @Test(arguments: [
        ("127.0.0.1:9464", "127.0.0.1", 9464), ("[::1]:80", "::1", 80), ("localhost:1", "localhost", 1),
    ])
    func listenAddressesParse(text: String, host: String, port: Int) {
        #expect(ListenAddress(parsing: text) == ListenAddress(host: host, port: port))
    }

    @Test(arguments: ["9464", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", ":9464", "::1:80", "127.0.0.1:x"])
    func badListenAddressesAreRejected(text: String) {
        #expect(ListenAddress(parsing: text) == nil)
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse("[http]\nlisten = \"\(text)\"\n", path: "f.toml")
        }
    }

    @Test func httpSectionIsValidated() throws {
        let config = try ConfigurationLoader.parse("[http]\nlisten = \"127.0.0.1:9464\"\n", path: "f.toml")
        #expect(config.http.listen == ListenAddress(host: "127.0.0.1", port: 9464))
        #expect(try ConfigurationLoader.parse("", path: "f.toml").http.listen == nil)
        do {
            _ = try ConfigurationLoader.parse("[http]\nport = 1\nlisten = \"x\"\n", path: "f.toml")
            Issue.record("accepted a bad [http] section")
        } catch {
            #expect(error.lines.contains { $0.hasPrefix("f.toml: http.port: unknown key") })
            #expect(error.lines.contains { $0.hasPrefix("f.toml: http.listen: \"x\" is not host:port") })
        }
    }

    /// A process that died after storing articles and before recording their matches leaves
    /// them marked pending in the store; the next start matches those articles.
    @Test(.requires(.feedwatchBinary)) func articlesStoredWithoutMatchesBeforeACrashAreMatchedOnStart() async throws {
        let feed = syntheticFeed("crashy", items: 9)
        let server = try await LoopbackHTTPServer.start { _ in .ok(feed) }
        let fixture = try DaemonFixture()
        try fixture.writeConfig(feeds: [server.url("/crashy.xml")])
        do {
            let runtime = try FeedWatchRuntime(configuration: try ConfigurationLoader.load(path: fixture.configPath), logger: quietLogger)
            let stored = try await runtime.store.syncFeeds(runtime.configuration.feeds)
            let parsed = try FeedParser.parse(Array(feed.utf8), documentURL: server.url("/crashy.xml"))
            let crashTime = Date()
            // What the dead process did: the articles are in, their matches are not.
            let articles = try await runtime.store.insertNew(feedID: stored[0].id, entries: parsed.entries, discovered: crashTime)
            #expect(articles.count == 9)
            #expect(try await runtime.store.articlesPendingMatch(storedBefore: Date.distantFuture, limit: 100).count == 9)
        }
        #expect(try fixture.count("SELECT COUNT(*) FROM topic_matches") == 0)

        let daemon = try fixture.start()
        #expect(try await eventually { daemon.standardError.contains("matched articles whose matching had been interrupted") }, "\(daemon.standardError)")
        #expect(try await eventually { server.requestCount(path: "/crashy.xml") == 1 })
        #expect(try await eventually { daemon.standardError.contains("cycle finished") })
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(timeout: .seconds(10)) == 0)
        #expect(try fixture.count("SELECT COUNT(*) FROM articles") == 9)
        #expect(try fixture.count("SELECT COUNT(*) FROM topic_matches") == syntheticMatches(items: 9))
        #expect(try fixture.count("SELECT COUNT(*) FROM articles WHERE match_pending = 1") == 0)
        try await server.shutdown()
    }
}

import Foundation
import FeedWatchStore
import FeedWatchTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `feedwatch run` (the real binary) started while its PostgreSQL server cannot be reached:
/// a relay on a free port that starts listening only later plays the server coming up.
@Suite struct StartupWaitTests {
    /// The test database's URL with its port replaced by `port`.
    static func url(_ url: String, port: Int) throws -> String {
        var components = try #require(URLComponents(string: url))
        components.port = port
        return try #require(components.string)
    }

    @Test(.requires(.postgres), .requires(.feedwatchBinary)) func aDatabaseThatComesUpLaterIsWaitedForThenTheDaemonStarts() async throws {
        try TestRequirement.postgres.check()
        let server = try await LoopbackHTTPServer.start { request in .ok(syntheticFeed(request.path, items: 3)) }
        _ = try await PostgresTestServer.withDatabase { url in
            let target = try PostgresStore.Configuration(url: url)
            let relayPort = try freeLoopbackPort()
            let fixture = try DaemonFixture()
            try fixture.writeConfig(
                feeds: [server.url("/late.xml")],
                storage: "database = \"\(try Self.url(url, port: relayPort))\"\nconnect_timeout = \"2s\"\ntimeout = \"5s\"")
            let listener = try NotifyListener(directory: fixture.directory)
            let daemon = try fixture.start(environment: ["NOTIFY_SOCKET": listener.path])

            // Nobody listens yet: the daemon says why, tells systemd, and retries with backoff.
            #expect(try await listener.wait(timeout: .seconds(30)) { messages in
                messages.contains { $0.hasPrefix("STATUS=waiting for the database (attempt 2)") }
            }, "\(listener.messages)\n\(daemon.standardError)")
            #expect(listener.messages.contains { $0.hasPrefix("EXTEND_TIMEOUT_USEC=") })
            #expect(!listener.messages.contains { $0.hasPrefix("READY=1") })
            let log = daemon.standardError
            #expect(log.contains("database unavailable; waiting for it"), "\(log)")
            #expect(log.contains("127.0.0.1:\(relayPort)"), "the error names the server: \(log)")
            #expect(daemon.isRunning)
            #expect(server.requestCount(path: "/late.xml") == 0)

            // The server comes up: the daemon connects, migrates, becomes ready and works.
            let relay = try LoopbackTCPRelay(port: relayPort, targetPort: target.port)
            defer { relay.close() }
            #expect(try await listener.wait(timeout: .seconds(60)) { $0.contains { $0.hasPrefix("READY=1") } },
                    "\(listener.messages)\n\(daemon.standardError)")
            #expect(try await eventually { server.requestCount(path: "/late.xml") == 1 })
            #expect(try await eventually { daemon.standardError.contains("database reachable") })
            #expect(try await eventually {
                try await PostgresTestServer.count("SELECT COUNT(*) FROM articles", url: url) == 3
            })
            daemon.signal(SIGTERM)
            #expect(try await daemon.waitForExit(timeout: .seconds(10)) == 0, "\(daemon.standardError)")
        }
        try await server.shutdown()
    }

    /// SIGTERM while waiting ends the wait at once and cleanly; `startup_wait = "0s"` fails at
    /// once with the reason. No PostgreSQL server is needed: nothing ever listens.
    @Test(.requires(.feedwatchBinary)) func aStopWhileWaitingExitsCleanlyAndAZeroWaitFailsAtOnce() async throws {
        let port = try freeLoopbackPort()
        let database = "postgres://feedwatch:secret@127.0.0.1:\(port)/feedwatch"
        let fixture = try DaemonFixture()
        try fixture.writeConfig(feeds: [], storage: "database = \"\(database)\"\nconnect_timeout = \"2s\"")
        let listener = try NotifyListener(directory: fixture.directory)
        let waiting = try fixture.start(environment: ["NOTIFY_SOCKET": listener.path])
        #expect(try await listener.wait(timeout: .seconds(30)) { $0.contains { $0.hasPrefix("STATUS=waiting for the database") } },
                "\(waiting.standardError)")
        waiting.signal(SIGTERM)
        #expect(try await waiting.waitForExit(timeout: .seconds(5)) == 0, "\(waiting.standardError)")
        #expect(try await listener.wait(timeout: .seconds(5)) { $0.contains("STOPPING=1") })
        #expect(waiting.standardError.contains("stopped while waiting for the database"))

        try fixture.writeConfig(feeds: [], storage: "database = \"\(database)\"\nconnect_timeout = \"2s\"\nstartup_wait = \"0s\"")
        let impatient = try fixture.start()
        #expect(try await impatient.waitForExit(timeout: .seconds(20)) == 4, "4: the database cannot be opened; \(impatient.standardError)")
        let log = impatient.standardError
        #expect(log.contains("feedwatch: cannot start:") && log.contains("127.0.0.1:\(port)"), "\(log)")
        #expect(!log.contains("secret"), "the password never reaches the log: \(log)")
    }
}

import FeedWatchDaemon
import FeedWatchTestSupport
import Foundation
import Testing

/// `feedwatch notify test` and `feedwatch status --check`, through the built binary.
@Suite(.requires(.feedwatchBinary))
struct NotifyAndCheckCommandTests {
    @Test func notifyTestSendsAMarkedMessageAndPrintsTheAnswer() async throws {
        let hooks = RequestRecorder()
        let server = try await LoopbackHTTPServer.start { request in
            hooks.append(request)
            return request.path == "/slack" ? .ok("ok", contentType: "text/plain") : .status(500)
        }
        let world = try CommandLineWorld(feeds: [])
        try (String(contentsOfFile: world.configPath, encoding: .utf8) + """

            [[notify]]
            kind = "webhook"
            name = "desk"
            format = "slack"
            url = "\(server.url("/slack"))"
            title = "{topic}: {count} new on {date}"

            [[notify]]
            kind = "webhook"
            name = "down"
            url = "\(server.url("/down"))"
            """).write(toFile: world.configPath, atomically: true, encoding: .utf8)

        let sent = try world.run(["notify", "test", "desk"])
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.contains("desk: delivered; the server answered: HTTP 200: ok"), "\(sent.stdout)")
        let request = try #require(hooks.all.first)
        #expect(request.header("X-Feedwatch-Event") == "test")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(body["text"] as? String == "[feedwatch test] test: 1 new on \(CommandLineWorld.today)", "\(body)")
        #expect(String(decoding: request.body, as: UTF8.self).contains("This is a test message from feedwatch"))

        let failed = try world.run(["notify", "test", "down"])
        #expect(failed.status == 5)
        #expect(failed.stderr.contains("down: not delivered: webhook 127.0.0.1 answered HTTP 500"), "\(failed.stderr)")
        let unknown = try world.run(["notify", "test", "nobody"])
        #expect(unknown.status == 1 && unknown.stderr.contains("configured: desk, down"), "\(unknown.stderr)")
        try await server.shutdown()
    }

    @Test func statusCheckIsCriticalWithoutADatabase() throws {
        let world = try CommandLineWorld(feeds: [])
        let result = try world.run(["status", "--check"])
        #expect(result.status == 2)
        #expect(result.stdout.hasPrefix("FEEDWATCH CRITICAL: database unreachable: \(world.databasePath) does not exist"), "\(result.stdout)")
        // An invalid configuration is UNKNOWN: nothing could be checked.
        try "[fetch]\ninterval = \"15x\"\n".write(toFile: world.configPath, atomically: true, encoding: .utf8)
        #expect(try world.run(["status", "--check"]).status == 3)
    }

    @Test func statusCheckReportsFailingFeedsOverdueDigestsAndStuckDeliveries() async throws {
        let server = try await LoopbackHTTPServer.start { request in
            switch request.path {
            case "/good.xml": return .ok(syntheticFeed("good", items: 3))
            case "/hook": return .status(503)
            default: return .status(500)
            }
        }
        // The digest was due two hours ago and nothing wrote it.
        let due = Date().addingTimeInterval(-2 * 3600)
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "HH:mm"
        let world = try CommandLineWorld(feeds: [server.url("/good.xml"), server.url("/broken.xml")])
        var text = try String(contentsOfFile: world.configPath, encoding: .utf8)
        text = text.replacingOccurrences(of: "timezone = \"UTC\"", with: "timezone = \"UTC\"\ntime = \"\(formatter.string(from: due))\"")
        text += "\n[[notify]]\nkind = \"webhook\"\nname = \"hook\"\nurl = \"\(server.url("/hook"))\"\n"
        try text.write(toFile: world.configPath, atomically: true, encoding: .utf8)

        #expect(try world.run(["fetch"]).status == 2)
        let overdue = try world.run(["status", "--check"])
        #expect(overdue.status == 2, "\(overdue.stdout)")
        let lines = overdue.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(overdue.stdout)")
        #expect(lines.first?.hasPrefix("FEEDWATCH CRITICAL: digest \(CommandLineWorld.today) overdue") == true || lines.first?.contains("overdue") == true, "\(lines)")
        #expect(lines.last?.hasPrefix("FEEDWATCH WARNING: feed \(server.url("/broken.xml")) failing (1 errors, never fetched successfully): HTTP 500") == true, "\(lines)")

        // The digest written, its delivery failing: stuck once past the grace.
        #expect(try world.run(["digest"]).status == 0)
        try await Task.sleep(for: .milliseconds(1100))
        let stuck = try world.run(["status", "--check", "--delivery-grace", "1s"])
        #expect(stuck.status == 1, "\(stuck.stdout)")
        let warnings = stuck.stdout.split(separator: "\n").map(String.init)
        #expect(warnings.count == 2, "the failing feed and the stuck delivery, no overdue digest: \(stuck.stdout)")
        #expect(warnings.last?.hasPrefix("FEEDWATCH WARNING: delivery digest:\(CommandLineWorld.today) to hook stuck: pending since") == true, "\(stuck.stdout)")
        #expect(stuck.stdout.contains("last error: webhook 127.0.0.1 answered HTTP 503"), "\(stuck.stdout)")
        try await server.shutdown()
    }

    @Test func statusCheckIsOKWhenAllIsWell() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .ok(syntheticFeed("good", items: 3)) }
        let world = try CommandLineWorld(feeds: [server.url("/good.xml")])
        #expect(try world.run(["run", "--once", "--log-level", "error"]).status == 0)
        let result = try world.run(["status", "--check"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout == "FEEDWATCH OK: 1 feeds, 1 topics, 0 notifiers\n")
        try await server.shutdown()
    }
}

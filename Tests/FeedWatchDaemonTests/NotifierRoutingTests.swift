import Foundation
import FeedWatchDaemon
import FeedWatchDigest
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Testing

/// `topics`, `events` and `title` of `[[notify]]`, through the daemon's own digest service and
/// real deliveries to loopback receivers.
@Suite struct NotifierRoutingTests {
    @Test func eachNotifierGetsOnlyItsTopicsAndEventsUnderItsOwnTitle() async throws {
        let everything = RequestRecorder()
        let sanctions = RequestRecorder()
        let missileAlerts = RequestRecorder()
        let hookAll = try await LoopbackHTTPServer.start { everything.append($0); return .status(204) }
        let hookSanctions = try await LoopbackHTTPServer.start { sanctions.append($0); return .ok("ok", contentType: "text/plain") }
        let hookMissiles = try await LoopbackHTTPServer.start { missileAlerts.append($0); return .ok("{\"id\":\"x\"}", contentType: "application/json") }
        let world = try await DigestWorld.make(
            tables: """
                [[notify]]
                kind = "webhook"
                name = "everything"
                url = "\(hookAll.url("/all"))"

                [[notify]]
                kind = "webhook"
                name = "sanctions-desk"
                format = "slack"
                url = "\(hookSanctions.url("/slack"))"
                topics = ["sanctions"]
                title = "{topic}: {count} new ({date})"

                [[notify]]
                kind = "webhook"
                name = "missile-pager"
                format = "ntfy"
                url = "\(hookMissiles.url("/missiles"))"
                topics = ["missiles"]
                events = ["alert"]
                """,
            missilesAlert: true)
        let runtime = try world.runtime()
        try await world.refresh(runtime)
        let service = DigestService(runtime: runtime)
        _ = try await service.tick(now: Date())
        _ = try await service.tick(now: Date().addingTimeInterval(1))

        // Two missile matches in one refresh: one batched alert (per topic and interval) to each
        // notifier taking missiles alerts, and the digest.
        let all = everything.all
        #expect(all.filter { $0.header("X-Feedwatch-Event") == "alert" }.count == 1)
        #expect(all.filter { $0.header("X-Feedwatch-Event") == "digest" }.count == 1)

        // The sanctions desk: the digest only, with only the sanctions section, under its title.
        let desk = sanctions.all
        #expect(desk.count == 1)
        let request = try #require(desk.first)
        #expect(request.header("X-Feedwatch-Event") == "digest")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        let day = try #require(try await runtime.store.digests().first?.day)
        #expect(body["text"] as? String == "Sanctions: 2 new (\(day))")
        let text = String(decoding: request.body, as: UTF8.self)
        #expect(text.contains("New sanctions on shipping firms") && !text.contains("Missile test over the Sea of Japan"))

        // The missile pager: the one alert listing both matches, no digest.
        let pager = missileAlerts.all
        #expect(pager.count == 1)
        #expect(pager.allSatisfy { $0.header("X-Feedwatch-Event") == "alert" && $0.header("Priority") == "4" })
        #expect(pager.allSatisfy { String(decoding: $0.body, as: UTF8.self).contains("(Raketentests – Übersicht, Loopback News)") })

        for server in [hookAll, hookSanctions, hookMissiles] { try await server.shutdown() }
        await world.shutdown()
    }

    @Test func checkRefusesUnknownTopicsFormatsAndTemplates() async throws {
        let world = try await DigestWorld.make(tables: """
            [[notify]]
            kind = "webhook"
            url = "https://hooks.example/x"
            format = "teams"

            [[notify]]
            kind = "webhook"
            url = "https://hooks.example/y"
            topics = ["sanctions", "weather"]
            title = "{topic} on {day}"

            [[notify]]
            kind = "webhook"
            format = "matrix"
            url = "https://matrix.example.org"
            room = "general"

            [[notify]]
            kind = "webhook"
            format = "telegram"
            room = "!a:b"
            """)
        do {
            _ = try ConfigurationLoader.load(path: world.configPath)
            Issue.record("an invalid configuration was accepted")
        } catch {
            let lines = error.problems.map(\.description)
            #expect(lines.contains("notify[0].format: unknown format \"teams\" (available: json, slack, discord, ntfy, matrix, telegram)"))
            #expect(lines.contains("notify[1].topics: no topic has id \"weather\" (configured: missiles, sanctions)"))
            #expect(lines.contains("notify[1].title: unknown field {day} (available: {topic}, {count}, {date}, {title})"))
            #expect(lines.contains("notify[2].token_file: format matrix needs a token: give token_file, token_env or token_credential"))
            #expect(lines.contains("notify[2].room: must be a room id like !abc123:example.org (or an alias #room:example.org)"))
            #expect(lines.contains("notify[3].room: only format matrix takes room"))
            #expect(lines.contains("notify[3].chat_id: missing: format telegram needs chat_id"))
        }
        await world.shutdown()
    }
}

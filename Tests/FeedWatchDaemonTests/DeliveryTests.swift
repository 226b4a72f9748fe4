import Foundation
import FeedWatchDaemon
import FeedWatchDigest
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Testing

@Suite struct DeliveryTests {
    @Test func webhookGetsTheSignedDigestOnceAndFilesMatchRegeneration() async throws {
        let secrets = try TemporaryDirectory(prefix: "fw-hook")
        let secretFile = secrets.path + "/secret"
        try "s3cret-key\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        let hooks = RequestRecorder()
        let hook = try await LoopbackHTTPServer.start { request in
            hooks.append(request)
            return .status(204)
        }
        let world = try await DigestWorld.make(
            digest: "formats = [\"markdown\", \"html\", \"json\", \"atom\"]",
            tables: "[[notify]]\nkind = \"webhook\"\nname = \"hook\"\nurl = \"\(hook.url("/hook"))\"\nsecret_file = \"\(secretFile)\"\n")
        let runtime = try world.runtime()
        try await world.refresh(runtime)
        let service = DigestService(runtime: runtime)
        let now = Date()
        _ = try await service.tick(now: now)
        _ = try await service.tick(now: now.addingTimeInterval(60))

        let records = try await runtime.store.digests()
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.matchCount == 4 && record.published != nil)
        #expect(try await runtime.store.pendingMatchCount() == 0)

        let requests = hooks.all
        #expect(requests.count == 1, "one digest, one POST, whatever the number of ticks")
        let request = try #require(requests.first)
        // The signature covers the timestamp and the delivery id with the body (issue 15, item
        // 14): a receiver recomputes it from the three headers' values and the raw body.
        let timestamp = try #require(request.header("X-Feedwatch-Timestamp").flatMap { Int($0) })
        #expect(abs(Double(timestamp) - Date().timeIntervalSince1970) < 600)
        let delivery = try #require(request.header("X-Feedwatch-Delivery"))
        let signed = Array("\(timestamp).\(delivery).".utf8) + request.body
        let mac = ContentDigest.hmac(key: Array("s3cret-key".utf8), message: signed)
        #expect(request.header("X-Feedwatch-Signature") == "sha256=" + ContentDigest.hex(mac))
        // The body alone no longer verifies: a captured body cannot be replayed under a new time or id.
        let bodyOnly = ContentDigest.hmac(key: Array("s3cret-key".utf8), message: request.body)
        #expect(request.header("X-Feedwatch-Signature") != "sha256=" + ContentDigest.hex(bodyOnly))
        let replayed = ContentDigest.hmac(key: Array("s3cret-key".utf8), message: Array("\(timestamp + 3600).\(delivery).".utf8) + request.body)
        #expect(request.header("X-Feedwatch-Signature") != "sha256=" + ContentDigest.hex(replayed))
        #expect(request.header("X-Feedwatch-Event") == "digest")
        #expect(request.header("Content-Type")?.hasPrefix("application/json") == true)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(body["schema"] as? String == "feedwatch-digest/1" && body["day"] as? String == record.day)

        // Every file is byte-for-byte what regenerating from the store gives.
        for format in DigestFormat.allCases {
            let path = runtime.publisher.path(day: record.day, format: format)
            let written = try String(contentsOfFile: path, encoding: .utf8)
            #expect(try await runtime.publisher.render(day: record.day, format: format) == written, "\(format) differs")
        }
        let index = try String(contentsOfFile: runtime.configuration.digest.directory + "/index.html", encoding: .utf8)
        #expect(index.contains("<a href=\"\(record.day).html\">"))
        let deliveries = try await runtime.store.recentDeliveries(limit: 10)
        #expect(deliveries.map(\.state) == [.sent] && deliveries.first?.attempts == 1)
        try await hook.shutdown()
        await world.shutdown()
    }

    @Test func aWebhookAnswering500IsRetriedWithBackoffThenMarkedFailed() async throws {
        let hooks = RequestRecorder()
        let hook = try await LoopbackHTTPServer.start { request in
            hooks.append(request)
            return .status(500)
        }
        let world = try await DigestWorld.make(
            tables: "[[notify]]\nkind = \"webhook\"\nname = \"flaky\"\nurl = \"\(hook.url("/hook"))\"\nmax_attempts = 3\nretry_delay = \"10s\"\n")
        let runtime = try world.runtime()
        try await world.refresh(runtime)
        let service = DigestService(runtime: runtime)
        let start = Date()
        _ = try await service.tick(now: start)
        var delivery = try #require(try await runtime.store.recentDeliveries(limit: 5).first)
        #expect(delivery.state == .pending && delivery.attempts == 1)
        #expect(delivery.lastError == "webhook 127.0.0.1 answered HTTP 500")
        #expect(abs(delivery.nextAttempt.timeIntervalSince(start) - 10) < 0.01)

        _ = try await service.tick(now: start.addingTimeInterval(5))
        #expect(hooks.all.count == 1, "not due yet")
        _ = try await service.tick(now: start.addingTimeInterval(10))
        delivery = try #require(try await runtime.store.recentDeliveries(limit: 5).first)
        #expect(delivery.attempts == 2 && abs(delivery.nextAttempt.timeIntervalSince(start) - 30) < 0.01, "the delay doubles")
        _ = try await service.tick(now: start.addingTimeInterval(30))
        delivery = try #require(try await runtime.store.recentDeliveries(limit: 5).first)
        #expect(delivery.state == .failed && delivery.attempts == 3)
        #expect(delivery.lastError?.contains("gave up after 3 attempts") == true)
        #expect(hooks.all.count == 3)
        // The digest itself is unaffected: written, its matches kept.
        #expect(try await runtime.store.digests().first?.matchCount == 4)
        try await hook.shutdown()
        await world.shutdown()
    }

    @Test func anUnreachableSMTPServerIsAClearRetriedError() async throws {
        let port = try freeLoopbackPort()
        let world = try await DigestWorld.make(tables: """
            [[notify]]
            kind = "email"
            name = "mail"
            url = "smtp://127.0.0.1:\(port)"
            tls = "none"
            from = "feedwatch@example.org"
            to = ["reader@example.org"]
            timeout = "5s"
            """)
        let runtime = try world.runtime()
        try await world.refresh(runtime)
        _ = try await DigestService(runtime: runtime).tick(now: Date())
        let delivery = try #require(try await runtime.store.recentDeliveries(limit: 5).first)
        #expect(delivery.state == .pending && delivery.attempts == 1)
        #expect(delivery.lastError?.hasPrefix("email via 127.0.0.1: ") == true, "\(delivery.lastError ?? "")")
        await world.shutdown()
    }

    @Test func aCommandGetsTheDigestPathAndAHangingOneIsKilled() async throws {
        let outboxDirectory = try TemporaryDirectory(prefix: "fw-cmd")
        let outbox = outboxDirectory.path
        let world = try await DigestWorld.make(tables: """
            [[notify]]
            kind = "command"
            name = "copy"
            command = ["/bin/cp", "-t", "\(outbox)"]

            [[notify]]
            kind = "command"
            name = "hang"
            command = ["/usr/bin/tail", "-f"]
            timeout = "1s"
            """)
        let runtime = try world.runtime()
        try await world.refresh(runtime)
        _ = try await DigestService(runtime: runtime).tick(now: Date())
        let day = try #require(try await runtime.store.digests().first?.day)
        let copied = try String(contentsOfFile: "\(outbox)/\(day).md", encoding: .utf8)
        #expect(copied == (try String(contentsOfFile: runtime.publisher.path(day: day, format: .markdown), encoding: .utf8)))
        let deliveries = try await runtime.store.recentDeliveries(limit: 5)
        #expect(deliveries.first { $0.notifier == "copy" }?.state == .sent)
        let hung = try #require(deliveries.first { $0.notifier == "hang" })
        #expect(hung.state == .pending && hung.lastError == "command /usr/bin/tail: killed after 1s timeout")
        await world.shutdown()
    }

    @Test func anUnwritableDirectoryKeepsTheMatchesAndIsRetried() async throws {
        let directory = try TemporaryDirectory(prefix: "fw-block")
        let blocker = directory.path + "/blocker"
        // A regular file where a directory should be: mkdir fails even for root.
        try "not a directory".write(toFile: blocker, atomically: true, encoding: .utf8)
        let world = try await DigestWorld.make(digest: "directory = \"\(blocker)/digests\"")
        let runtime = try world.runtime()
        try await world.refresh(runtime)
        let service = DigestService(runtime: runtime)
        let now = Date()
        _ = try await service.tick(now: now)
        var record = try #require(try await runtime.store.digests().first)
        #expect(record.published == nil && record.matchCount == 4)
        #expect(record.publishError?.contains("cannot create directory \(blocker)/digests") == true, "\(record.publishError ?? "")")
        try FileManager.default.removeItem(atPath: blocker)
        _ = try await service.tick(now: now.addingTimeInterval(60))
        record = try #require(try await runtime.store.digests().first)
        #expect(record.published != nil && record.publishError == nil && record.matchCount == 4)
        #expect(FileManager.default.fileExists(atPath: "\(blocker)/digests/\(record.day).md"))
        await world.shutdown()
    }

    @Test func alertTopicsSendOneMessagePerTopicAndIntervalThroughTheOutbox() async throws {
        let hooks = RequestRecorder()
        let hook = try await LoopbackHTTPServer.start { request in
            hooks.append(request)
            return .status(200)
        }
        let world = try await DigestWorld.make(
            tables: "[[notify]]\nkind = \"webhook\"\nurl = \"\(hook.url("/alert"))\"\nevents = [\"alert\"]\n", missilesAlert: true)
        let runtime = try world.runtime()
        try await world.refresh(runtime)
        let service = DigestService(runtime: runtime)
        _ = try await service.tick(now: Date())
        _ = try await service.tick(now: Date().addingTimeInterval(60))
        let alerts = hooks.all
        #expect(alerts.count == 1, "two missile matches, one message for the topic, no digest (events = [alert])")
        #expect(alerts.allSatisfy { $0.header("X-Feedwatch-Event") == "alert" })
        let titles = try alerts.flatMap { request -> [String] in
            let body = try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
            let topic = (body?["topics"] as? [[String: Any]])?.first
            return ((topic?["items"] as? [[String: Any]]) ?? []).compactMap { $0["title"] as? String }
        }
        #expect(Set(titles) == ["Missile test over the Sea of Japan", "Missile parts smuggled despite sanctions"])
        try await hook.shutdown()
        await world.shutdown()
    }
}

@Suite struct SendmailDeliveryTests {
    @Test func aLocalSendmailGetsTheMessageOnStandardInput() async throws {
        let temporary = try TemporaryDirectory(prefix: "fw-sendmail")
        let directory = temporary.path
        // A stand-in MTA: records its arguments and the message it was given.
        let sendmail = directory + "/sendmail"
        try "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"\(directory)/args\"\ncat > \"\(directory)/message\"\n"
            .write(toFile: sendmail, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: sendmail)
        let world = try await DigestWorld.make(tables: """
            [[notify]]
            kind = "email"
            sendmail = "\(sendmail)"
            from = "feedwatch@example.org"
            to = ["reader@example.org"]
            """)
        let runtime = try world.runtime()
        try await world.refresh(runtime)
        _ = try await DigestService(runtime: runtime).tick(now: Date())
        #expect(try await runtime.store.recentDeliveries(limit: 5).first?.state == .sent)
        let args = try String(contentsOfFile: directory + "/args", encoding: .utf8)
        #expect(args == "-i\n-f\nfeedwatch@example.org\n--\nreader@example.org\n")
        let message = try String(contentsOfFile: directory + "/message", encoding: .utf8)
        #expect(message.contains("Content-Type: multipart/alternative") && message.contains("\r\nTo: reader@example.org\r\n"))
        await world.shutdown()
    }
}

/// A burst of 5,000 matching entries in one refresh, through the real pipeline, the digest
/// service and a loopback webhook: how many alert messages go out.
@Suite struct AlertBurstTests {
    @Test func aBurstOf5000MatchesSendsOneAlertMessage() async throws {
        let hooks = RequestRecorder()
        let hook = try await LoopbackHTTPServer.start { request in
            hooks.append(request)
            return .status(200)
        }
        let burst = (1...5000).map { (title: "Missile launch report \($0)", body: "Report \($0): another missile was fired.") }
        let feed = rssFeed(burst)
        let server = try await LoopbackHTTPServer.start { _ in .ok(feed) }
        let fixture = try CycleFixture(
            feeds: [server.url("/burst.xml")], topics: [(id: "missiles", name: "Missiles", query: "missile")],
            extra: "alert_interval = \"15m\"\n\n[[notify]]\nkind = \"webhook\"\nurl = \"\(hook.url("/alert"))\"\nevents = [\"alert\"]\n")
        var text = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        text = text.replacingOccurrences(of: "query = 'missile'\n", with: "query = 'missile'\nalert = true\n")
        // The whole burst in one refresh (the bound on new entries per refresh is tested by itself).
        text = text.replacingOccurrences(of: "[fetch]\n", with: "[fetch]\nmax_new_per_refresh = 5000\n")
        try text.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        let runtime = try await fixture.runtime()
        let feeds = try await runtime.store.syncFeeds(runtime.configuration.feeds)
        let reports = await runtime.pipeline.refresh(feeds)
        #expect(reports.first?.newMatches == 5000)
        let service = DigestService(runtime: runtime)
        let now = Date()
        let wake = try await service.tick(now: now)
        _ = try await service.tick(now: now.addingTimeInterval(60))
        #expect(hooks.all.count == 1, "5,000 matches, one alert message")
        let body = try JSONSerialization.jsonObject(with: Data(try #require(hooks.all.first).body)) as? [String: Any]
        let topic = try #require((body?["topics"] as? [[String: Any]])?.first)
        #expect((topic["items"] as? [Any])?.count == 10)
        #expect(topic["more_count"] as? Int == 4990)
        #expect(wake <= now.addingTimeInterval(86400))
        try await hook.shutdown()
        try await server.shutdown()
    }
}

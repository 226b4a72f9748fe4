import Foundation
import FeedWatchDaemon
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import GRDB
import Testing

/// An RSS item dated `age` seconds ago (undated when nil), about a missile test.
private func item(_ guid: String, title: String, age: TimeInterval?) -> String {
    var xml = "<item><guid>\(guid)</guid><title>\(title)</title><link>http://news.example/\(guid)</link>"
    if let age {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        xml += "<pubDate>\(formatter.string(from: Date().addingTimeInterval(-age)))</pubDate>"
    }
    return xml + "<description>Officials confirmed the missile test.</description></item>"
}

private func feed(_ items: [String]) -> String {
    "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>News</title>" + items.joined() + "</channel></rss>"
}

/// Day one without a flood: a feed's archive is stored as seen and never flagged, through the
/// real binary (`run --once`, `topics test`, `feeds add`) and the real daemon.
@Suite(.serialized) struct BackfillTests {
    static let day: TimeInterval = 86400

    /// A configuration for the binary: one topic, Markdown digests in UTC.
    static func writeConfig(_ world: TemporaryDirectory, feeds: [String], fetch: String = "") throws -> String {
        var text = """
            [storage]
            state_directory = "\(world.path)"

            [fetch]
            timeout = "10s"
            \(fetch)

            [[topic]]
            id = "missiles"
            name = "Missile tests"
            query = '"missile test"'

            [digest]
            timezone = "UTC"
            formats = ["markdown"]


            """
        for url in feeds { text += "[[feed]]\nurl = \"\(url)\"\n\n" }
        let path = world.path + "/feedwatch.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(.requires(.feedwatchBinary))
    func firstFetchFlagsOnlyRecentAndUndatedEntriesAndTopicsTestStillFindsTheArchive() async throws {
        let server = try await LoopbackHTTPServer.start { request in
            switch request.path {
            case "/first.xml":
                return .ok(feed([
                    item("old", title: "Archive: old missile test", age: 30 * Self.day),
                    item("recent", title: "Today: fresh missile test", age: 3600),
                    item("undated", title: "Undated missile test report", age: nil),
                ]))
            case "/second.xml":
                return .ok(feed([
                    item("old2", title: "Second archive missile test", age: 10 * Self.day),
                    item("recent2", title: "Second feed fresh missile test", age: 60),
                ]))
            default: return .status(404)
            }
        }
        let world = try TemporaryDirectory(prefix: "fw-backfill")
        let config = try Self.writeConfig(world, feeds: [server.url("/first.xml")])

        let first = try FeedWatchBinary.run(["run", "--once", "--config", config])
        #expect(first.status == 0, "\(first.stderr)")
        let digestPath = world.path + "/digests/\(CommandLineWorld.today).md"
        var markdown = try String(contentsOfFile: digestPath, encoding: .utf8)
        #expect(markdown.contains("Today: fresh missile test"))
        #expect(markdown.contains("Undated missile test report"), "undated entries count as new")
        #expect(!markdown.contains("Archive: old missile test"), "30 days old on the first fetch: backfill, not news")
        #expect(markdown.contains("2 matches in 1 topic"))

        // Stored as seen: `topics test` finds it, a second run neither flags nor re-stores it.
        let test = try FeedWatchBinary.run(["topics", "test", "missiles", "--config", config])
        #expect(test.status == 0, "\(test.stderr)")
        #expect(test.stdout.contains("Archive: old missile test"))
        #expect(test.stdout.contains("missiles: 3 of 3 stored articles"))

        // A feed added later by `feeds add`: its own archive is backfill too, its news is flagged.
        let added = try FeedWatchBinary.run(["feeds", "add", server.url("/second.xml"), "--config", config])
        #expect(added.status == 0, "\(added.stderr)")
        let second = try FeedWatchBinary.run(["run", "--once", "--config", config])
        #expect(second.status == 0, "\(second.stderr)")
        markdown = try String(contentsOfFile: digestPath, encoding: .utf8)
        #expect(markdown.contains("Second feed fresh missile test"))
        #expect(!markdown.contains("Second archive missile test"))
        #expect(!markdown.contains("Archive: old missile test"))
        try await server.shutdown()
    }

    @Test func backfillAllFlagsTheWholeArchive() async throws {
        let server = try await LoopbackHTTPServer.start { _ in
            .ok(feed([item("old", title: "Archive: old missile test", age: 30 * Self.day), item("recent", title: "Fresh missile test", age: 60)]))
        }
        let world = try TemporaryDirectory(prefix: "fw-backfill-all")
        let config = try Self.writeConfig(world, feeds: [server.url("/feed.xml")], fetch: "backfill = \"all\"")
        let runtime = try FeedWatchRuntime(configuration: try ConfigurationLoader.load(path: config), logger: quietLogger)
        let report = try await runtime.runOnce()
        #expect(report.newArticles == 2)
        #expect(report.newMatches == 2)
        try await server.shutdown()
    }

    /// The window is counted from when each feed was added: an entry 5 days old is news for a
    /// feed watched for 10 days (it just appeared), and archive for a feed added today.
    @Test func theWindowCountsFromWhenEachFeedWasAdded() async throws {
        let fiveDaysOld = item("five", title: "Five days old missile test", age: 5 * Self.day)
        let server = try await LoopbackHTTPServer.start { _ in .ok(feed([fiveDaysOld])) }
        let world = try TemporaryDirectory(prefix: "fw-backfill-window")
        let config = try Self.writeConfig(world, feeds: [server.url("/old-feed.xml"), server.url("/new-feed.xml")], fetch: "backfill = \"2d\"")
        let runtime = try FeedWatchRuntime(configuration: try ConfigurationLoader.load(path: config), logger: quietLogger)
        _ = try await runtime.store.syncFeeds(runtime.configuration.feeds)
        // The first feed has been watched for ten days.
        let database = try DatabaseQueue(path: world.path + "/feedwatch.sqlite")
        try await database.write { db in
            try db.execute(
                sql: "UPDATE feeds SET created_at = ? WHERE url = ?",
                arguments: [Date().addingTimeInterval(-10 * Self.day).timeIntervalSince1970, server.url("/old-feed.xml")])
        }
        // When each feed was added travels with the feed as the store lists it.
        let feeds = try await runtime.store.activeFeeds()
        #expect(feeds.map { $0.watchedSince.map { Date().timeIntervalSince($0) > 9 * Self.day } } == [true, false])
        let reports = await runtime.pipeline.refresh(feeds)
        #expect(reports.map(\.newArticles) == [1, 1])
        #expect(reports.map(\.newMatches) == [1, 0])
        try await server.shutdown()
    }

    /// The pure rule: published before the cutoff is backfill; undated or later is news.
    @Test func flaggableKeepsUndatedAndRecentEntries() {
        let cutoff = Date(timeIntervalSince1970: 1_000_000)
        func article(_ id: Int64, _ published: Date?) -> Article {
            Article(id: id, feedID: 1, fingerprint: "\(id)", title: "t", link: nil, summary: "", content: "", author: nil,
                    published: published, discovered: cutoff)
        }
        let articles = [article(1, cutoff.addingTimeInterval(-1)), article(2, cutoff), article(3, nil), article(4, cutoff.addingTimeInterval(60))]
        #expect(FeedPipeline.flaggable(articles, cutoff: cutoff).map(\.id) == [2, 3, 4])
        #expect(FeedPipeline.flaggable(articles, cutoff: nil).map(\.id) == [1, 2, 3, 4])
    }
}

/// A new installation never publishes a digest for a day before it ran.
@Suite struct FirstDigestTests {
    func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func aFirstStartAfterMidnightWithA2359DigestWaitsForTheFirstSlot() async throws {
        let world = try await DigestWorld.make(digest: "time = \"23:59\"")
        let runtime = try world.runtime()
        let service = DigestService(runtime: runtime)
        try await world.refresh(runtime, watchedSince: utc("2026-12-04T00:00:00Z"))
        // One second after the first start on the 4th: the 3rd's slot was before it ran.
        #expect(try await service.tick(now: utc("2026-12-04T00:00:01Z")) == utc("2026-12-04T23:59:00Z"))
        #expect(try await runtime.store.digests().isEmpty)
        _ = try await service.tick(now: utc("2026-12-04T23:59:00Z"))
        #expect(try await runtime.store.digests().map(\.day) == ["2026-12-04"])
        #expect(try await runtime.store.digests().first?.matchCount == 4)
        // It covers from the first fetch to the first scheduled time.
        let markdown = try #require(try await runtime.publisher.render(day: "2026-12-04", format: .markdown))
        #expect(markdown.contains("since Fri 00:00 UTC"), "\(markdown)")
        await world.shutdown()
    }

    @Test(.requires(.feedwatchBinary))
    func theRealDaemonsFirstStartPublishesNoDigestForYesterday() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .ok(syntheticFeed("alpha", items: 6)) }
        let fixture = try DaemonFixture()
        // A digest time an hour from now: its latest slot is yesterday's, before the first start.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let now = calendar.dateComponents([.hour, .minute], from: Date())
        let later = calendar.dateComponents([.hour, .minute], from: Date().addingTimeInterval(3600))
        // Past 23:00, an hour later is tomorrow: 23:59 is then the time whose last slot was yesterday.
        let time = (now.hour ?? 0) == 23 ? "23:59" : String(format: "%02d:%02d", later.hour ?? 0, later.minute ?? 0)
        try fixture.writeConfig(feeds: [server.url("/alpha.xml")], extra: "time = \"\(time)\"\n")
        let daemon = try fixture.start()
        #expect(try await eventually { daemon.standardError.contains("ready status=") }, "\(daemon.standardError)")
        #expect(try await eventually { try fixture.count("SELECT COUNT(*) FROM topic_matches") == syntheticMatches(items: 6) })
        // The digest loop has run (it runs at start and after the first batch's matches).
        try await Task.sleep(for: .seconds(2))
        #expect(try fixture.count("SELECT COUNT(*) FROM digests") == 0, "\(daemon.standardError)")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: fixture.stateDirectory + "/digests")) ?? []
        #expect(files.isEmpty, "\(files)")
        #expect(!daemon.standardError.contains("digest published"))
        daemon.signal(SIGTERM)
        _ = try await daemon.waitForExit(timeout: .seconds(10))
        try await server.shutdown()
    }
}

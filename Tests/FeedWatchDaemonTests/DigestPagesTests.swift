@testable import FeedWatchDaemon
import FeedWatchDigest
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import Testing

/// Publishing a day reads its stories from the store a page at a time (`[digest]
/// page_stories`) and writes every file as they come: the most items held at once is bounded
/// by the page, not by the day, and every file is byte for byte what rendering the whole day
/// read at once makes — on SQLite and on PostgreSQL.
@Suite struct DigestPagesTests {
    static let page = 64
    static let topics = [TopicReference(id: "missiles", name: "Missiles"), TopicReference(id: "sanctions", name: "Sanctions")]

    @Test func aBusyDayIsReadAPageAtATimeOnSQLite() async throws {
        let directory = try TemporaryDirectory(prefix: "fw-digest-pages")
        let store = try SQLiteStore(path: directory.path + "/db/feedwatch.sqlite")
        try await Self.publishBusyDay(store: store, directory: directory.path + "/digests")
    }

    @Test(.requires(.postgres)) func aBusyDayIsReadAPageAtATimeOnPostgreSQL() async throws {
        try TestRequirement.postgres.check()
        _ = try await PostgresTestServer.withDatabase { url in
            let directory = try TemporaryDirectory(prefix: "fw-digest-pages-pg")
            let store = try await PostgresStore.open(try PostgresStore.Configuration(url: url), logger: quietLogger)
            do {
                try await Self.publishBusyDay(store: store, directory: directory.path + "/digests")
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        }
    }

    /// A small day published, then a busy one: 24 feeds of 125 articles, every one matching
    /// `missiles`, every third `sanctions` too (shown in full under Missiles, referenced under
    /// Sanctions); stories carried by four feeds (one item, three "also reported by"), copies
    /// under one headline or one link in two unclustered feeds (folded), a dismissed story.
    static func publishBusyDay(store: any Store, directory: String) async throws {
        let feeds = try await store.syncFeeds((0..<24).map { FeedSource(url: "https://example.org/feed/\($0)", name: "Feed \($0)") })
        let start = Date(timeIntervalSince1970: 1_764_800_000)
        var configuration = DigestConfiguration(directory: directory, timeZone: "Europe/Berlin")
        configuration.formats = DigestFormat.allCases
        configuration.topics = topics
        configuration.pageStories = page
        let publisher = try StoredDigestPublisher(configuration: configuration, store: store)

        @discardableResult
        func match(_ articles: [Article], at time: Date) async throws -> Int {
            var matches: [TopicMatch] = []
            for (n, article) in articles.enumerated() {
                let snippet = Snippet(parts: [Snippet.Part(text: "The ", highlighted: false), Snippet.Part(text: "missile", highlighted: true),
                                              Snippet.Part(text: " test \(n) was seen.", highlighted: false)])
                matches.append(TopicMatch(topicID: "missiles", articleID: article.id, score: Double(n % 5), snippets: [snippet], matched: time))
                if n % 3 == 0 {
                    matches.append(TopicMatch(topicID: "sanctions", articleID: article.id, score: 1, snippets: [], matched: time))
                }
            }
            return try await store.recordMatches(matches, topics: Dictionary(uniqueKeysWithValues: topics.map { ($0.id, $0) }), completing: [])
        }

        // The day before: a few articles, published, so the busy day rewrites its page and
        // carries it in the Atom feeds.
        let before = try await store.insertNew(
            feedID: feeds[0].id,
            entries: (0..<5).map { Entry(id: "early-\($0)", title: "Early missile report \($0)", link: "https://early.example/\($0)", published: start) },
            discovered: start)
        try await match(before, at: start)
        _ = try await store.collectDigest(day: "2026-12-03", timeZone: "Europe/Berlin", now: start.addingTimeInterval(60))
        _ = try await publisher.finish(day: "2026-12-03", now: start.addingTimeInterval(60))

        var articles: [[Article]] = []
        for (f, feed) in feeds.enumerated() {
            let entries = (0..<125).map { i -> Entry in
                var title = "Feed \(f) story \(i): missile test report"
                var link = "https://news.example/\(f)/\(i)"
                if f < 4 && i < 40 { title = "Wire story \(i) carried by four feeds, feed \(f)" }
                if (f == 4 || f == 5) && i < 30 { title = "Shared headline number \(i) about the missile" }
                if (f == 6 || f == 7) && i < 30 { link = "https://wire.example/\(i)" }
                return Entry(
                    id: "g-\(f)-\(i)", title: title, link: link,
                    published: i % 9 == 0 ? nil : start.addingTimeInterval(3600 + Double((i * 37 + f * 11) % 5000)))
            }
            articles.append(try await store.insertNew(feedID: feed.id, entries: entries, discovered: start.addingTimeInterval(3600)))
        }
        var stories: [Int64: Int64] = [:]
        for i in 0..<40 { for f in 0..<4 { stories[articles[f][i].id] = articles[0][i].id } }
        try await store.assignStories(stories)
        var recorded = 0
        for feed in articles { recorded += try await match(feed, at: start.addingTimeInterval(3600)) }
        let dismissed = articles[10][50]
        _ = try await store.dismiss(articleID: dismissed.id, topicID: Dismissal.everyTopic, at: start.addingTimeInterval(4000))
        let now = start.addingTimeInterval(7200)
        // More matches than SQLite assigns in one statement: every one lands in the day.
        let collected = try await store.collectDigest(day: "2026-12-04", timeZone: "Europe/Berlin", now: now)
        #expect(collected.matchCount == recorded && recorded > 2_000)

        let written = try await publisher.finish(day: "2026-12-04", now: now)

        // What reading the whole day at once renders, file by file.
        let edition = try #require(try await publisher.edition(day: "2026-12-04", formats: configuration.formats))
        let expected = publisher.publisher.outputs(for: edition)
        // The previous day's page is read and written after the day's files, the rest in order.
        #expect(written.map(\.path) == expected.map(\.path).filter { !$0.hasSuffix("/2026-12-03.html") } + [directory + "/2026-12-03.html"])
        let wholeFiles = Dictionary(uniqueKeysWithValues: expected.map { ($0.path, $0.contents) })
        for file in written {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file.path))
            #expect(bytes == Data(try #require(wholeFiles[file.path]).utf8), "\(file.path) differs from the whole day's rendering")
        }
        #expect(written.contains { $0.path.hasSuffix("/2026-12-03.html") }, "the previous page is rewritten")

        // The day is what the fixture meant: folded, referenced, dismissed, many pages.
        let reading = edition.prepared().digest
        let missiles = try #require(reading.sections.first { $0.topic.id == "missiles" })
        #expect(missiles.items.count > 20 * page)
        #expect(missiles.items.contains { $0.alsoReportedBy.count == 3 && $0.title.hasPrefix("Wire story") })
        #expect(missiles.items.contains { $0.title.hasPrefix("Shared headline") && $0.alsoReportedBy.contains { $0.feedName == "Feed 5" } })
        #expect(missiles.items.contains { $0.link?.hasPrefix("https://wire.example/") == true && !$0.alsoReportedBy.isEmpty })
        #expect(!missiles.items.contains { $0.articleID == dismissed.id })
        let markdown = try String(contentsOfFile: publisher.path(day: "2026-12-04", format: .markdown), encoding: .utf8)
        #expect(markdown.contains("also under [Missiles]"))

        // The bound: a page of stories and a page of copies folded into them, never the day.
        let reading2 = try #require(publisher.pageMeter.last)
        let storyCount = reading.sections.reduce(0) { $0 + $1.items.count }
        #expect(reading2.largestHeld <= 2 * page, "\(reading2)")
        #expect(reading2.largestHeld >= page / 2, "\(reading2)")
        #expect(reading2.pages >= storyCount / page, "\(reading2) for \(storyCount) stories")
        #expect(reading2.items >= storyCount)

        // The shared-store way to build a day assigns as many, in batches too.
        let shipping = articles.joined().map {
            TopicMatch(topicID: "shipping", articleID: $0.id, score: 1, snippets: [], matched: now)
        }
        let added = try await store.recordMatches(shipping, topics: ["shipping": TopicReference(id: "shipping", name: "Shipping")], completing: [])
        let built = try await store.buildDigestOnce(day: "2026-12-05", timeZone: "Europe/Berlin", now: now.addingTimeInterval(86400))
        #expect(added == 3_000 && built?.matchCount == added)
        #expect(try await store.pendingMatchCount() == 0)
    }
}

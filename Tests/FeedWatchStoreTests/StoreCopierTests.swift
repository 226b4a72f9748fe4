import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import Testing

/// `feedwatch store copy`: an SQLite installation moved into PostgreSQL reads back the same
/// through the Store API, ids renumbered.
@Suite struct StoreCopierTests {
    @Test(.requires(.postgres)) func everythingArrivesAndASecondCopyIsRefused() async throws {
        let directory = try TemporaryDirectory(prefix: "fw-store")
        let (source, _) = try makeStore(in: directory)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        // Ids in the source are not 1, 2, 3…: a feed removed and one re-added leave gaps.
        _ = try await source.syncFeeds([FeedSource(url: "https://gone.example/f")])
        let feeds = try await source.syncFeeds([
            FeedSource(url: "https://a.example/f", name: "A", tags: ["x", "y"]), FeedSource(url: "https://b.example/f"),
        ])
        try await source.updateFeedTitle(feedID: feeds[1].id, title: "B's own title")
        let state = FetchState(
            etag: "\"e\"", lastModified: "Tue, 22 Mar 2016 09:30:00 GMT", lastFetched: t0, lastSuccess: t0,
            nextCheck: t0.addingTimeInterval(900), errorCount: 1, lastError: "HTTP 503 from a.example", lastStatus: 503)
        try await source.saveFetchState(feedID: feeds[0].id, state)
        let a = try await source.insertNew(feedID: feeds[0].id, entries: (1...7).map { entry($0) }, discovered: t0)
        // b's entries declare Persian: the copy keeps each article's declared language.
        let b = try await source.insertNew(
            feedID: feeds[1].id, entries: (1...3).map { n -> Entry in var e = entry(n, feedTag: "b"); e.language = "fa-IR"; return e },
            discovered: t0)
        let snippet = Snippet(parts: [.init(text: "missile", highlighted: true)])
        _ = try await source.recordMatches(
            (a.prefix(3) + b.prefix(1)).map { TopicMatch(topicID: "m", articleID: $0.id, score: 2, snippets: [snippet], matched: t0) },
            topicNames: ["m": "Missiles"])
        _ = try await source.collectDigest(day: "2027-01-01", timeZone: "UTC", now: t0)
        try await source.markDigestPublished(day: "2027-01-01", notifiers: ["mail"], at: t0)
        // a[1] and b[2] are one story (its id is a[1]'s); a[2] has extracted text.
        try await source.assignStories([a[1].id: a[1].id, b[2].id: a[1].id])
        try await source.saveExtractions([ArticleExtractionRecord(articleID: a[2].id, fullText: "The whole text.", note: nil)])
        _ = try await source.recordMatches(
            [TopicMatch(topicID: "m", articleID: a[5].id, score: 1, snippets: [], matched: t0)], topicNames: ["m": "Missiles"])

        _ = try await PostgresTestServer.withDatabase { url in
            let target = try await PostgresStore.open(try PostgresStore.Configuration(url: url), logger: quietLogger)
            // A batch size of 2 makes every table take several batches.
            let report = try await StoreCopier(source: source, target: target, batchSize: 2).copy()
            let counts: [Int] = [report.feeds, report.articles, report.matches, report.digests]
            #expect(counts == [3, 10, 5, 1])
            #expect(report.deliveries == 1)
            #expect(try await target.digests().first?.published == t0, "a published digest is not sent again")
            #expect(try await target.recentDeliveries(limit: 10).map(\.subject) == ["digest:2027-01-01"])
            let copiedArticles = try await target.articles(since: .distantPast, limit: 20)
            let storyMembers = copiedArticles.filter { $0.storyID != nil }
            #expect(storyMembers.count == 2 && Set(storyMembers.compactMap(\.storyID)).count == 1)
            #expect(storyMembers.allSatisfy { member in copiedArticles.contains { $0.id == member.storyID && $0.title == a[1].title } })
            #expect(copiedArticles.filter { $0.fullText == "The whole text." }.count == 1)
            #expect(copiedArticles.filter { $0.language == "fa-IR" }.count == 3)
            #expect(copiedArticles.filter { $0.language == nil }.count == 7)

            let copied = try await target.activeFeeds()
            #expect(copied.map(\.url) == feeds.map(\.url))
            #expect(copied.map(\.name) == ["A", nil] && copied[0].tags == ["x", "y"] && copied[1].title == "B's own title")
            #expect(try await target.fetchState(feedID: copied[0].id) == state)
            let statuses = try await target.feedStatuses()
            #expect(statuses.map(\.articleCount) == [7, 3])
            #expect(try await target.pendingMatchCount() == 1)
            let original = try #require(try await source.digest(day: "2027-01-01"))
            let moved = try #require(try await target.digest(day: "2027-01-01"))
            #expect(moved.sections.map { $0.items.map(\.title) } == original.sections.map { $0.items.map(\.title) })
            #expect(moved.sections.first?.items.first?.snippets == [snippet])
            // SQLite keeps snippets compact; PostgreSQL is given `Snippet`'s own JSON, which every version reads.
            #expect(try await PostgresTestServer.count(
                #"SELECT COUNT(*) FROM topic_matches WHERE snippets = '[{"parts":[{"text":"missile","highlighted":true}]}]'"#, url: url) == 4)
            // Article identity survives: nothing is new when the feeds are read again.
            #expect(try await target.insertNew(feedID: copied[0].id, entries: (1...7).map { entry($0) }, discovered: t0).isEmpty)

            await #expect {
                _ = try await StoreCopier(source: source, target: target).copy()
            } throws: { error in
                "\(error)".contains("already holds data")
            }
            #expect(try await target.feedStatuses().map(\.articleCount) == [7, 3])
            await target.close()
        }
    }
}

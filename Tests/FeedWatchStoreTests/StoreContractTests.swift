import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import Testing

/// What every `Store` promises, checked against SQLite and PostgreSQL alike.
@Suite struct StoreContractTests {
    @Test(arguments: StoreKind.tested)
    func insertNewReturnsOnlyEntriesNotSeenBefore(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feeds = try await store.syncFeeds([FeedSource(url: "https://example.org/feed.xml")])
            let feed = try #require(feeds.first)
            let first = try await store.insertNew(feedID: feed.id, entries: (1...3).map { entry($0) }, discovered: Date())
            #expect(first.map(\.title) == ["Title 1", "Title 2", "Title 3"])
            #expect(Set(first.map(\.id)).count == 3)
            let second = try await store.insertNew(feedID: feed.id, entries: (2...5).map { entry($0) }, discovered: Date())
            #expect(second.map(\.title) == ["Title 4", "Title 5"])
            let again = try await store.insertNew(feedID: feed.id, entries: (1...5).map { entry($0) }, discovered: Date())
            #expect(again.isEmpty)
        }
    }

    @Test(arguments: StoreKind.tested)
    func duplicateFingerprintsWithinOneDocumentCountOnce(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
            let inserted = try await store.insertNew(feedID: feed.id, entries: [entry(1), entry(1), entry(2)], discovered: Date())
            #expect(inserted.count == 2)
        }
    }

    /// Eight writers, half of them through a second handle (another daemon): each new article
    /// is reported exactly once.
    @Test(arguments: StoreKind.tested)
    func concurrentInsertsOfTheSameEntriesReturnEachOnce(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, openAnother in
            let other = try await openAnother()
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
            let entries = (1...50).map { entry($0) }
            let results = try await withThrowingTaskGroup(of: [Article].self) { group in
                for writer in 0..<8 {
                    let target = writer.isMultiple(of: 2) ? store : other
                    group.addTask { try await target.insertNew(feedID: feed.id, entries: entries, discovered: Date()) }
                }
                var all: [[Article]] = []
                for try await r in group { all.append(r) }
                return all
            }
            await other.close()
            let titles = results.flatMap { $0 }.map(\.title)
            #expect(titles.count == 50)
            #expect(Set(titles).count == 50)
        }
    }

    @Test(arguments: StoreKind.tested)
    func sameGuidInTwoFeedsIsTwoArticles(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feeds = try await store.syncFeeds([FeedSource(url: "https://a.example/f"), FeedSource(url: "https://b.example/f")])
            let a = try await store.insertNew(feedID: feeds[0].id, entries: [entry(1)], discovered: Date())
            let b = try await store.insertNew(feedID: feeds[1].id, entries: [entry(1)], discovered: Date())
            #expect(a.count == 1 && b.count == 1)
        }
    }

    @Test(arguments: StoreKind.tested)
    func textWithNulCharactersIsStored(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
            var odd = entry(1)
            odd.title = "Bad\u{0}title"
            odd.summary = FeedText(plain: "nul \u{0} inside")
            let inserted = try await store.insertNew(feedID: feed.id, entries: [odd], discovered: Date())
            #expect(inserted.count == 1)
            #expect(try await store.articles(since: .distantPast, limit: 10).count == 1)
        }
    }

    @Test(arguments: StoreKind.tested)
    func syncFeedsKeepsIdsAndDeactivatesRemovedFeeds(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let first = try await store.syncFeeds([
                FeedSource(url: "https://a.example/f", name: "A"), FeedSource(url: "https://b.example/f"),
            ])
            _ = try await store.insertNew(feedID: first[1].id, entries: [entry(1)], discovered: Date())
            let second = try await store.syncFeeds([FeedSource(url: "https://a.example/f", name: "A renamed", tags: ["x"])])
            #expect(second.count == 1)
            #expect(second[0].id == first[0].id)
            #expect(second[0].name == "A renamed")
            #expect(second[0].tags == ["x"])
            #expect(try await store.activeFeeds() == second)
            // A feed that comes back keeps its id and its articles: nothing stored is lost.
            let third = try await store.syncFeeds([FeedSource(url: "https://b.example/f")])
            #expect(third[0].id == first[1].id)
            let again = try await store.insertNew(feedID: third[0].id, entries: [entry(1)], discovered: Date())
            #expect(again.isEmpty)
            try await store.updateFeedTitle(feedID: third[0].id, title: "B's title")
            let statuses = try await store.feedStatuses()
            #expect(statuses.map(\.feed.title) == ["B's title"])
            #expect(statuses.map(\.articleCount) == [1])
        }
    }

    @Test(arguments: StoreKind.tested)
    func fetchStateRoundTrips(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
            let initial = try await store.fetchState(feedID: feed.id)
            #expect(initial == FetchState())
            let next = Date(timeIntervalSince1970: 1_800_000_000)
            let state = FetchState(
                etag: "\"abc\"", lastModified: "Tue, 22 Mar 2016 09:30:00 GMT", lastFetched: next, lastSuccess: next,
                nextCheck: next.addingTimeInterval(1800), errorCount: 2, lastError: "HTTP 503 from example.org",
                lastStatus: 503, disabledReason: nil, movedTo: "https://example.org/new", lastFullFetch: next,
                nextCheckReason: "backing off 30m after 2 failures")
            try await store.saveFetchState(feedID: feed.id, state)
            #expect(try await store.fetchState(feedID: feed.id) == state)
            #expect(try await store.feedStatuses().first?.state == state)
            await #expect(throws: StoreError.self) { try await store.fetchState(feedID: 999) }
        }
    }

    @Test(arguments: StoreKind.tested)
    func matchesAreRecordedOnceAndCollectedIntoExactlyOneDigest(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f", name: "Example")]).first)
            let articles = try await store.insertNew(feedID: feed.id, entries: (1...3).map { entry($0) }, discovered: Date())
            let snippet = Snippet(parts: [.init(text: "a ", highlighted: false), .init(text: "missile", highlighted: true)])
            let matches = articles.map { TopicMatch(topicID: "missiles", articleID: $0.id, score: 1.5, snippets: [snippet], matched: Date()) }
            #expect(try await store.recordMatches(matches, topicNames: ["missiles": "Missile tests"]) == 3)
            #expect(try await store.recordMatches(matches, topicNames: ["missiles": "Missile tests"]) == 0)
            #expect(try await store.pendingMatchCount() == 3)

            let day1 = try await store.collectDigest(day: "2026-11-28", timeZone: "Europe/Berlin", now: Date())
            #expect(day1.matchCount == 3)
            #expect(try await store.pendingMatchCount() == 0)
            // Collecting again, or into another day, never moves or repeats a match.
            let day1Again = try await store.collectDigest(day: "2026-11-28", timeZone: "Europe/Berlin", now: Date())
            #expect(day1Again.id == day1.id && day1Again.matchCount == 3)
            let day2 = try await store.collectDigest(day: "2026-11-29", timeZone: "Europe/Berlin", now: Date())
            #expect(day2.matchCount == 0)

            let digest = try #require(try await store.digest(day: "2026-11-28"))
            #expect(digest.sections.count == 1)
            #expect(digest.sections[0].topic.name == "Missile tests")
            #expect(digest.sections[0].items.count == 3)
            #expect(digest.sections[0].items[0].feedName == "Example")
            #expect(digest.sections[0].items[0].snippets == [snippet])
            #expect(try await store.digest(day: "2000-01-01") == nil)
            #expect(try await store.digests().map(\.day) == ["2026-11-29", "2026-11-28"])
        }
    }

    @Test(arguments: StoreKind.tested)
    func articlesSinceAreNewestFirst(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
            let base = Date(timeIntervalSince1970: 1_800_000_000)
            for n in 1...4 {
                _ = try await store.insertNew(feedID: feed.id, entries: [entry(n)], discovered: base.addingTimeInterval(Double(n) * 60))
            }
            let recent = try await store.articles(since: base.addingTimeInterval(120), limit: 2)
            #expect(recent.map(\.title) == ["Title 4", "Title 3"])
            #expect(recent.first?.discovered == base.addingTimeInterval(240))
        }
    }
}

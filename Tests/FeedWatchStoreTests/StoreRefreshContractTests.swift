import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import Testing

/// `Store.storeRefresh`: one refresh's title, entries, stories, matches and fetch state in one
/// transaction, on SQLite and PostgreSQL alike.
@Suite struct StoreRefreshContractTests {
    static let topics = ["t": TopicReference(id: "t", name: "Topic T")]

    /// Every third new article matches; every new article joins story 1000 + its id / 2.
    static func derive(_ stored: StoredEntries) -> FeedRefreshDerivation {
        let articles = stored.new + stored.updated
        let matched = Date(timeIntervalSince1970: 1_790_000_000)
        return FeedRefreshDerivation(
            stories: Dictionary(uniqueKeysWithValues: stored.new.map { ($0.id, 1000 + $0.id / 2) }),
            matches: articles.enumerated().filter { $0.offset % 3 == 0 }.map {
                TopicMatch(topicID: "t", articleID: $0.element.id, score: 1, snippets: [], matched: matched)
            },
            completing: articles.map(\.id))
    }

    static func write(feedID: Int64, entries: [Entry], etag: String, title: String? = "Announced") -> FeedRefreshWrite {
        FeedRefreshWrite(
            feedID: feedID, title: title, entries: entries, discovered: Date(), state: FetchState(etag: etag, lastStatus: 200),
            topics: topics)
    }

    @Test(arguments: StoreKind.tested)
    func aRefreshStoresEntriesStoriesMatchesAndFetchStateTogether(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
            let first = try await store.storeRefresh(Self.write(feedID: feed.id, entries: (1...30).map { entry($0) }, etag: "v1")) {
                Self.derive($0)
            }
            #expect(first.entries.new.map(\.title) == (1...30).map { "Title \($0)" })
            #expect(first.newMatches == 10)
            #expect(try await store.fetchState(feedID: feed.id).etag == "v1")
            #expect(try await store.articlesPendingMatch(storedBefore: .distantFuture, limit: 100).isEmpty)
            #expect(try await store.pendingMatchCount() == 10)
            let stored = try await store.articles(since: .distantPast, limit: 100)
            #expect(stored.count == 30)
            #expect(stored.allSatisfy { $0.storyID == 1000 + $0.id / 2 })
            #expect(try await store.feedStatuses().first?.feed.title == "Announced")

            // The same document again plus two new entries: only those are new; nothing doubles.
            let second = try await store.storeRefresh(Self.write(feedID: feed.id, entries: (1...32).map { entry($0) }, etag: "v2")) {
                Self.derive($0)
            }
            #expect(second.entries.new.map(\.title) == ["Title 31", "Title 32"])
            #expect(second.newMatches == 1)
            #expect(try await store.fetchState(feedID: feed.id).etag == "v2")
            #expect(try await store.pendingMatchCount() == 11)
        }
    }

    /// Four refreshes of one new document at once, half through another handle (another
    /// daemon): the unique constraint makes each article new exactly once.
    @Test(arguments: StoreKind.tested)
    func concurrentRefreshesReportEachArticleOnce(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, openAnother in
            let other = try await openAnother()
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
            let entries = (1...40).map { entry($0) }
            let results = try await withThrowingTaskGroup(of: FeedRefreshResult.self) { group in
                for writer in 0..<4 {
                    let target = writer.isMultiple(of: 2) ? store : other
                    group.addTask {
                        try await target.storeRefresh(Self.write(feedID: feed.id, entries: entries, etag: "w\(writer)")) { Self.derive($0) }
                    }
                }
                var all: [FeedRefreshResult] = []
                for try await result in group { all.append(result) }
                return all
            }
            await other.close()
            let titles = results.flatMap(\.entries.new).map(\.title)
            #expect(titles.count == 40 && Set(titles).count == 40)
            #expect(try await store.pendingMatchCount() == 14)
        }
    }

    /// PostgreSQL: a refresh of a feed with no stored article is a fixed number of round trips
    /// whatever the document's length (BEGIN, lock and read the feed, one insert of every
    /// entry, one statement for stories, matches and fetch state, COMMIT).
    @Test(.requires(.postgres)) func aNewFeedsRefreshIsFiveRoundTripsOnPostgreSQL() async throws {
        try TestRequirement.postgres.check()
        try await withFreshStore(.postgres) { store, _ in
            let postgres = try #require(store as? PostgresStore)
            let feeds = try await store.syncFeeds([FeedSource(url: "https://example.org/a"), FeedSource(url: "https://example.org/b")])
            for (feed, count) in zip(feeds, [5, 200]) {
                let before = postgres.roundTrips
                let result = try await store.storeRefresh(
                    Self.write(feedID: feed.id, entries: (1...count).map { entry($0, feedTag: "\(feed.id)") }, etag: "v")
                ) { Self.derive($0) }
                #expect(result.entries.new.count == count)
                #expect(postgres.roundTrips - before == 5, "\(count) entries")
            }
        }
    }
}

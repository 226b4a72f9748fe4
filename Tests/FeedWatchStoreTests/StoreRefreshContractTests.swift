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
                    // Half of them insert settled (`derivesNewArticles`), which gives ids itself.
                    var write = Self.write(feedID: feed.id, entries: entries, etag: "w\(writer)")
                    write.derivesNewArticles = writer < 2
                    group.addTask { [write] in
                        try await target.storeRefresh(write) { Self.derive($0) }
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
            let stored = try await store.articles(since: .distantPast, limit: 100)
            #expect(stored.count == 40 && stored.allSatisfy { $0.storyID == 1000 + $0.id / 2 })
            #expect(try await store.articlesPendingMatch(storedBefore: .distantFuture, limit: 100).isEmpty)
        }
    }

    /// Four refreshes of one edited document at once, half through another handle: the edit
    /// is written and reported once (PostgreSQL rewrites an article only over the content its
    /// look-up saw), and every copy of the document still finds its articles known.
    @Test(arguments: StoreKind.tested)
    func concurrentRefreshesReportEachEditOnce(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, openAnother in
            let other = try await openAnother()
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
            let entries = (1...40).map { entry($0) }
            _ = try await store.storeRefresh(Self.write(feedID: feed.id, entries: entries, etag: "v1")) { Self.derive($0) }
            var edited = entries
            for index in stride(from: 0, to: 40, by: 4) { edited[index].title = "Edited \(index)" }
            let document = edited
            let results = try await withThrowingTaskGroup(of: FeedRefreshResult.self) { group in
                for writer in 0..<4 {
                    let target = writer.isMultiple(of: 2) ? store : other
                    group.addTask {
                        try await target.storeRefresh(Self.write(feedID: feed.id, entries: document, etag: "w\(writer)")) { Self.derive($0) }
                    }
                }
                var all: [FeedRefreshResult] = []
                for try await result in group { all.append(result) }
                return all
            }
            await other.close()
            #expect(results.flatMap(\.entries.new).isEmpty)
            let updated = results.flatMap(\.entries.updated).map(\.title)
            #expect(updated.sorted() == (0..<10).map { "Edited \($0 * 4)" }.sorted())
            let stored = try await store.articles(since: .distantPast, limit: 100)
            #expect(stored.count == 40)
            #expect(stored.filter { $0.title.hasPrefix("Edited") }.count == 10)
        }
    }

    /// Another daemon moves the feed to link identity after this one last stored it: this one's
    /// next refresh goes by the stored mode, not the one it remembered, and finds the articles
    /// by link (on PostgreSQL: one look-up more, then the usual write).
    @Test(arguments: StoreKind.tested)
    func aModeSwitchedByAnotherDaemonIsFollowed(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, openAnother in
            let other = try await openAnother()
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
            func document(_ fetch: Int) -> [Entry] {
                (1...4).map { Entry(id: "urn:uuid:\(fetch)-\($0)", title: "Title \($0)", link: "https://example.org/\($0)") }
            }
            let first = try await store.storeRefresh(Self.write(feedID: feed.id, entries: document(1), etag: "v1")) { Self.derive($0) }
            #expect(first.entries.new.count == 4 && first.entries.identityMode == .guid)
            let switched = try await other.storeRefresh(Self.write(feedID: feed.id, entries: document(2), etag: "v2")) { Self.derive($0) }
            await other.close()
            #expect(switched.entries.new.isEmpty && switched.entries.identityMode == .link)
            let before = (store as? PostgresStore)?.roundTrips
            let third = try await store.storeRefresh(
                Self.write(feedID: feed.id, entries: document(3) + [Entry(id: "urn:uuid:x", title: "Fresh", link: "https://example.org/9")], etag: "v3")
            ) { Self.derive($0) }
            #expect(third.entries.new.map(\.title) == ["Fresh"])
            #expect(third.entries.identityMode == .link && !third.entries.identityChanged)
            if let postgres = store as? PostgresStore, let before {
                #expect(postgres.roundTrips - before == 4, "a look-up for the remembered mode, one for the stored one, the write, the rest")
            }
            #expect(try await store.articles(since: .distantPast, limit: 100).count == 5)
        }
    }

    /// PostgreSQL: a refresh is at most three round trips whatever the document's length, for a
    /// feed with no stored article and for a known one: one look-up (the feed's identity mode,
    /// every entry's stored article), one write (the new entries inserted, the edited ones
    /// rewritten, the rest stamped as seen, under the feed's row lock), and one statement for
    /// stories, matches and fetch state. No BEGIN or COMMIT: each is its own transaction.
    @Test(.requires(.postgres)) func aRefreshIsAtMostThreeRoundTripsOnPostgreSQL() async throws {
        try TestRequirement.postgres.check()
        try await withFreshStore(.postgres) { store, _ in
            let postgres = try #require(store as? PostgresStore)
            let feeds = try await store.syncFeeds([FeedSource(url: "https://example.org/a"), FeedSource(url: "https://example.org/b")])
            for (feed, count) in zip(feeds, [5, 200]) {
                let entries = (1...count).map { entry($0, feedTag: "\(feed.id)") }
                func refresh(_ entries: [Entry], etag: String) async throws -> (FeedRefreshResult, Int) {
                    let before = postgres.roundTrips
                    let result = try await store.storeRefresh(Self.write(feedID: feed.id, entries: entries, etag: etag)) { Self.derive($0) }
                    return (result, postgres.roundTrips - before)
                }
                let (new, newTrips) = try await refresh(entries, etag: "v1")
                #expect(new.entries.new.count == count)
                #expect(newTrips == 3, "a new feed, \(count) entries")

                // Known: the first entry edited and two more.
                var edited = entries
                edited[0].title = "Edited"
                let (known, knownTrips) = try await refresh(
                    edited + [entry(count + 1, feedTag: "\(feed.id)"), entry(count + 2, feedTag: "\(feed.id)")], etag: "v2")
                #expect(known.entries.new.count == 2 && known.entries.updated.map(\.title) == ["Edited"])
                #expect(knownTrips == 3, "a known feed, \(count) entries")

                // Unchanged: nothing new or edited, the entries stamped as seen, the fetch state saved.
                let (same, sameTrips) = try await refresh(edited, etag: "v3")
                #expect(same.entries.new.isEmpty && same.entries.updated.isEmpty)
                #expect(sameTrips == 3, "an unchanged document, \(count) entries")
                #expect(try await store.fetchState(feedID: feed.id).etag == "v3")
            }
        }
    }

    /// `derivesNewArticles` is a hint: SQLite then writes a feed's first articles once, as the
    /// derivation settles them (round 0), and later ones inserted as their own story and
    /// matched, then corrected where the derivation says otherwise (round 1). Whatever the hint,
    /// each new article ends with the derivation's story (its own, another, none), stays pending
    /// exactly when the derivation does not complete it, and its matches are recorded; an entry
    /// the document repeats is stored once.
    @Test(arguments: StoreKind.tested)
    func aNewArticleEndsAsItsDerivationSaysWithOrWithoutTheHint(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feeds = try await store.syncFeeds([FeedSource(url: "https://example.org/hinted"), FeedSource(url: "https://example.org/plain")])
            // By position: own story (and a match); the first new article's story; no story; own
            // story but pending.
            @Sendable func derive(_ stored: StoredEntries) -> FeedRefreshDerivation {
                let first = stored.new.first?.id ?? 0
                var stories: [Int64: Int64] = [:]
                for (index, article) in stored.new.enumerated() where index % 4 != 2 {
                    stories[article.id] = index % 4 == 1 ? first : article.id
                }
                let matches = stored.new.enumerated().filter { $0.offset % 4 == 0 }.map {
                    TopicMatch(topicID: "t", articleID: $0.element.id, score: 1, snippets: [], matched: Date())
                }
                return FeedRefreshDerivation(
                    stories: stories, matches: matches,
                    completing: stored.new.enumerated().filter { $0.offset % 4 != 3 }.map(\.element.id))
            }
            var expected: [Int64: (story: Int64?, pending: Bool)] = [:]
            for (feed, hinted) in zip(feeds, [true, false]) {
                for round in 0..<2 {
                    var entries = (1...8).map { entry(round * 8 + $0, feedTag: "\(feed.id)") }
                    entries.insert(entries[2], at: 5)
                    var write = Self.write(feedID: feed.id, entries: entries, etag: "r\(round)")
                    write.derivesNewArticles = hinted
                    let result = try await store.storeRefresh(write) { derive($0) }
                    let new = result.entries.new
                    #expect(new.count == 8)
                    #expect(result.newMatches == 2)
                    for (index, article) in new.enumerated() {
                        expected[article.id] = (
                            index % 4 == 2 ? nil : index % 4 == 1 ? new[0].id : article.id, index % 4 == 3)
                    }
                }
            }
            let stored = try await store.articles(since: .distantPast, limit: 100)
            #expect(stored.count == 32)
            #expect(try await store.pendingMatchCount() == 8)
            let pending = Set(try await store.articlesPendingMatch(storedBefore: .distantFuture, limit: 100).map(\.id))
            for article in stored {
                let want = try #require(expected[article.id])
                #expect(article.storyID == want.story, "article \(article.id)")
                #expect(pending.contains(article.id) == want.pending, "article \(article.id)")
            }
        }
    }

    /// A feed's first refreshes under the hint (SQLite writes such a feed's new articles once,
    /// after the derivation): `maxNew` still bounds them, a first document without entries
    /// stores nothing and keeps the fetch state, and the next one is still a first.
    @Test(arguments: StoreKind.tested)
    func aFeedsFirstArticlesKeepTheirBoundAndAnEmptyFirstDocumentStoresNothing(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feeds = try await store.syncFeeds([FeedSource(url: "https://example.org/bounded"), FeedSource(url: "https://example.org/empty")])
            let bounded = feeds[0], empty = feeds[1]

            var write = Self.write(feedID: bounded.id, entries: (1...8).map { entry($0, feedTag: "b") }, etag: "b1")
            write.maxNew = 5
            write.derivesNewArticles = true
            let first = try await store.storeRefresh(write) { Self.derive($0) }
            #expect(first.entries.new.map(\.title) == (1...5).map { "Title \($0)" })
            #expect(first.entries.skippedNew == 3)
            #expect(first.newMatches == 2)
            let stored = try await store.articles(since: .distantPast, limit: 100)
            #expect(stored.map(\.title).sorted() == (1...5).map { "Title \($0)" }.sorted())
            #expect(stored.allSatisfy { $0.storyID == 1000 + $0.id / 2 })
            #expect(try await store.pendingMatchCount() == 2)

            var nothing = Self.write(feedID: empty.id, entries: [], etag: "e1")
            nothing.derivesNewArticles = true
            let none = try await store.storeRefresh(nothing) { Self.derive($0) }
            #expect(none.entries.new.isEmpty && none.newMatches == 0)
            #expect(try await store.fetchState(feedID: empty.id).etag == "e1")
            #expect(try await store.articles(since: .distantPast, limit: 100).count == 5)

            var later = Self.write(feedID: empty.id, entries: (1...3).map { entry($0, feedTag: "e") }, etag: "e2")
            later.derivesNewArticles = true
            let second = try await store.storeRefresh(later) { Self.derive($0) }
            #expect(second.entries.new.count == 3)
            #expect(second.newMatches == 1)
            #expect(try await store.fetchState(feedID: empty.id).etag == "e2")
            let all = try await store.articles(since: .distantPast, limit: 100)
            #expect(all.count == 8)
            #expect(all.allSatisfy { $0.storyID == 1000 + $0.id / 2 })
            #expect(try await store.pendingMatchCount() == 3)
        }
    }
}

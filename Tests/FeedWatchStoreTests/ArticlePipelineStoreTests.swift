import Foundation
import FeedWatchModel
import FeedWatchStore
import Testing

/// Identity rules, updates, stories in the digest, extraction results and retention, on both stores.
@Suite struct ArticlePipelineStoreTests {
    @Test(arguments: StoreKind.tested)
    func changedEntryIsAnUpdateNotANewArticle(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
            let first = try await store.storeEntries(feedID: feed.id, entries: [entry(1), entry(2)], discovered: Date())
            #expect(first.new.count == 2)
            var edited = entry(1)
            edited.summary = FeedText(plain: "Summary 1, corrected")
            let second = try await store.storeEntries(feedID: feed.id, entries: [edited, entry(2)], discovered: Date())
            #expect(second.new.isEmpty)
            #expect(second.updated.map(\.id) == [first.new[0].id])
            #expect(second.updated.first?.summary == "Summary 1, corrected")
            let third = try await store.storeEntries(feedID: feed.id, entries: [edited, entry(2)], discovered: Date())
            #expect(third.new.isEmpty && third.updated.isEmpty)
        }
    }

    /// An article is pending from the moment it is stored until its matches are recorded, so
    /// a failure between the two steps leaves it findable; an update makes it pending again.
    @Test(arguments: StoreKind.tested)
    func articlesArePendingUntilTheirMatchesAreRecorded(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
            let stored = Date()
            let first = try await store.storeEntries(feedID: feed.id, entries: [entry(1), entry(2), entry(3)], discovered: stored)
            let ids = first.new.map(\.id)
            #expect(try await store.articlesPendingMatch(storedBefore: stored.addingTimeInterval(1), limit: 10).map(\.id) == ids)
            // Taken only once old enough: a refresh in flight elsewhere is not raced.
            #expect(try await store.articlesPendingMatch(storedBefore: stored.addingTimeInterval(-1), limit: 10).isEmpty)
            #expect(try await store.articlesPendingMatch(storedBefore: stored.addingTimeInterval(1), limit: 2).map(\.id) == Array(ids.prefix(2)))

            // Article 1 matched, article 2 matched by nothing: both done; article 3 still waits.
            let match = TopicMatch(topicID: "t", articleID: ids[0], score: 1, snippets: [], matched: stored)
            #expect(try await store.recordMatches([match], topicNames: ["t": "T"], completing: [ids[0], ids[1]]) == 1)
            #expect(try await store.articlesPendingMatch(storedBefore: stored.addingTimeInterval(1), limit: 10).map(\.id) == [ids[2]])
            // Recording again (a sweep racing a refresh) adds nothing and stays done.
            #expect(try await store.recordMatches([match], topicNames: ["t": "T"], completing: [ids[0], ids[2]]) == 0)
            #expect(try await store.articlesPendingMatch(storedBefore: stored.addingTimeInterval(1), limit: 10).isEmpty)

            // An edited entry is matched again, so it is pending again until that is recorded.
            var edited = entry(2)
            edited.summary = FeedText(plain: "Summary 2, now about missiles")
            let later = stored.addingTimeInterval(5)
            let second = try await store.storeEntries(feedID: feed.id, entries: [entry(1), edited, entry(3)], discovered: later)
            #expect(second.updated.map(\.id) == [ids[1]])
            #expect(try await store.articlesPendingMatch(storedBefore: later.addingTimeInterval(-1), limit: 10).isEmpty)
            #expect(try await store.articlesPendingMatch(storedBefore: later.addingTimeInterval(1), limit: 10).map(\.id) == [ids[1]])
            // Pruning never deletes an article that still waits for its matches.
            #expect(try await store.prune(seenBefore: later.addingTimeInterval(60), digestedSeenBefore: .distantPast) == 1)
            #expect(try await store.articlesPendingMatch(storedBefore: later.addingTimeInterval(1), limit: 10).map(\.id) == [ids[1]])
        }
    }

    @Test(arguments: StoreKind.tested)
    func churningGuidsSwitchTheFeedToLinks(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
            func document(_ fetch: Int) -> [Entry] {
                (1...4).map { Entry(id: "urn:uuid:\(fetch)-\($0)", title: "Title \($0)", link: "https://example.org/\($0)?utm_source=rss&fetch=\(fetch)".replacingOccurrences(of: "&fetch=\(fetch)", with: "")) }
            }
            let first = try await store.storeEntries(feedID: feed.id, entries: document(1), discovered: Date())
            #expect(first.new.count == 4)
            #expect(first.identityMode == .guid)
            let second = try await store.storeEntries(feedID: feed.id, entries: document(2), discovered: Date())
            #expect(second.new.isEmpty, "fresh guids for known links are not new articles")
            #expect(second.identityChanged)
            #expect(second.identityMode == .link)
            let third = try await store.storeEntries(feedID: feed.id, entries: document(3) + [Entry(id: "urn:uuid:x", title: "Fresh", link: "https://example.org/9")], discovered: Date())
            #expect(third.new.map(\.title) == ["Fresh"])
            let status = try await store.feedStatuses()
            #expect(status.count == 1)
            #expect(status.first.map { $0.identityMode.rawValue } == "link")
        }
    }

    @Test(arguments: StoreKind.tested)
    func repeatedGuidWithinAFeedUsesGuidAndLink(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
            let entries = [
                Entry(id: "https://example.org/", title: "One", link: "https://example.org/1"),
                Entry(id: "https://example.org/", title: "Two", link: "https://example.org/2"),
            ]
            let stored = try await store.storeEntries(feedID: feed.id, entries: entries, discovered: Date())
            #expect(stored.new.map(\.title) == ["One", "Two"])
            #expect(stored.identityMode == .guidAndLink)
            let later = try await store.storeEntries(feedID: feed.id, entries: [entries[1]], discovered: Date())
            #expect(later.new.isEmpty)
        }
    }

    @Test(arguments: StoreKind.tested)
    func digestShowsEachStoryOnceWithTheOtherReports(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feeds = try await store.syncFeeds([
                FeedSource(url: "https://a.example/f", name: "Alpha"), FeedSource(url: "https://b.example/f", name: "Beta"),
                FeedSource(url: "https://c.example/f", name: "Gamma"),
            ])
            var articles: [Article] = []
            for (index, feed) in feeds.enumerated() {
                let entries = [Entry(id: "s\(index)", title: "Missile story from \(feed.name ?? "")", link: "https://x\(index).example/story")]
                articles += try await store.storeEntries(feedID: feed.id, entries: entries, discovered: Date()).new
            }
            let other = try await store.storeEntries(
                feedID: feeds[0].id, entries: [Entry(id: "other", title: "Other story", link: "https://x.example/other")], discovered: Date()).new
            let story = articles[0].id
            try await store.assignStories(Dictionary(uniqueKeysWithValues: articles.map { ($0.id, story) } + [(other[0].id, other[0].id)]))
            // Alpha and Beta matched the topic; Gamma carried the story without matching.
            let matched = [articles[0], articles[1], other[0]]
            let matches = matched.enumerated().map { index, article in
                TopicMatch(topicID: "missiles", articleID: article.id, score: 3 - Double(index), snippets: [], matched: Date())
            }
            _ = try await store.recordMatches(matches, topicNames: ["missiles": "Missiles"])
            _ = try await store.collectDigest(day: "2026-11-29", timeZone: "UTC", now: Date())
            let digest = try #require(try await store.digest(day: "2026-11-29"))
            let items = try #require(digest.sections.first?.items)
            #expect(items.map(\.title) == ["Missile story from Alpha", "Other story"])
            #expect(items[0].alsoReportedBy.map(\.feedName) == ["Beta", "Gamma"])
            #expect(items[0].alsoReportedBy.map(\.url) == ["https://x1.example/story", "https://x2.example/story"])
            #expect(items[1].alsoReportedBy.isEmpty)
        }
    }

    /// Each topic keeps the item of a story it ranks first (the read builds no other), and
    /// lists the story's other articles, the other topic's item among them.
    @Test(arguments: StoreKind.tested)
    func eachTopicKeepsItsOwnFirstItemOfAStory(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feeds = try await store.syncFeeds([
                FeedSource(url: "https://a.example/f", name: "Alpha"), FeedSource(url: "https://b.example/f", name: "Beta"),
            ])
            var articles: [Article] = []
            for (index, feed) in feeds.enumerated() {
                let entries = [Entry(id: "s\(index)", title: "Story from \(feed.name ?? "")", link: "https://x\(index).example/story")]
                articles += try await store.storeEntries(feedID: feed.id, entries: entries, discovered: Date()).new
            }
            try await store.assignStories(Dictionary(uniqueKeysWithValues: articles.map { ($0.id, articles[0].id) }))
            let snippet = Snippet(parts: [Snippet.Part(text: "missile", highlighted: true)])
            let matches = [
                TopicMatch(topicID: "a-missiles", articleID: articles[0].id, score: 2, snippets: [snippet], matched: Date()),
                TopicMatch(topicID: "a-missiles", articleID: articles[1].id, score: 1, snippets: [], matched: Date()),
                TopicMatch(topicID: "b-sanctions", articleID: articles[0].id, score: 1, snippets: [], matched: Date()),
                TopicMatch(topicID: "b-sanctions", articleID: articles[1].id, score: 2, snippets: [snippet], matched: Date()),
            ]
            _ = try await store.recordMatches(matches, topicNames: ["a-missiles": "Missiles", "b-sanctions": "Sanctions"])
            _ = try await store.collectDigest(day: "2026-11-29", timeZone: "UTC", now: Date())
            let digest = try #require(try await store.digest(day: "2026-11-29"))
            #expect(digest.sections.map(\.topic.id) == ["a-missiles", "b-sanctions"])
            #expect(digest.sections.map { $0.items.map(\.title) } == [["Story from Alpha"], ["Story from Beta"]])
            #expect(digest.sections.map { $0.items.map { $0.alsoReportedBy.map(\.feedName) } } == [[["Beta"]], [["Alpha"]]])
            #expect(digest.sections.allSatisfy { $0.items.first?.snippets == [snippet] })
        }
    }

    @Test(arguments: StoreKind.tested)
    func extractionResultsAreStoredOnTheArticle(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
            let new = try await store.storeEntries(feedID: feed.id, entries: [entry(1), entry(2)], discovered: Date()).new
            try await store.saveExtractions([
                ArticleExtractionRecord(articleID: new[0].id, fullText: "Full text of one.", note: nil),
                ArticleExtractionRecord(articleID: new[1].id, fullText: nil, note: "no discernible article"),
            ])
            let stored = try await store.articles(since: .distantPast, limit: 10).sorted { $0.id < $1.id }
            #expect(stored[0].fullText == "Full text of one.")
            #expect(stored[0].bestText == "Full text of one.")
            #expect(stored[1].fullText == nil)
            #expect(stored[1].extractionNote == "no discernible article")
            #expect(stored[1].bestText == "Summary 2")
        }
    }

    @Test(arguments: StoreKind.tested)
    func pruneKeepsDigestedArticlesLongerAndEntriesStillListed(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            let old = now.addingTimeInterval(-100 * 86_400)
            let ancient = now.addingTimeInterval(-400 * 86_400)
            let a = try await store.storeEntries(feedID: feed.id, entries: [entry(1), entry(2)], discovered: ancient).new
            let b = try await store.storeEntries(feedID: feed.id, entries: [entry(3), entry(4), entry(5)], discovered: old).new
            _ = try await store.recordMatches(
                [a[0], b[0]].map { TopicMatch(topicID: "t", articleID: $0.id, score: 1, snippets: [], matched: old) }, topicNames: [:],
                completing: (a + b).map(\.id))
            // Entry 4 is still in the feed today: seen recently, so kept.
            _ = try await store.storeEntries(feedID: feed.id, entries: [entry(4)], discovered: now)
            let deleted = try await store.prune(
                seenBefore: now.addingTimeInterval(-90 * 86_400), digestedSeenBefore: now.addingTimeInterval(-365 * 86_400))
            // Gone: 1 (matched, but past the digest retention), 2 (ancient), 5 (old, unmatched). Kept: 3 (matched), 4 (still listed).
            #expect(deleted == 3)
            let left = try await store.articles(since: .distantPast, limit: 10).map(\.title).sorted()
            #expect(left == ["Title 3", "Title 4"])
            let again = try await store.storeEntries(feedID: feed.id, entries: [entry(4)], discovered: now)
            #expect(again.new.isEmpty)
        }
    }
}

import Foundation
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Testing

/// A story carried by more feeds than a digest lists: both stores list its earliest sources up
/// to the bound and count the rest, in the whole day and in its pages alike.
@Suite struct SourcesPerStoryTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: StoreKind.tested)
    func aStoryListsItsEarliestSourcesAndCountsTheRest(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            // Eight feeds carry one story; the item shown is feed 5's (the best score).
            let feeds = try await store.syncFeeds((1...8).map { FeedSource(url: "https://f\($0).example/feed", name: "Feed \($0)") })
            var articles: [Article] = []
            for (index, feed) in feeds.enumerated() {
                articles += try await store.insertNew(
                    feedID: feed.id, entries: [entry(index + 1, feedTag: "f\(index + 1)")], discovered: Self.t0.addingTimeInterval(Double(index)))
            }
            let story = articles[0].id
            try await store.assignStories(Dictionary(uniqueKeysWithValues: articles.map { ($0.id, story) }))
            _ = try await store.recordMatches(
                articles.enumerated().map { index, article in
                    TopicMatch(topicID: "m", articleID: article.id, score: index == 4 ? 9 : 1, snippets: [], matched: Self.t0)
                },
                topicNames: ["m": "Missiles"])
            _ = try await store.collectDigest(day: "2027-01-01", timeZone: "UTC", now: Self.t0)

            let capped = try #require(try await store.digest(day: "2027-01-01", sourcesPerStory: 3))
            let item = try #require(capped.sections.first?.items.first)
            #expect(capped.sections[0].items.count == 1)
            #expect(item.articleID == articles[4].id)
            #expect(item.alsoReportedBy.map(\.feedName) == ["Feed 1", "Feed 2", "Feed 3"])
            #expect(item.alsoReportedMore == 4)

            let index = try #require(try await store.digestIndex(day: "2027-01-01"))
            let paged = try await store.digestItems(digestID: index.id, topicID: "m", articleIDs: [articles[4].id], sourcesPerStory: 3)
            #expect(paged.map(\.alsoReportedBy) == [item.alsoReportedBy])
            #expect(paged.map(\.alsoReportedMore) == [4])

            // The item's own article among the earliest is never one of its sources.
            let two = try await store.digestItems(digestID: index.id, topicID: "m", articleIDs: [articles[0].id], sourcesPerStory: 2)
            #expect(two.map { $0.alsoReportedBy.map(\.feedName) } == [["Feed 2", "Feed 3"]])
            #expect(two.map(\.alsoReportedMore) == [5])
            let whole = try #require(try await store.digest(day: "2027-01-01"))
            #expect(whole.sections[0].items[0].alsoReportedBy.map(\.feedName) == ["Feed 1", "Feed 2", "Feed 3", "Feed 4", "Feed 6", "Feed 7", "Feed 8"])
            #expect(whole.sections[0].items[0].alsoReportedMore == 0)
            let one = try #require(try await store.digest(day: "2027-01-01", sourcesPerStory: 4))
            #expect(one.sections[0].items[0].alsoReportedBy.map(\.feedName) == ["Feed 1", "Feed 2", "Feed 3", "Feed 4"])
            #expect(one.sections[0].items[0].alsoReportedMore == 3)
        }
    }

    /// A story larger than those whose copies a page sorts together
    /// (`SQLiteStore.storiesSortedTogether`, 64): its earliest sources are read on their own,
    /// and the page lists and counts them as for a small story next to it.
    @Test(arguments: StoreKind.tested)
    func aLargeStoryListsItsEarliestSourcesLikeASmallOne(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feeds = try await store.syncFeeds((1...75).map { FeedSource(url: "https://f\($0).example/feed", name: "Feed \($0)") })
            var articles: [Article] = []
            for (index, feed) in feeds.enumerated() {
                // Stored newest first: the earliest are the last feeds'.
                articles += try await store.insertNew(
                    feedID: feed.id, entries: [entry(index + 1, feedTag: "f\(index + 1)")],
                    discovered: Self.t0.addingTimeInterval(Double(feeds.count - index)))
            }
            // Feeds 1–70 carry one story; 71–75 another.
            let large = articles[0].id, small = articles[70].id
            try await store.assignStories(Dictionary(uniqueKeysWithValues: articles.enumerated().map { ($1.id, $0 < 70 ? large : small) }))
            _ = try await store.recordMatches(
                [TopicMatch(topicID: "m", articleID: articles[0].id, score: 2, snippets: [], matched: Self.t0),
                 TopicMatch(topicID: "m", articleID: articles[69].id, score: 0.5, snippets: [], matched: Self.t0),
                 TopicMatch(topicID: "m", articleID: articles[70].id, score: 1, snippets: [], matched: Self.t0)],
                topicNames: ["m": "Missiles"])
            _ = try await store.collectDigest(day: "2027-01-01", timeZone: "UTC", now: Self.t0)
            let index = try #require(try await store.digestIndex(day: "2027-01-01"))
            let paged = try await store.digestItems(
                digestID: index.id, topicID: "m", articleIDs: [articles[0].id, articles[70].id], sourcesPerStory: 3)
            #expect(paged.map(\.articleID) == [articles[0].id, articles[70].id])
            #expect(paged.map { $0.alsoReportedBy.map(\.feedName) } == [["Feed 70", "Feed 69", "Feed 68"], ["Feed 75", "Feed 74", "Feed 73"]])
            #expect(paged.map(\.alsoReportedMore) == [66, 1])
            // The large story's earliest article as the item: it is never its own source, and the
            // three after it are listed.
            let earliest = try await store.digestItems(digestID: index.id, topicID: "m", articleIDs: [articles[69].id], sourcesPerStory: 3)
            #expect(earliest.map { $0.alsoReportedBy.map(\.feedName) } == [["Feed 69", "Feed 68", "Feed 67"]])
            #expect(earliest.map(\.alsoReportedMore) == [66])
            let whole = try #require(try await store.digest(day: "2027-01-01", sourcesPerStory: 3))
            #expect(whole.sections[0].items.map(\.alsoReportedBy) == paged.map(\.alsoReportedBy))
            #expect(whole.sections[0].items.map(\.alsoReportedMore) == [66, 1])
        }
    }
}

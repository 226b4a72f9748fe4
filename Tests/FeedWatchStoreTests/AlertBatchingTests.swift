import Foundation
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Testing

/// Alerts inform instead of interrupt: at most one message per topic per interval, one line
/// per story, a bounded list; checked against SQLite and PostgreSQL alike.
@Suite struct AlertBatchingTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let policy = AlertPolicy(interval: 900, maxStories: 10)

    /// Stores `count` articles of one feed (numbered from `first`) and records an `urgent` match for each.
    static func match(_ store: any Store, feedID: Int64, _ range: ClosedRange<Int>, at: Date) async throws -> [Article] {
        let articles = try await store.insertNew(feedID: feedID, entries: range.map { entry($0) }, discovered: at)
        let matches = articles.map { TopicMatch(topicID: "urgent", articleID: $0.id, score: 2, snippets: [], matched: at) }
        try await store.recordMatches(matches, topicNames: ["urgent": "Urgent"])
        return articles
    }

    @Test(arguments: StoreKind.tested)
    func aBurstOf5000MatchesIsOneMessageAndTheRestWaitsForTheInterval(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f", name: "Example")]).first)
            let now = Self.now
            _ = try await Self.match(store, feedID: feed.id, 1...5000, at: now)
            // The first alert of a burst goes at once: one message, one delivery per notifier.
            let first = try await store.enqueueAlerts(topicIDs: ["urgent"], notifiers: ["hook", "mail"], timeZone: "UTC", at: now, policy: Self.policy)
            #expect(first.messages == 1 && first.deliveries == 2 && first.nextDue == nil)
            let due = try await store.dueDeliveries(now: now, limit: 10)
            #expect(due.count == 2)
            let payload = try #require(due.first?.payload)
            #expect(due.allSatisfy { $0.subject.hasPrefix("alert:urgent:") })
            #expect(payload.sections.count == 1)
            #expect(payload.sections[0].items.count == 10, "bounded list")
            #expect(payload.sections[0].moreCount == 4990, "and 4990 more")
            #expect(payload.sections[0].items.first?.title == "Title 1")

            // More matches within the interval wait, and say when they may go.
            _ = try await Self.match(store, feedID: feed.id, 5001...5003, at: now.addingTimeInterval(60))
            let held = try await store.enqueueAlerts(
                topicIDs: ["urgent"], notifiers: ["hook", "mail"], timeZone: "UTC", at: now.addingTimeInterval(60), policy: Self.policy)
            #expect(held.messages == 0 && held.nextDue == now.addingTimeInterval(900))
            let later = try await store.enqueueAlerts(
                topicIDs: ["urgent"], notifiers: ["hook", "mail"], timeZone: "UTC", at: now.addingTimeInterval(900), policy: Self.policy)
            #expect(later.messages == 1 && later.deliveries == 2)
            let second = try await store.dueDeliveries(now: now.addingTimeInterval(900), limit: 10).filter { $0.created > now }
            #expect(second.first?.payload?.sections.first?.items.map(\.title) == ["Title 5001", "Title 5002", "Title 5003"])
            #expect(second.first?.payload?.sections.first?.moreCount == 0)
            // Nothing left: nothing queued, nothing waiting.
            let idle = try await store.enqueueAlerts(
                topicIDs: ["urgent"], notifiers: ["hook", "mail"], timeZone: "UTC", at: now.addingTimeInterval(5000), policy: Self.policy)
            #expect(idle == AlertQueueing())
        }
    }

    @Test(arguments: StoreKind.tested)
    func oneLinePerStoryAndDismissedStoriesStayQuiet(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feeds = try await store.syncFeeds([FeedSource(url: "https://example.org/a", name: "A"), FeedSource(url: "https://example.org/b", name: "B")])
            let a = try await Self.match(store, feedID: feeds[0].id, 1...3, at: Self.now)
            let b = try await store.insertNew(feedID: feeds[1].id, entries: [entry(9, feedTag: "b")], discovered: Self.now)
            try await store.recordMatches([TopicMatch(topicID: "urgent", articleID: b[0].id, score: 1, snippets: [], matched: Self.now)],
                                          topicNames: ["urgent": "Urgent"])
            // A's first article and B's are one story; A's third is dismissed.
            try await store.assignStories([a[0].id: a[0].id, b[0].id: a[0].id])
            let dismissal = try #require(try await store.dismiss(articleID: a[2].id, topicID: "urgent", at: Self.now))
            #expect(dismissal.storyID == a[2].id && dismissal.title == "Title 3")
            #expect(try await store.dismiss(articleID: 999_999, topicID: "urgent", at: Self.now) == nil)
            #expect(try await store.dismissals().count == 1)

            let queued = try await store.enqueueAlerts(topicIDs: ["urgent"], notifiers: ["hook"], timeZone: "UTC", at: Self.now, policy: Self.policy)
            #expect(queued.messages == 1)
            let items = try #require(try await store.dueDeliveries(now: Self.now, limit: 5).first?.payload?.sections.first?.items)
            #expect(items.map(\.title) == ["Title 1", "Title 2"], "one line per story, the dismissed one left out")
            #expect(items[0].alsoReportedBy.map(\.feedName) == ["B"])
            #expect(items[0].storyID == a[0].id)
        }
    }

    @Test(arguments: StoreKind.tested)
    func healthIsFrozenWithTheDigestAndFeedsKnowWhenTheyWereAdded(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            #expect(try await store.firstFeedWatched() == nil)
            let before = Date().addingTimeInterval(-5)
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/a")]).first)
            let since = try #require(try await store.feedWatchedSince(feedID: feed.id))
            #expect(since >= before && since <= Date().addingTimeInterval(5))
            #expect(try await store.firstFeedWatched() == since)
            _ = try await store.insertNew(feedID: feed.id, entries: (1...3).map { entry($0) }, discovered: Self.now)
            #expect(try await store.feedActivity()[feed.id]?.entries == 3)
            _ = try await store.collectDigest(day: "2027-01-15", timeZone: "UTC", now: Self.now)
            #expect(try await store.digestHealth(day: "2027-01-15") == nil)
            #expect(try await store.recordDigestHealth(day: "2027-01-15", health: "{\"first\":1}") == "{\"first\":1}")
            #expect(try await store.recordDigestHealth(day: "2027-01-15", health: "{\"second\":2}") == "{\"first\":1}", "frozen")
            #expect(try await store.digestHealth(day: "2027-01-15") == "{\"first\":1}")
        }
    }
}

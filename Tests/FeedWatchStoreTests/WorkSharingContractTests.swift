import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import Testing

/// What several daemons sharing one store rely on, checked against SQLite and PostgreSQL.
/// Times are explicit arguments, never the wall clock, so nothing here depends on timing.
@Suite struct WorkSharingContractTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: StoreKind.tested)
    func aDueFeedIsLeasedToOneOwnerAtATime(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feeds = try await store.syncFeeds(feedSources(10))
            let a = try await store.claimDueFeeds(owner: "a", now: t0, lease: 60, limit: 4)
            #expect(a.map(\.id) == Array(feeds.prefix(4)).map(\.id))
            let b = try await store.claimDueFeeds(owner: "b", now: t0, lease: 60, limit: 100)
            #expect(b.map(\.id) == Array(feeds.suffix(6)).map(\.id))
            #expect(try await store.claimDueFeeds(owner: "c", now: t0.addingTimeInterval(59), lease: 60, limit: 100).isEmpty)
            // "a" finishes its feeds (next check in 30 minutes) and lets go; nothing is due.
            for feed in a {
                try await store.saveFetchState(feedID: feed.id, FetchState(lastFetched: t0, nextCheck: t0.addingTimeInterval(1800)))
            }
            try await store.releaseLeases(feedIDs: a.map(\.id), owner: "a")
            #expect(try await store.claimDueFeeds(owner: "c", now: t0.addingTimeInterval(10), lease: 60, limit: 100).isEmpty)
            // "b" died: its leases run out, and "c" takes exactly its feeds over.
            let c = try await store.claimDueFeeds(owner: "c", now: t0.addingTimeInterval(61), lease: 60, limit: 100)
            #expect(c.map(\.id) == b.map(\.id))
        }
    }

    @Test(arguments: StoreKind.tested)
    func releasingLeavesAnotherOwnersLeaseAlone(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feeds = try await store.syncFeeds(feedSources(2))
            _ = try await store.claimDueFeeds(owner: "a", now: t0, lease: 60, limit: 10)
            try await store.releaseLeases(feedIDs: feeds.map(\.id), owner: "somebody else")
            #expect(try await store.claimDueFeeds(owner: "b", now: t0.addingTimeInterval(1), lease: 60, limit: 10).isEmpty)
            try await store.releaseLeases(feedIDs: feeds.map(\.id), owner: "a")
            #expect(try await store.claimDueFeeds(owner: "b", now: t0.addingTimeInterval(1), lease: 60, limit: 10).count == 2)
        }
    }

    /// A claimed feed's fetch state reads back as stored (PostgreSQL answers it from the claim).
    @Test(arguments: StoreKind.tested)
    func aClaimedFeedsFetchStateIsTheStoredOne(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feed = try #require(try await store.syncFeeds(feedSources(1)).first)
            let state = FetchState(
                etag: "\"v2\"", lastFetched: t0, nextCheck: t0.addingTimeInterval(60), errorCount: 3, lastError: "timeout",
                lastStatus: 504, movedTo: "https://example.org/moved")
            try await store.saveFetchState(feedID: feed.id, state)
            let claimed = try await store.claimDueFeeds(owner: "a", now: t0.addingTimeInterval(61), lease: 60, limit: 1)
            #expect(claimed.map(\.id) == [feed.id])
            #expect(try await store.fetchState(feedID: feed.id) == state)
            #expect(try await store.fetchState(feedID: feed.id) == state)
        }
    }

    @Test(arguments: StoreKind.tested)
    func renewingKeepsALeaseOnlyForItsOwner(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feeds = try await store.syncFeeds(feedSources(2))
            _ = try await store.claimDueFeeds(owner: "a", now: t0, lease: 60, limit: 1)
            #expect(try await store.renewLeases(feedIDs: feeds.map(\.id), owner: "a", until: t0.addingTimeInterval(120)) == 1)
            // Past the first lease but within the renewed one: only the unleased feed is claimable.
            let b = try await store.claimDueFeeds(owner: "b", now: t0.addingTimeInterval(90), lease: 60, limit: 10)
            #expect(b.map(\.id) == [feeds[1].id])
            #expect(try await store.renewLeases(feedIDs: [feeds[1].id], owner: "a", until: t0.addingTimeInterval(500)) == 0)
        }
    }

    @Test(arguments: StoreKind.tested)
    func abandonedLeasesCanBeEndedByOwner(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            _ = try await store.syncFeeds(feedSources(6))
            _ = try await store.claimDueFeeds(owner: "host:1", now: t0, lease: 60, limit: 2)
            _ = try await store.claimDueFeeds(owner: "host:2", now: t0, lease: 60, limit: 2)
            _ = try await store.claimDueFeeds(owner: "old", now: t0.addingTimeInterval(-120), lease: 60, limit: 2)
            #expect(try await store.leaseOwners(now: t0) == ["host:1", "host:2"])
            #expect(try await store.releaseAllLeases(owners: ["host:1", "nobody"]) == 2)
            #expect(try await store.leaseOwners(now: t0) == ["host:2"])
            let again = try await store.claimDueFeeds(owner: "host:3", now: t0, lease: 60, limit: 10)
            #expect(again.count == 4)  // host:1's two, and the two whose lease ran out
        }
    }

    /// Many owners claiming at once, through two handles: every feed is claimed exactly once.
    @Test(arguments: StoreKind.tested)
    func concurrentClaimsAreDisjoint(kind: StoreKind) async throws {
        let t0 = self.t0
        try await withFreshStore(kind) { store, openAnother in
            let other = try await openAnother()
            let feeds = try await store.syncFeeds(feedSources(200))
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for owner in 0..<8 {
                    let target = owner.isMultiple(of: 2) ? store : other
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let batch = try await target.claimDueFeeds(owner: "owner-\(owner)", now: t0, lease: 300, limit: 7)
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.id)
                        }
                    }
                }
                var all: [Int64] = []
                for try await ids in group { all += ids }
                return all
            }
            await other.close()
            #expect(claimed.count == feeds.count)
            #expect(Set(claimed) == Set(feeds.map(\.id)))
        }
    }

    @Test(arguments: StoreKind.tested)
    func disabledAndInactiveFeedsAreNeverClaimed(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feeds = try await store.syncFeeds(feedSources(3))
            try await store.saveFetchState(feedID: feeds[0].id, FetchState(disabledReason: "HTTP 410 Gone"))
            _ = try await store.syncFeeds(Array(feedSources(3).prefix(2)))
            let claimed = try await store.claimDueFeeds(owner: "a", now: t0, lease: 60, limit: 10)
            #expect(claimed.map(\.id) == [feeds[1].id])
        }
    }

    @Test(arguments: StoreKind.tested)
    func nextClaimableDateIsTheEarliestCheckOrLeaseEnd(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            #expect(try await store.nextClaimableDate() == nil)
            let feeds = try await store.syncFeeds(feedSources(2))
            try await store.saveFetchState(feedID: feeds[0].id, FetchState(nextCheck: t0.addingTimeInterval(600)))
            try await store.saveFetchState(feedID: feeds[1].id, FetchState(nextCheck: t0.addingTimeInterval(300)))
            #expect(try await store.nextClaimableDate() == t0.addingTimeInterval(300))
            // Leased past its next check: claimable only when the lease ends.
            _ = try await store.claimDueFeeds(owner: "a", now: t0.addingTimeInterval(300), lease: 500, limit: 1)
            #expect(try await store.nextClaimableDate() == t0.addingTimeInterval(600))
        }
    }

    /// The status line's look at the schedule: one statement, whatever the number of feeds.
    @Test(arguments: StoreKind.tested)
    func theScheduleSummaryCountsFeedsFailuresAndDueOnes(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feeds = try await store.syncFeeds(feedSources(5))
            // 0: never checked (due); 1: due; 2: failing, next check later; 3: later; 4: disabled.
            try await store.saveFetchState(feedID: feeds[1].id, FetchState(nextCheck: t0.addingTimeInterval(-60)))
            try await store.saveFetchState(feedID: feeds[2].id, FetchState(nextCheck: t0.addingTimeInterval(900), errorCount: 2))
            try await store.saveFetchState(feedID: feeds[3].id, FetchState(nextCheck: t0.addingTimeInterval(300)))
            try await store.saveFetchState(feedID: feeds[4].id, FetchState(nextCheck: t0.addingTimeInterval(100), disabledReason: "gone"))
            #expect(try await store.feedScheduleSummary(now: t0) == FeedScheduleSummary(
                total: 5, failing: 1, due: 2, nextCheck: t0.addingTimeInterval(300)))
            #expect(try await store.feedScheduleSummary(now: t0.addingTimeInterval(1000)) == FeedScheduleSummary(
                total: 5, failing: 1, due: 4, nextCheck: nil))
        }
    }

    /// Five daemons try to build the same day's digest at once: exactly one does.
    @Test(arguments: StoreKind.tested)
    func eachDigestIsBuiltByExactlyOneCaller(kind: StoreKind) async throws {
        let t0 = self.t0
        try await withFreshStore(kind) { store, openAnother in
            let other = try await openAnother()
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
            let articles = try await store.insertNew(feedID: feed.id, entries: (1...4).map { entry($0) }, discovered: t0)
            let matches = articles.map { TopicMatch(topicID: "t", articleID: $0.id, score: 1, snippets: [], matched: t0) }
            try await store.recordMatches(matches, topicNames: ["t": "T"])
            let built = try await withThrowingTaskGroup(of: DigestRecord?.self) { group in
                for caller in 0..<5 {
                    let target = caller.isMultiple(of: 2) ? store : other
                    group.addTask { try await target.buildDigestOnce(day: "2027-01-15", timeZone: "UTC", now: t0) }
                }
                var all: [DigestRecord?] = []
                for try await r in group { all.append(r) }
                return all
            }
            await other.close()
            let winners = built.compactMap { $0 }
            #expect(winners.count == 1)
            #expect(winners.first?.matchCount == 4)
            #expect(try await store.buildDigestOnce(day: "2027-01-15", timeZone: "UTC", now: t0) == nil)
            #expect(try await store.digests().map(\.matchCount) == [4])
            #expect(try await store.pendingMatchCount() == 0)
        }
    }
}

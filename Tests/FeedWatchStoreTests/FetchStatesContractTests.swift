import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import Testing

/// Fetch states of many feeds at once (`fetchStates`, `saveFetchStates`): the same states as
/// one feed at a time, on SQLite and PostgreSQL alike.
@Suite struct FetchStatesContractTests {
    /// A state with every field set, its times off whole seconds (sub-microsecond too).
    static func state(_ number: Int) -> FetchState {
        let at = Date(timeIntervalSince1970: 1_800_000_000.123_456_7 + Double(number))
        return FetchState(
            etag: "\"v\(number)\"", lastModified: "Tue, 22 Mar 2016 09:30:0\(number) GMT", lastFetched: at, lastSuccess: at,
            nextCheck: at.addingTimeInterval(1800), errorCount: number, lastError: number == 0 ? nil : "HTTP 503 «busy» \"\(number)\"",
            lastStatus: 304, disabledReason: nil, movedTo: number == 2 ? "https://example.org/moved" : nil,
            lastFullFetch: at.addingTimeInterval(-60), nextCheckReason: "every 30m; ünïcode ✓ 'quoted'")
    }

    @Test(arguments: StoreKind.tested)
    func manyStatesRoundTripLikeOneAtATime(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feeds = try await store.syncFeeds((0..<6).map { FeedSource(url: "https://example.org/\($0)") })
            let ids = feeds.map(\.id)
            // Feeds 0–2 one at a time, feeds 3–5 in one group: the same states must come back.
            for number in 0..<3 { try await store.saveFetchState(feedID: ids[number], Self.state(number)) }
            try await store.saveFetchStates(Dictionary(uniqueKeysWithValues: (0..<3).map { (ids[$0 + 3], Self.state($0)) }))
            let read = try await store.fetchStates(feedIDs: ids + [999_999])
            #expect(read.count == 6, "an unknown feed is left out")
            for number in 0..<3 {
                #expect(read[ids[number + 3]] == read[ids[number]], "feed \(number): grouped and single saves store the same")
                #expect(read[ids[number]] == (try await store.fetchState(feedID: ids[number])))
                let expected = Self.state(number)
                let got = try #require(read[ids[number + 3]])
                #expect(got.etag == expected.etag && got.lastError == expected.lastError && got.movedTo == expected.movedTo)
                #expect(got.errorCount == number && got.nextCheckReason == expected.nextCheckReason)
                #expect(abs(got.nextCheck!.timeIntervalSince(expected.nextCheck!)) < 0.000_01)
            }
            // A group overwrites what is stored, and an empty group or read does nothing.
            try await store.saveFetchStates([ids[0]: FetchState(nextCheck: Date(timeIntervalSince1970: 1_900_000_000))])
            try await store.saveFetchStates([:])
            #expect(try await store.fetchStates(feedIDs: []).isEmpty)
            #expect(try await store.fetchState(feedID: ids[0]) == FetchState(nextCheck: Date(timeIntervalSince1970: 1_900_000_000)))
        }
    }

    /// A claimed batch's states come from the claim (PostgreSQL reads them there, once), and
    /// are the states stored.
    @Test(arguments: StoreKind.tested)
    func aClaimedBatchReadsItsStates(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let feeds = try await store.syncFeeds((0..<3).map { FeedSource(url: "https://example.org/\($0)") })
            try await store.saveFetchState(feedID: feeds[1].id, FetchState(etag: "\"e1\"", lastStatus: 200))
            let claimed = try await store.claimDueFeeds(owner: "a", now: Date(), lease: 60, limit: 2)
            #expect(claimed.count == 2)
            let read = try await store.fetchStates(feedIDs: feeds.map(\.id))
            #expect(read.count == 3)
            #expect(read[feeds[1].id]?.etag == "\"e1\"" && read[feeds[0].id] == FetchState() && read[feeds[2].id] == FetchState())
            // Read again (the claim's copies are handed out once): still the stored states.
            #expect(try await store.fetchStates(feedIDs: feeds.map(\.id)) == read)
        }
    }
}

import Dispatch
import FeedWatchModel
@testable import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import GRDB
import Testing

/// `SQLiteGroupCommit`: refreshes that queue behind a busy writer share one transaction, each
/// still all or nothing, and no transaction takes more than the configured number.
@Suite struct SQLiteGroupCommitTests {
    static let topics = ["t": TopicReference(id: "t", name: "Topic T")]

    /// Holds SQLite's writer until `release` is called, so that what is stored meanwhile queues.
    final class WriterHold: Sendable {
        private let gate = DispatchSemaphore(value: 0)

        init(_ store: SQLiteStore) async {
            await withCheckedContinuation { (held: CheckedContinuation<Void, Never>) in
                store.pool.asyncWriteWithoutTransaction { [gate] _ in
                    held.resume()
                    gate.wait()
                }
            }
        }

        func release() { gate.signal() }
    }

    /// A refresh of `feedID` with three new entries; `poisoned` also records a match of an
    /// article that does not exist, which the foreign key refuses after the entries are stored.
    static func refresh(_ store: SQLiteStore, feedID: Int64, tag: String, poisoned: Bool = false) async throws -> FeedRefreshResult {
        let write = FeedRefreshWrite(
            feedID: feedID, title: "Feed \(tag)", entries: (1...3).map { entry($0, feedTag: tag) }, discovered: Date(),
            state: FetchState(etag: "etag-\(tag)", lastStatus: 200), topics: topics)
        return try await store.storeRefresh(write) { stored in
            var matches = stored.new.map { TopicMatch(topicID: "t", articleID: $0.id, score: 1, snippets: [], matched: Date()) }
            if poisoned { matches.append(TopicMatch(topicID: "t", articleID: 987_654_321, score: 1, snippets: [], matched: Date())) }
            return FeedRefreshDerivation(
                stories: Dictionary(uniqueKeysWithValues: stored.new.map { ($0.id, $0.id) }), matches: matches,
                completing: stored.new.map(\.id))
        }
    }

    /// Starts one refresh per feed while the writer is held, waits until all but the first
    /// (already taken) are queued, releases the writer and returns each refresh's outcome.
    static func refreshAllBehindABusyWriter(
        _ store: SQLiteStore, feeds: [StoredFeed], poisoned: Int? = nil
    ) async throws -> [Int: Result<FeedRefreshResult, any Error>] {
        let hold = await WriterHold(store)
        return try await withThrowingTaskGroup(of: (Int, Result<FeedRefreshResult, any Error>).self) { group in
            for (index, feed) in feeds.enumerated() {
                group.addTask {
                    do {
                        return (index, .success(try await refresh(store, feedID: feed.id, tag: "\(index)", poisoned: index == poisoned)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            let deadline = Date().addingTimeInterval(30)
            while store.groupCommit.waitingWrites < feeds.count - 1, Date() < deadline {
                try await Task.sleep(nanoseconds: 2_000_000)
            }
            #expect(store.groupCommit.waitingWrites == feeds.count - 1)
            hold.release()
            var outcomes: [Int: Result<FeedRefreshResult, any Error>] = [:]
            for try await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
    }

    @Test func refreshesQueuedBehindABusyWriterCommitTogetherAndAFailingOneLosesOnlyItsOwn() async throws {
        let directory = try TemporaryDirectory(prefix: "fw-group")
        let store = try SQLiteStore(path: directory.path + "/feedwatch.sqlite", refreshesPerTransaction: 16)
        let feeds = try await store.syncFeeds(feedSources(10))
        let before = store.groupCommit.transactionsCommitted

        let outcomes = try await Self.refreshAllBehindABusyWriter(store, feeds: feeds, poisoned: 4)

        // The first refresh took the writer alone; the nine that queued behind it, one transaction.
        #expect(store.groupCommit.transactionsCommitted - before == 2)
        for (index, outcome) in outcomes {
            switch outcome {
            case .success(let result):
                #expect(index != 4)
                #expect(result.entries.new.count == 3)
                #expect(result.newMatches == 3)
            case .failure(let error):
                #expect(index == 4)
                #expect("\(error)".contains("FOREIGN KEY"), "the error names what failed: \(error)")
            }
        }
        // The poisoned refresh's articles, stories and fetch state were rolled back with it.
        let articles = try await store.articles(since: .distantPast, limit: 100)
        #expect(articles.count == 27)
        #expect(!articles.contains { $0.feedID == feeds[4].id })
        #expect(articles.allSatisfy { $0.storyID == $0.id })
        #expect(try await store.fetchState(feedID: feeds[4].id).etag == nil)
        #expect(try await store.fetchState(feedID: feeds[3].id).etag == "etag-3")
        #expect(try await store.pendingMatchCount() == 27)
        #expect(try await store.articlesPendingMatch(storedBefore: .distantFuture, limit: 100).isEmpty)

        // Stored again, the poisoned feed's entries are all new: nothing of it was kept.
        let again = try await Self.refresh(store, feedID: feeds[4].id, tag: "4")
        #expect(again.entries.new.count == 3)
    }

    @Test func aTransactionTakesAtMostTheConfiguredNumberOfRefreshes() async throws {
        let directory = try TemporaryDirectory(prefix: "fw-group")
        let store = try SQLiteStore(path: directory.path + "/feedwatch.sqlite", refreshesPerTransaction: 3)
        let feeds = try await store.syncFeeds(feedSources(10))
        let before = store.groupCommit.transactionsCommitted

        let outcomes = try await Self.refreshAllBehindABusyWriter(store, feeds: feeds)

        // One alone, then the nine queued three by three.
        #expect(store.groupCommit.transactionsCommitted - before == 4)
        #expect(outcomes.values.allSatisfy { (try? $0.get().entries.new.count) == 3 })
        #expect(try await store.articles(since: .distantPast, limit: 100).count == 30)
    }

    @Test func oneRefreshPerTransactionCommitsEachAlone() async throws {
        let directory = try TemporaryDirectory(prefix: "fw-group")
        let store = try SQLiteStore(path: directory.path + "/feedwatch.sqlite", refreshesPerTransaction: 1)
        let feeds = try await store.syncFeeds(feedSources(5))
        let before = store.groupCommit.transactionsCommitted
        _ = try await Self.refreshAllBehindABusyWriter(store, feeds: feeds)
        #expect(store.groupCommit.transactionsCommitted - before == 5)
    }
}

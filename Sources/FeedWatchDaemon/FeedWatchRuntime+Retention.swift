public import Foundation
import FeedWatchStore
import FeedWatchModel
import Logging

extension FeedWatchRuntime {
    /// How often the daemon runs retention: pruning is cheap but pointless more than daily.
    static let pruneInterval: TimeInterval = 86_400
    /// How often the daemon looks for articles whose matching was interrupted (one indexed
    /// query that finds nothing in the normal case).
    static let pendingMatchInterval: TimeInterval = 60
    /// The most interrupted articles one look matches (the rest wait for the next look).
    public static let pendingMatchBatch = 10_000

    /// How old an unmatched article must be before a sweep takes it. With SQLite the one
    /// daemon sweeps only between its own refreshes, so at once; with PostgreSQL another
    /// daemon may be between storing and matching that very article, so one lease.
    public var pendingMatchGrace: TimeInterval {
        if case .postgres = configuration.storage.database { return configuration.storage.lease.timeInterval }
        return 0
    }

    /// Matches the articles whose matching was interrupted (database failure or crash between
    /// storing and matching). A failure is logged and retried next time; it never stops the caller.
    public func matchPendingArticles(now: Date) async {
        do {
            _ = try await pipeline.matchPending(storedBefore: now.addingTimeInterval(-pendingMatchGrace), limit: Self.pendingMatchBatch)
        } catch {
            logger.error("cannot match articles whose matching was interrupted", metadata: ["error": "\(error)"])
        }
    }

    /// Deletes articles past `[storage] retention` (unmatched) and `digest_retention` (all), and
    /// logs how many. A failure is logged and retried next time; it never stops the caller.
    public func pruneArticles(now: Date) async {
        let storage = configuration.storage
        do {
            let deleted = try await store.prune(
                seenBefore: now.addingTimeInterval(-storage.retention.timeInterval),
                digestedSeenBefore: now.addingTimeInterval(-storage.digestRetention.timeInterval))
            if deleted > 0 {
                logger.info("old articles pruned", metadata: ["deleted": "\(deleted)"])
            }
        } catch {
            logger.error("cannot prune old articles", metadata: ["error": "\(error)"])
        }
    }
}

import Foundation
import FeedWatchStore

extension FeedWatchRuntime {
    /// How often the daemon runs retention: pruning is cheap but pointless more than daily.
    static let pruneInterval: TimeInterval = 86_400

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

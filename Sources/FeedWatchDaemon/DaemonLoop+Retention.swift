import Foundation
import FeedWatchStore

extension DaemonLoop {
    /// How often retention runs: pruning is cheap but pointless more than daily.
    static let pruneInterval: TimeInterval = 86_400

    /// Deletes articles past `[storage] retention` (unmatched) and `digest_retention` (all), and
    /// logs how many. A failure is logged and retried at the next interval; it never stops the loop.
    func pruneArticles(now: Date) async {
        let storage = runtime.configuration.storage
        do {
            let deleted = try await runtime.store.prune(
                seenBefore: now.addingTimeInterval(-storage.retention.timeInterval),
                digestedSeenBefore: now.addingTimeInterval(-storage.digestRetention.timeInterval))
            if deleted > 0 {
                runtime.logger.info("old articles pruned", metadata: ["deleted": "\(deleted)"])
            }
        } catch {
            runtime.logger.error("cannot prune old articles", metadata: ["error": "\(error)"])
        }
    }
}

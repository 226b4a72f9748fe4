@testable import FeedWatchDaemon
import FeedWatchModel
import FeedWatchStore
import Foundation

/// The tests' shorthands for refreshing stored feeds: through `schedule`, as the daemon's
/// claim does, then the production refresh. Not in the daemon, which never refreshes a feed
/// it has not scheduled.
extension FeedPipeline {
    /// Refreshes the configured ones of `feeds`.
    func refresh(_ feeds: [StoredFeed], now: @escaping @Sendable () -> Date = Date.init) async -> [FeedRefreshReport] {
        await refresh(schedule(feeds).scheduled, now: now)
    }

    /// Refreshes one stored feed with its configured settings; a feed the configuration does
    /// not name is not fetched, and the report says why.
    func refresh(_ feed: StoredFeed, now: @escaping @Sendable () -> Date = Date.init) async -> FeedRefreshReport {
        guard let scheduled = schedule([feed]).scheduled.first else {
            var report = FeedRefreshReport(feed: feed, status: nil, bytes: 0, seconds: 0, newArticles: 0, newMatches: 0, error: nil, warnings: [])
            report.error = "not in the configuration: not fetched"
            return report
        }
        return await refresh(scheduled, now: now)
    }
}

public import Foundation
public import FeedWatchModel
import FeedWatchStore
import Logging

/// Backfill: what a feed lists when it is first fetched is mostly its archive. Entries
/// published longer than `[fetch] backfill` before the feed was added are stored as seen (so
/// `topics test` finds them and they are never new again) but not matched, so day one brings
/// news, not weeks-old articles.
extension FeedPipeline {
    /// Entries of `feed` published before this are backfill; nil when everything is flagged
    /// (`backfill = "all"`, or the feed's start is unknown: flagging too much loses nothing).
    /// When the feed was added travels with it (`StoredFeed.watchedSince`, read with the feed
    /// when it is claimed or listed), so a refresh sends no query for it.
    func backfillCutoff(for feed: StoredFeed) -> Date? {
        guard let window = configuration.fetch.backfill, let since = feed.watchedSince else { return nil }
        return since.addingTimeInterval(-window.timeInterval)
    }

    /// The articles to match: those not published before `cutoff`. Undated ones count as new.
    public static func flaggable(_ articles: [Article], cutoff: Date?) -> [Article] {
        guard let cutoff else { return articles }
        return articles.filter { article in
            guard let published = article.published else { return true }
            return published >= cutoff
        }
    }
}

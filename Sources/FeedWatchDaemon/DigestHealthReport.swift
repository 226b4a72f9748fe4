import Foundation
import FeedWatchModel
import FeedWatchStore

/// Builds the health footer of a digest from what the store knows when it is published:
/// feeds failing (since their last success), feeds disabled and why, feeds silent for much
/// longer than they usually are, matches still waiting.
enum DigestHealthReport {
    /// A feed is silent when its newest entry is older than this many of its usual gaps…
    static let silentGaps = 4.0
    /// …and older than this, so a feed publishing hourly is not called silent after 4 hours.
    static let silentFloor: TimeInterval = 2 * 86400
    /// Fewer stored entries than this say nothing about a feed's rhythm.
    static let silentMinimumEntries = 3

    static func make(store: any Store, now: Date) async throws -> DigestHealth {
        let statuses = try await store.feedStatuses()
        let activity = try await store.feedActivity()
        var health = DigestHealth(pendingMatches: try await store.pendingMatchCount(), feedCount: statuses.count)
        for status in statuses {
            let name = status.feed.displayName
            if let reason = status.state.disabledReason {
                health.disabled.append(DigestHealth.Disabled(feedName: name, reason: visible(reason)))
            } else if status.state.errorCount > 0 {
                health.failing.append(DigestHealth.Failing(
                    feedName: name, lastSuccess: status.state.lastSuccess, errorCount: status.state.errorCount,
                    error: visible(status.state.lastError ?? "unknown error")))
            } else if let seen = activity[status.feed.id], let gap = usualGap(seen), isSilent(seen, gap: gap, now: now) {
                health.silent.append(DigestHealth.Silent(feedName: name, lastEntry: seen.newest, usualGap: gap))
            }
        }
        return health
    }

    /// `text` with control characters written out (`\x1B`): an error message may quote a
    /// document's bytes, and the footer goes into files and mails people open in terminals.
    static func visible(_ text: String) -> String { ControlText.escaped(text) }

    /// The mean gap between a feed's stored entries; nil when too few to tell.
    static func usualGap(_ activity: FeedActivity) -> Double? {
        guard activity.entries >= silentMinimumEntries else { return nil }
        let gap = activity.newest.timeIntervalSince(activity.oldest) / Double(activity.entries - 1)
        return gap > 0 ? gap : nil
    }

    static func isSilent(_ activity: FeedActivity, gap: Double, now: Date) -> Bool {
        now.timeIntervalSince(activity.newest) > max(silentGaps * gap, silentFloor)
    }

    static func encode(_ health: DigestHealth) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .secondsSince1970
        return (try? encoder.encode(health)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func decode(_ text: String) -> DigestHealth? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try? decoder.decode(DigestHealth.self, from: Data(text.utf8))
    }
}


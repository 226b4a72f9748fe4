import Foundation
import FeedWatchDigest
import FeedWatchModel
import FeedWatchStore
import Logging

/// The long-running loop of `feedwatch run`: refresh the feeds that are due, write the day's
/// digest once its time has come, sleep until the next thing is due. Cancelling the task
/// that runs it stops it between steps; store writes are transactions, so nothing is torn.
public struct DaemonLoop: Sendable {
    public let runtime: FeedWatchRuntime
    /// The longest the loop sleeps before looking again (also bounds reaction to clock jumps).
    public var maxSleep: TimeSpan = TimeSpan(seconds: 60)

    public init(runtime: FeedWatchRuntime) { self.runtime = runtime }

    public func run() async throws {
        let logger = runtime.logger
        let feeds = try await runtime.store.syncFeeds(runtime.configuration.feeds)
        logger.info("feedwatch started", metadata: ["feeds": "\(feeds.count)", "topics": "\(runtime.configuration.topics.count)"])
        var lastPrune: Date?
        while !Task.isCancelled {
            let now = Date()
            // Retention: once at start, then daily.
            if lastPrune.map({ now.timeIntervalSince($0) >= Self.pruneInterval }) ?? true {
                lastPrune = now
                await pruneArticles(now: now)
            }
            var due: [StoredFeed] = []
            var nextWake = now.addingTimeInterval(maxSleep.timeInterval)
            for feed in feeds {
                let state = try await runtime.store.fetchState(feedID: feed.id)
                guard state.disabledReason == nil else { continue }
                if let next = state.nextCheck, next > now {
                    nextWake = min(nextWake, next)
                } else {
                    due.append(feed)
                }
            }
            if !due.isEmpty {
                let reports = await runtime.pipeline.refresh(due)
                let articles = reports.reduce(0) { $0 + $1.newArticles }
                let matches = reports.reduce(0) { $0 + $1.newMatches }
                logger.info("cycle finished", metadata: [
                    "feeds": "\(reports.count)", "new_articles": "\(articles)", "new_matches": "\(matches)",
                    "failed_feeds": "\(reports.filter { $0.error != nil }.count)",
                ])
                continue
            }
            let digestAt = try await digestIfDue(now: now)
            nextWake = min(nextWake, digestAt)
            let delay = max(1, nextWake.timeIntervalSince(Date()))
            try? await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
        }
        logger.info("feedwatch stopping")
    }

    /// Writes today's digest if its local time has passed and it was not written yet.
    /// Returns when the next digest is due.
    func digestIfDue(now: Date) async throws -> Date {
        let clock = runtime.publisher.clock
        let digestConfig = runtime.configuration.digest
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = clock.timeZone
        // Set the wall-clock time rather than adding minutes to midnight, so the digest stays
        // at 07:00 local time on daylight-saving days.
        let todayAt = calendar.date(
            bySettingHour: digestConfig.minuteOfDay / 60, minute: digestConfig.minuteOfDay % 60, second: 0, of: now) ?? now
        let today = clock.day(of: now)
        if now >= todayAt {
            let existing = try await runtime.store.digests()
            if !existing.contains(where: { $0.day == today }) {
                let outputs = try await runtime.publisher.publish(now: now)
                for output in outputs {
                    runtime.logger.notice("digest written", metadata: ["path": "\(output.path)", "day": "\(today)"])
                }
            }
            let tomorrow = calendar.date(byAdding: .day, value: 1, to: now) ?? now.addingTimeInterval(86400)
            return calendar.date(
                bySettingHour: digestConfig.minuteOfDay / 60, minute: digestConfig.minuteOfDay % 60, second: 0, of: tomorrow)
                ?? now.addingTimeInterval(86400)
        }
        return todayAt
    }
}

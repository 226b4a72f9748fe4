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
        // Due feeds come from the store, leased to this daemon, so several daemons can share
        // one database (see FeedClaimer).
        let claimer = FeedClaimer(runtime: runtime)
        await claimer.reclaimAbandonedLeases()
        while !Task.isCancelled {
            let now = Date()
            var nextWake = now.addingTimeInterval(maxSleep.timeInterval)
            switch await claimer.step(pipeline: runtime.pipeline) {
            case .refreshed(let reports):
                let articles = reports.reduce(0) { $0 + $1.newArticles }
                let matches = reports.reduce(0) { $0 + $1.newMatches }
                logger.info("cycle finished", metadata: [
                    "feeds": "\(reports.count)", "new_articles": "\(articles)", "new_matches": "\(matches)",
                    "failed_feeds": "\(reports.filter { $0.error != nil }.count)",
                ])
                continue
            case .idle(let nextDue):
                if let nextDue { nextWake = min(nextWake, nextDue) }
            case .storeFailed(let retryAfter):
                nextWake = min(nextWake, now.addingTimeInterval(retryAfter))
            }
            do {
                nextWake = min(nextWake, try await digestIfDue(now: now))
            } catch {
                logger.error("cannot write the digest", metadata: ["error": "\(error)"])
            }
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
            // Only the daemon that builds the day's digest writes it (Store.buildDigestOnce).
            let outputs = try await runtime.publisher.publishOnce(now: now)
            for output in outputs {
                runtime.logger.notice("digest written", metadata: ["path": "\(output.path)", "day": "\(today)"])
            }
            let tomorrow = calendar.date(byAdding: .day, value: 1, to: now) ?? now.addingTimeInterval(86400)
            return calendar.date(
                bySettingHour: digestConfig.minuteOfDay / 60, minute: digestConfig.minuteOfDay % 60, second: 0, of: tomorrow)
                ?? now.addingTimeInterval(86400)
        }
        return todayAt
    }
}

import Foundation
import FeedWatchModel
import FeedWatchStore
import Logging
public import ServiceLifecycle
import FeedWatchFetching

/// The fetch → parse → store → match loop of `feedwatch run`: refreshes the feeds that are
/// due, then sleeps until the next one is (or a reload or shutdown wakes it).
///
/// A feed is due when its stored `next_check` has passed (or it has none yet); next-check
/// times live in the store, so a restart does not fetch everything at once. Due feeds are
/// claimed in batches with a lease (`FeedClaimer`), so daemons sharing one PostgreSQL
/// database split the work and each due feed is fetched once; with SQLite the one daemon
/// claims every due feed. Each batch is refreshed in a bounded window. On graceful
/// shutdown it takes no new feeds, running transfers are aborted, and the store transactions
/// already started complete; an aborted feed keeps its previous state.
public struct SchedulerService: Service {
    let context: DaemonContext
    /// The longest the loop sleeps before looking again (also bounds the reaction to clock jumps).
    public var maxSleep: Duration = .seconds(60)
    /// How long to wait before retrying when the store cannot be read.
    public var retryDelay: Duration = .seconds(10)

    /// The scheduler of the daemon sharing `context`.
    public init(context: DaemonContext) { self.context = context }

    /// Refreshes due feeds until graceful shutdown, then lets the feeds in flight finish their store steps.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await loop()
        } onGracefulShutdown: {
            context.beginStopping()
        }
        context.setLoop(.stopped)
    }

    private func loop() async {
        var lastPrune: Date?
        var lastPendingSweep: Date?
        // Due feeds come from the store, leased to this daemon, so several daemons can share
        // one database: each due feed is fetched by one of them (see `FeedClaimer`).
        // The store is kept across reloads (storage changes need a restart), so one claimer serves.
        let claimer = FeedClaimer(runtime: context.runtime)
        await claimer.reclaimAbandonedLeases()
        while !context.isStopping && !Task.isCancelled {
            let runtime = context.runtime
            // Retention: once at start, then daily.
            if lastPrune.map({ Date().timeIntervalSince($0) >= FeedWatchRuntime.pruneInterval }) ?? true {
                let now = Date()
                lastPrune = now
                await runtime.pruneArticles(now: now)
            }
            // Articles stored but never matched (the database or the process failed in between):
            // at start, then every minute. Between this daemon's own cycles, so none is in flight here.
            if lastPendingSweep.map({ Date().timeIntervalSince($0) >= FeedWatchRuntime.pendingMatchInterval }) ?? true {
                let now = Date()
                lastPendingSweep = now
                await runtime.matchPendingArticles(now: now)
            }
            let nextDue: Date?
            let started = ContinuousClock.now
            let context = context
            let step = await claimer.step(
                pipeline: runtime.pipeline,
                willRefresh: { _ in beginCycle(runtime) },
                onReport: { report in
                    context.metrics.record(report)
                    context.progressed()
                })
            switch step {
            case .refreshed(let reports):
                finishCycle(reports, runtime: runtime, started: started)
                // More may be due: claim again at once.
                continue
            case .storeFailed(let retryAfter):
                let delay = Duration.milliseconds(Int64(retryAfter * 1000))
                context.setLoop(.sleeping(until: .now + delay))
                await context.schedulerBell.wait(for: delay)
                continue
            case .idle(let next):
                nextDue = next
            }
            // Nothing left to claim: every due feed is fetched (here or by another daemon).
            context.markCaughtUp()
            if let plan = try? await Self.plan(runtime, now: Date()) {
                context.setFeedSummary(total: plan.total, failing: plan.failing, nextFetch: nextDue ?? plan.nextCheck)
            }
            var delay = maxSleep
            if let next = nextDue {
                delay = min(maxSleep, .milliseconds(Int64(max(0.5, next.timeIntervalSinceNow) * 1000)))
            }
            context.notify(SystemdNotifier.statusMessage(context.statusLine()))
            context.setLoop(.sleeping(until: .now + delay))
            await context.schedulerBell.wait(for: delay)
        }
    }

    /// One look at the schedule, for the status line: one statement whatever the number of
    /// feeds (it ran after every batch that left nothing to claim, so a statement per feed
    /// added one to three round trips per feed refreshed, with one to three daemons).
    static func plan(_ runtime: FeedWatchRuntime, now: Date) async throws -> FeedScheduleSummary {
        try await runtime.store.feedScheduleSummary(now: now)
    }

    /// Before a batch's first fetch: the fetcher is the one a shutdown aborts, and the
    /// watchdog counts progress from now.
    private func beginCycle(_ runtime: FeedWatchRuntime) {
        context.setNextFetch(Date())
        let fetcher = runtime.pipeline.fetcher
        if context.setCycleFetcher(fetcher) {
            // Shutdown began between claiming and now: take no work.
            fetcher.shutdown()
        }
        context.setLoop(.working(progress: .now))
    }

    /// After a batch: metrics, alerts woken, one log line.
    private func finishCycle(_ reports: [FeedRefreshReport], runtime: FeedWatchRuntime, started: ContinuousClock.Instant) {
        _ = context.setCycleFetcher(nil)
        let completed = reports.filter { !$0.cancelled }
        context.metrics.recordCycle()
        // Topics with `alert = true` are sent as soon as they match: wake the digest loop,
        // which queues and sends alerts, instead of letting them wait for its next check.
        if !runtime.configuration.digest.alertTopicIDs.isEmpty, completed.contains(where: { $0.newMatches > 0 }) {
            context.digestBell.ring()
        }
        runtime.logger.info("cycle finished", metadata: [
            "feeds": "\(completed.count)",
            "aborted_feeds": "\(reports.count - completed.count)",
            "failed_feeds": "\(completed.filter { $0.error != nil }.count)",
            "new_articles": "\(completed.reduce(0) { $0 + $1.newArticles })",
            "new_matches": "\(completed.reduce(0) { $0 + $1.newMatches })",
            "duration_seconds": "\(String(format: "%.2f", (ContinuousClock.now - started) / .seconds(1)))",
        ])
    }
}

import Foundation
import FeedWatchModel
import FeedWatchStore
import Logging
import Synchronization

/// Hands this daemon its share of the due feeds when several daemons share one database.
///
/// Each step claims a batch of due feeds with a lease (`Store.claimDueFeeds`), refreshes them
/// through the pipeline, and releases the leases once their fetch state is saved. A feed is
/// leased to one daemon at a time, so each due feed is fetched once; when a daemon dies, its
/// leases expire after `[storage] lease` and the other daemons take its feeds over. With one
/// daemon (or SQLite) the same steps simply claim every due feed.
public final class FeedClaimer: Sendable {
    public let store: any Store
    /// This daemon's name in the leases (`[storage] node_name`).
    public let owner: String
    public let lease: TimeSpan
    public let batchSize: Int
    /// The longest wait between attempts while the store is unavailable.
    public let maxBackoff: TimeInterval
    private let logger: Logger
    private let failures = Mutex(0)
    /// Feeds already reported as missing from this daemon's configuration.
    private let unconfiguredReported = Mutex<Set<String>>([])

    /// What one step did, and what the loop should do next.
    public enum Step: Sendable {
        /// A batch was refreshed; more may be due, so step again at once.
        case refreshed([FeedRefreshReport])
        /// Nothing is due now; the next feed becomes claimable at `nextDue` (nil: no feeds).
        case idle(nextDue: Date?)
        /// The store failed; try again after `retryAfter` seconds (growing while it keeps failing).
        case storeFailed(retryAfter: TimeInterval)
    }

    /// A claimer with the storage settings of `runtime`'s configuration.
    public convenience init(runtime: FeedWatchRuntime, maxBackoff: TimeInterval = 60) {
        let storage = runtime.configuration.storage
        self.init(
            store: runtime.store, owner: storage.nodeName, lease: storage.lease, batchSize: storage.claimBatch,
            maxBackoff: maxBackoff, logger: runtime.logger)
    }

    /// A claimer with explicit bounds.
    public init(store: any Store, owner: String, lease: TimeSpan, batchSize: Int, maxBackoff: TimeInterval, logger: Logger) {
        self.store = store
        self.owner = owner
        self.lease = lease
        self.batchSize = batchSize
        self.maxBackoff = maxBackoff
        self.logger = logger
    }

    /// Ends leases whose daemon is known to be gone, so their feeds are fetched now rather
    /// than when the leases run out: this daemon's own (same node name, after a restart), and
    /// those of dead processes on this host (the default name is `hostname:pid`). Leases of
    /// daemons on other hosts are left to run out. Failures are only logged.
    public func reclaimAbandonedLeases(now: Date = Date()) async {
        do {
            let host = ProcessInfo.processInfo.hostName + ":"
            let abandoned = try await store.leaseOwners(now: now).filter { owner in
                if owner == self.owner { return true }
                guard owner.hasPrefix(host), let pid = Int32(owner.dropFirst(host.count)) else { return false }
                // Signal 0 only asks whether the process exists.
                return kill(pid, 0) != 0 && errno == ESRCH
            }
            let released = try await store.releaseAllLeases(owners: abandoned)
            if released > 0 {
                logger.notice("took back abandoned fetch leases", metadata: ["feeds": "\(released)", "owners": "\(abandoned)"])
            }
        } catch {
            logger.warning("cannot check for abandoned fetch leases", metadata: ["error": "\(error)"])
        }
    }

    /// What one claim found.
    public enum Claim: Sendable {
        /// Feeds leased to this daemon, to refresh and then `release`.
        case feeds([StoredFeed])
        /// Nothing is due now; the next feed becomes claimable at `nextDue` (nil: no feeds).
        case idle(nextDue: Date?)
        /// The store failed; try again after `retryAfter` seconds (growing while it keeps failing).
        case storeFailed(retryAfter: TimeInterval)
    }

    /// Leases the next batch of due feeds to this daemon. Never throws: a store failure is
    /// logged once and turned into a backoff, because a database that is briefly away
    /// (restart, failover) must not stop the daemon; the feeds stay due and nothing is lost.
    public func claim(now: Date) async -> Claim {
        do {
            let claimed = try await store.claimDueFeeds(owner: owner, now: now, lease: lease.timeInterval, limit: batchSize)
            if claimed.isEmpty {
                let next = try await store.nextClaimableDate()
                recovered()
                return .idle(nextDue: next)
            }
            recovered()
            return .feeds(claimed)
        } catch {
            return failed(error)
        }
    }

    /// Ends this daemon's leases on `feeds` once their fetch state is saved.
    public func release(_ feeds: [StoredFeed]) async {
        do {
            try await store.releaseLeases(feedIDs: feeds.map(\.id), owner: owner)
        } catch {
            // Harmless: the saved next check keeps the feeds from being due, and the leases
            // run out by themselves.
            logger.warning("cannot release fetch leases", metadata: ["error": "\(error)", "feeds": "\(feeds.count)"])
        }
    }

    /// Claims one batch of due feeds and refreshes it through the pipeline's refresh loop, the
    /// daemon scheduler's one step. Each claimed feed is paired with its configured source once,
    /// here; `willRefresh` sees the batch before its first fetch, `onReport` each feed as it
    /// finishes.
    ///
    /// A claimed feed the running configuration does not name (another daemon sharing the
    /// database has it) is not fetched with made-up settings: its lease is kept until it runs
    /// out, so neither this daemon claims it again at once nor is it lost for the others.
    public func step(
        pipeline: FeedPipeline, now: @escaping @Sendable () -> Date = Date.init,
        willRefresh: ([ScheduledFeed]) -> Void = { _ in }, onReport: @escaping @Sendable (FeedRefreshReport) -> Void = { _ in }
    ) async -> Step {
        switch await claim(now: now()) {
        case .idle(let next): return .idle(nextDue: next)
        case .storeFailed(let delay): return .storeFailed(retryAfter: delay)
        case .feeds(let claimed):
            let (scheduled, unconfigured) = pipeline.schedule(claimed)
            reportUnconfigured(unconfigured)
            willRefresh(scheduled)
            let reports = await renewingLeases(of: scheduled.map(\.stored), now: now) {
                await pipeline.refresh(scheduled, now: now, onReport: onReport)
            } ?? []
            await release(scheduled.map(\.stored))
            return .refreshed(reports)
        }
    }

    /// Says once per feed that a claimed feed is not in this daemon's configuration.
    private func reportUnconfigured(_ feeds: [StoredFeed]) {
        let fresh = unconfiguredReported.withLock { seen in feeds.filter { seen.insert($0.url).inserted } }
        for feed in fresh {
            logger.warning("a feed in the shared database is not in this daemon's configuration: left to the daemons that have it", metadata: [
                "feed_url": "\(LogRedaction.url(feed.url))",
            ])
        }
    }

    /// Runs `work` (the refresh of `feeds`) while renewing their leases every third of a lease,
    /// so a batch that takes longer than one lease (slow hosts, per-host limits) keeps its
    /// feeds; a daemon that dies stops renewing, and its feeds are free one lease later.
    public func renewingLeases<T: Sendable>(
        of feeds: [StoredFeed], now: @escaping @Sendable () -> Date = Date.init, _ work: @escaping @Sendable () async -> T
    ) async -> T? {
        let ids = feeds.map(\.id)
        let period = max(1, lease.timeInterval / 3)
        return await withTaskGroup(of: T?.self) { group in
            group.addTask { await work() }
            group.addTask { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: UInt64(period * 1_000_000_000))
                    guard !Task.isCancelled else { break }
                    do {
                        try await store.renewLeases(feedIDs: ids, owner: owner, until: now().addingTimeInterval(lease.timeInterval))
                    } catch {
                        logger.warning("cannot renew fetch leases", metadata: ["error": "\(error)", "feeds": "\(ids.count)"])
                    }
                }
                return nil
            }
            var outcome: T?
            for await result in group {
                if let result {
                    outcome = result
                    group.cancelAll()
                }
            }
            return outcome
        }
    }

    private func recovered() {
        let previous = failures.withLock { count in
            defer { count = 0 }
            return count
        }
        if previous > 0 { logger.notice("store reachable again", metadata: ["failed_attempts": "\(previous)"]) }
    }

    private func failed(_ error: any Error) -> Claim {
        let count = failures.withLock { count in
            count += 1
            return count
        }
        // 1s, 2s, 4s … up to maxBackoff: quick recovery from a blip, little load on an outage.
        let delay = min(maxBackoff, pow(2, Double(min(count - 1, 30))))
        logger.error("cannot claim due feeds", metadata: [
            "error": "\(error)", "attempt": "\(count)", "retry_in": "\(Int(delay))s",
        ])
        return .storeFailed(retryAfter: delay)
    }
}

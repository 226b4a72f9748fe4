public import Foundation
import FeedWatchFetching
import FeedWatchStore
public import Logging
import Synchronization
import FeedWatchModel

/// What the services of one `feedwatch run` share: the runtime in force (swapped by a reload),
/// the live state the scheduler reports, metrics, and the systemd notifier.
///
/// Services never hold a runtime across cycles; they take `runtime` at the start of each
/// step, so a reload applies from the next step on and a step in flight finishes as it began.
public final class DaemonContext: Sendable {
    /// The configuration file, re-read on SIGHUP.
    public let configPath: String
    /// The daemon's logger (`--log-level`, journal-aware).
    public let logger: Logger
    /// The counters `/metrics` serves.
    public let metrics: MetricsRegistry
    /// Nil when not started by systemd with `Type=notify`.
    public let notifier: SystemdNotifier?
    /// The listen address fixed at start (changing it needs a restart).
    public let httpListen: ListenAddress?

    private let current: Mutex<FeedWatchRuntime>
    private let live: Mutex<LiveState>
    let schedulerBell = Doorbell()
    let digestBell = Doorbell()

    /// What the scheduler loop is doing, for the watchdog.
    enum LoopPhase: Sendable {
        case starting(since: ContinuousClock.Instant)
        /// Refreshing feeds; `progress` is when the last feed finished (or the cycle began).
        case working(progress: ContinuousClock.Instant)
        case sleeping(until: ContinuousClock.Instant)
        case stopped
    }

    struct LiveState {
        var loop: LoopPhase = .starting(since: .now)
        var stopping = false
        var stoppingAnnounced = false
        var feeds = 0
        var failingFeeds = 0
        var nextFetch: Date?
        var lastDigestDay: String?
        /// The scheduler has finished its first look at the feeds (and the cycle it started).
        var caughtUp = false
        var health = HealthReport(healthy: true, problems: [], checked: Date())
        /// Fetchers whose transfers must be aborted on shutdown (the runtime's, and the one an
        /// in-flight cycle uses if a reload replaced it).
        var cycleFetcher: Fetcher?
    }

    /// Wraps a freshly opened runtime.
    public init(runtime: FeedWatchRuntime, configPath: String, logger: Logger, metrics: MetricsRegistry = MetricsRegistry(),
                notifier: SystemdNotifier? = SystemdNotifier(), httpListen: ListenAddress? = nil) {
        self.configPath = configPath
        self.logger = logger
        self.metrics = metrics
        self.notifier = notifier
        self.httpListen = httpListen ?? runtime.configuration.http.listen
        self.current = Mutex(runtime)
        self.live = Mutex(LiveState())
    }

    /// The runtime in force.
    public var runtime: FeedWatchRuntime { current.withLock { $0 } }

    /// Puts a reloaded runtime in force and wakes the loops so they act on it now.
    func replaceRuntime(_ runtime: FeedWatchRuntime) {
        current.withLock { $0 = runtime }
        schedulerBell.ring()
        digestBell.ring()
    }

    // MARK: Start-up order

    /// Called by the scheduler once its first cycle after start is done (or nothing was due):
    /// a digest missed during downtime then includes what the catch-up cycle found.
    func markCaughtUp() {
        let first = live.withLock { state -> Bool in
            defer { state.caughtUp = true }
            return !state.caughtUp
        }
        if first { digestBell.ring() }
    }

    /// Whether the scheduler's first cycle is done.
    var isCaughtUp: Bool { live.withLock { $0.caughtUp } }

    // MARK: Shutdown

    /// True once graceful shutdown began: loops take no new work.
    var isStopping: Bool { live.withLock { $0.stopping } }

    /// Tells systemd (once) that the service is stopping: the first service asked to shut
    /// down calls it, so `STOPPING=1` goes out as soon as SIGTERM arrives.
    func announceStopping() {
        let first = live.withLock { state -> Bool in
            defer { state.stoppingAnnounced = true }
            return !state.stoppingAnnounced
        }
        if first { notify("STOPPING=1") }
    }

    /// Stops taking work: marks stopping, aborts running transfers (their feeds keep their
    /// previous state) and wakes the scheduler. Store transactions in flight complete.
    func beginStopping() {
        announceStopping()
        let fetchers = live.withLock { state -> [Fetcher] in
            guard !state.stopping else { return [] }
            state.stopping = true
            return [state.cycleFetcher].compactMap { $0 }
        }
        logger.notice("shutting down: no new fetches, aborting running transfers")
        runtime.pipeline.fetcher.shutdown()
        for fetcher in fetchers { fetcher.shutdown() }
        schedulerBell.ring()
    }

    // MARK: Live state

    func setLoop(_ phase: LoopPhase) { live.withLock { $0.loop = phase } }

    /// A feed finished: the loop is making progress.
    func progressed() {
        live.withLock { state in
            if case .working = state.loop { state.loop = .working(progress: .now) }
        }
    }

    func setCycleFetcher(_ fetcher: Fetcher?) -> Bool {
        live.withLock { state in
            state.cycleFetcher = fetcher
            return state.stopping
        }
    }

    func setFeedSummary(total: Int, failing: Int, nextFetch: Date?) {
        live.withLock {
            $0.feeds = total
            $0.failingFeeds = failing
            $0.nextFetch = nextFetch
        }
        metrics.setFeeds(total: total, failing: failing)
    }

    func setNextFetch(_ nextFetch: Date?) {
        live.withLock { $0.nextFetch = nextFetch }
    }

    func setLastDigest(day: String?, created: Date?) {
        live.withLock { $0.lastDigestDay = day }
        metrics.setLastDigest(created)
    }

    /// The latest health check's result (refreshed by `HealthService`).
    public var health: HealthReport { live.withLock { $0.health } }

    /// The one-line summary `STATUS=` and the log show.
    public func statusLine() -> String {
        let state = live.withLock { $0 }
        var parts = ["\(state.feeds) feeds", "\(state.failingFeeds) failing"]
        parts.append("next fetch " + (state.nextFetch.map(Self.clockTime) ?? "-"))
        parts.append("last digest " + (state.lastDigestDay ?? "none"))
        var line = parts.joined(separator: ", ")
        if !state.health.healthy { line += "; unhealthy: " + state.health.problems.joined(separator: "; ") }
        return line
    }

    /// `HH:MM:SSZ` in UTC (or the date too when it is not today), short enough for `systemctl status`.
    static func clockTime(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        var now = time_t(Date().timeIntervalSince1970)
        var today = tm()
        gmtime_r(&now, &today)
        let time = String(format: "%02d:%02d:%02dZ", parts.tm_hour, parts.tm_min, parts.tm_sec)
        if parts.tm_yday == today.tm_yday && parts.tm_year == today.tm_year { return time }
        return String(format: "%04d-%02d-%02dT", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday) + time
    }

    /// Sends one notify message if systemd listens; a failure is logged at debug level only,
    /// because a missing notify socket must never disturb the service itself.
    func notify(_ message: String) {
        guard let notifier else { return }
        do {
            try notifier.send(message)
        } catch {
            logger.debug("systemd notification failed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Health

    /// Checks that the scheduler loop is alive and the database answers a cheap read.
    func checkHealth() async -> HealthReport {
        let runtime = self.runtime
        var problems: [String] = []
        let loop = live.withLock { $0.loop }
        let stall = Self.stallLimit(runtime.configuration)
        let now = ContinuousClock.now
        switch loop {
        case .starting(let since):
            // Problems name the limit, not the elapsed time, so they stay the same from one
            // check to the next and are logged once.
            if now - since > stall { problems.append("the pipeline loop has not started within \(Self.seconds(stall))") }
        case .working(let progress):
            if now - progress > stall { problems.append("no feed finished within \(Self.seconds(stall)) (the pipeline loop is stuck)") }
        case .sleeping(let until):
            if now - until > Self.sleepGrace { problems.append("the pipeline loop overslept by more than \(Self.seconds(Self.sleepGrace))") }
        case .stopped:
            problems.append("the pipeline loop has stopped")
        }
        if case .sqlite(let path) = runtime.configuration.storage.database, !FileManager.default.fileExists(atPath: path) {
            problems.append("the database file \(path) no longer exists (was the state directory deleted?)")
        } else if let problem = await Self.probeDatabase(runtime.store, timeout: Self.databaseCheckTimeout) {
            problems.append(problem)
        }
        let report = HealthReport(healthy: problems.isEmpty, problems: problems, checked: Date())
        live.withLock { $0.health = report }
        return report
    }

    /// How long a working loop may go without a feed finishing before it counts as stuck:
    /// twice the fetch timeout (a transfer cannot take longer) plus a minute for parsing
    /// and storing. Follows `[fetch] timeout`.
    static func stallLimit(_ configuration: FeedWatchConfiguration) -> Duration {
        .seconds(2 * configuration.fetch.timeout.timeInterval + 60)
    }

    /// How late a sleeping loop may wake before it counts as stuck (scheduling delays on a
    /// loaded machine are seconds, not this).
    static let sleepGrace: Duration = .seconds(30)

    /// How long the database may take to answer the health read.
    static let databaseCheckTimeout: Duration = .seconds(5)

    /// A cheap read (the count of pending matches, served by a partial index) bounded by
    /// `timeout`; nil when the database answered.
    static func probeDatabase(_ store: any Store, timeout: Duration) async -> String? {
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do {
                    _ = try await store.pendingMatchCount()
                    return nil
                } catch {
                    return "the database does not answer: \(error)"
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return "the database did not answer within \(seconds(timeout))"
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    static func seconds(_ duration: Duration) -> String {
        "\(duration.components.seconds)s"
    }
}

/// The result of one health check: `/healthz` serves it, the watchdog pings only when healthy.
public struct HealthReport: Sendable, Hashable {
    /// Whether every check passed.
    public var healthy: Bool
    /// What is wrong, in plain words; empty when healthy.
    public var problems: [String]
    /// When the check ran.
    public var checked: Date
}

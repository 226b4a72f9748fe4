import Foundation
import FeedWatchStore
import Logging
import Synchronization

/// Opens the store when `feedwatch run` starts. A database server that cannot be reached yet
/// (PostgreSQL still booting or restarting, the network not up) is waited for with backoff,
/// 1 s doubling to a minute, up to `[storage] startup_wait`, instead of failing the start and
/// leaning on systemd's restart counter. Every other failure (bad password, no such
/// database, a migration error, a locked or corrupt SQLite file) fails at once: waiting does
/// not mend it.
///
/// While it waits, the daemon says why on stderr and in `STATUS=`, extends systemd's start
/// timeout (`EXTEND_TIMEOUT_USEC=`) so that `TimeoutStartSec=` does not kill a daemon that is
/// only waiting, and stops cleanly on SIGTERM or SIGINT.
public struct StoreStartup: Sendable {
    /// How a start ended.
    public enum Outcome: Sendable {
        /// The store is open and migrated.
        case opened(FeedWatchRuntime)
        /// SIGTERM or SIGINT arrived while waiting for the database.
        case stopped
    }

    public var configuration: FeedWatchConfiguration
    public var logger: Logger
    public var notifier: SystemdNotifier?
    /// The longest pause between two attempts.
    public var maxDelay: TimeInterval = 60

    public init(configuration: FeedWatchConfiguration, logger: Logger, notifier: SystemdNotifier?) {
        self.configuration = configuration
        self.logger = logger
        self.notifier = notifier
    }

    /// Opens the runtime, waiting for an unreachable database as described above.
    /// - Throws: the store's error when it is not `.unavailable`, or when `[storage] startup_wait`
    ///   has passed (the message then says how long it waited).
    public func open() async throws -> Outcome {
        let maxWait = configuration.storage.startupWait.timeInterval
        let started = ContinuousClock.now
        var attempt = 0
        var signals: StopSignals?
        defer { signals?.release() }
        while true {
            do {
                let runtime = try await FeedWatchRuntime.open(configuration: configuration, logger: logger)
                if attempt > 0 { logger.notice("database reachable", metadata: ["attempts": "\(attempt + 1)"]) }
                return .opened(runtime)
            } catch let error as StoreError where error.code == .unavailable {
                attempt += 1
                let waited = (ContinuousClock.now - started) / .seconds(1)
                guard waited < maxWait else {
                    guard attempt > 1 else { throw error }
                    throw StoreError(code: .unavailable, message: "\(error.message) (still unreachable after \(Int(waited))s; [storage] startup_wait = \(configuration.storage.startupWait))")
                }
                let delay = min(maxDelay, pow(2, Double(min(attempt - 1, 30))), max(0.1, maxWait - waited))
                logger.error("database unavailable; waiting for it", metadata: [
                    "error": "\(error.message)", "attempt": "\(attempt)", "retry_in": "\(String(format: "%.0f", delay))s",
                ])
                // The next attempt may itself take a connect and an operation timeout.
                var budget = delay + 30
                if case .postgres(let url) = configuration.storage.database,
                   let store = try? configuration.storage.postgres.storeConfiguration(url: url) {
                    budget += store.connectTimeout + store.operationTimeout
                }
                notify(SystemdNotifier.statusMessage("waiting for the database (attempt \(attempt)): \(error.message)"))
                notify("EXTEND_TIMEOUT_USEC=\(UInt64(budget * 1_000_000))")
                if signals == nil { signals = StopSignals() }
                if await signals?.wait(seconds: delay) == true {
                    logger.notice("stopped while waiting for the database")
                    return .stopped
                }
            }
        }
    }

    private func notify(_ message: String) {
        guard let notifier else { return }
        do {
            try notifier.send(message)
        } catch {
            logger.warning("cannot notify systemd", metadata: ["error": "\(error.description)"])
        }
    }
}

/// Set by the handlers `StopSignals` installs; an atomic store is async-signal-safe.
private let stopSignalArrived = Atomic<Bool>(false)

/// SIGTERM and SIGINT while no service group is running yet: either ends a wait early.
/// Plain handlers, not dispatch sources: libdispatch does not take a signal back cleanly
/// from a cancelled source, and the service group's own sources must get it later.
/// Released, the signals get their default action back, so a stop request between this
/// and the service group still ends the process.
struct StopSignals: Sendable {
    init() {
        stopSignalArrived.store(false, ordering: .relaxed)
        for number in [SIGTERM, SIGINT] {
            signal(number) { _ in stopSignalArrived.store(true, ordering: .relaxed) }
        }
    }

    /// Waits `seconds`, looking every 100 ms; true when a stop signal arrived.
    func wait(seconds: TimeInterval) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while !stopSignalArrived.load(ordering: .relaxed) && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        return stopSignalArrived.load(ordering: .relaxed)
    }

    func release() {
        signal(SIGTERM, SIG_DFL)
        signal(SIGINT, SIG_DFL)
    }
}

import Foundation
import Logging
public import ServiceLifecycle

/// Checks the daemon's health on a timer, keeps `STATUS=` current, and pings systemd's
/// watchdog (`WATCHDOG=1`) only while the check passes: the pipeline loop is alive and the
/// database answers. A daemon that hangs or loses its database is then restarted by systemd
/// instead of looking alive.
public struct HealthService: Service {
    let context: DaemonContext
    /// Time between checks: half of `WATCHDOG_USEC` when systemd set it (as `sd_watchdog_enabled(3)`
    /// advises), else this default, which also paces `/healthz` freshness.
    public var defaultInterval: Duration = .seconds(15)

    /// The health check of the daemon sharing `context`.
    public init(context: DaemonContext) { self.context = context }

    /// The check interval in force.
    public var interval: Duration {
        if let watchdog = context.notifier?.watchdogInterval { return max(.milliseconds(100), watchdog / 2) }
        return defaultInterval
    }

    /// Checks, reports and pings until graceful shutdown.
    public func run() async throws {
        let interval = self.interval
        var lastProblems: [String] = []
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let report = await context.checkHealth()
            if report.healthy {
                if context.notifier?.watchdogInterval != nil { context.notify("WATCHDOG=1") }
                if !lastProblems.isEmpty { context.logger.notice("healthy again") }
            } else if report.problems != lastProblems {
                // Logged when the problems change, not on every check, so the journal names
                // the cause once instead of flooding.
                context.logger.error("unhealthy, watchdog pings withheld", metadata: ["problems": "\(report.problems.joined(separator: "; "))"])
            }
            lastProblems = report.problems
            context.notify(SystemdNotifier.statusMessage(context.statusLine()))
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                break
            }
        }
    }
}

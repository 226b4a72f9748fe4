import Foundation
import FeedWatchStore
import Logging
public import ServiceLifecycle

/// Runs `DigestService.tick` (digests, alerts, deliveries) whenever it is due, with the
/// runtime in force at that moment.
///
/// Sleeps at most `maxSleep` so a wall-clock jump (suspend, NTP step) delays a digest by
/// at most that long; a reload wakes it so a changed `[digest] time` applies at once.
public struct DigestScheduleService: Service {
    let context: DaemonContext
    /// The longest sleep between checks.
    public var maxSleep: Duration = .seconds(60)
    /// How long to wait after a failed digest before trying again.
    public var retryDelay: Duration = .seconds(60)
    /// At start, how long the first digest waits for the scheduler's catch-up cycle, so a
    /// digest missed during downtime also holds what that cycle finds.
    public var catchUpWait: Duration = .seconds(600)

    /// The digest loop of the daemon sharing `context`.
    public init(context: DaemonContext) { self.context = context }

    /// Runs until graceful shutdown; failures are logged and retried after `retryDelay`.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await loop()
        } onGracefulShutdown: {
            context.announceStopping()
            context.digestBell.ring()
        }
    }

    private func loop() async {
        let waitUntil = ContinuousClock.now + catchUpWait
        while !context.isCaughtUp && !Task.isShuttingDownGracefully && !Task.isCancelled && ContinuousClock.now < waitUntil {
            await context.digestBell.wait(for: min(maxSleep, waitUntil - ContinuousClock.now))
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let runtime = context.runtime
            var delay = maxSleep
            do {
                let next = try await DigestService(runtime: runtime).tick(now: Date())
                let newest = try await runtime.store.digests().first
                context.setLastDigest(day: newest?.day, created: newest?.created)
                // STATUS= names the last digest as soon as it is written, not at the next health check.
                context.notify(SystemdNotifier.statusMessage(context.statusLine()))
                delay = min(maxSleep, .seconds(max(1, next.timeIntervalSinceNow)))
            } catch {
                runtime.logger.error("digest failed", metadata: ["error": "\(error)"])
                delay = retryDelay
            }
            await context.digestBell.wait(for: delay)
        }
    }
}

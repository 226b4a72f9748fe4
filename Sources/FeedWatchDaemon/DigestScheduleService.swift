import Foundation
import FeedWatchStore
import Logging
import ServiceLifecycle

/// The daily digest as one step: `tick(now:)` writes the digest if its time has come and says
/// when to call again.
///
/// This is the daemon's single entry point into digest code. The digest scheduling and
/// delivery work (a `DigestService` with the same `tick(now:) async throws -> Date` shape)
/// replaces this body when it is merged; nothing else in the daemon needs to change.
public struct DailyDigest: Sendable {
    /// The runtime whose store, publisher and digest settings the step uses.
    public let runtime: FeedWatchRuntime

    /// A digest step over `runtime`.
    public init(runtime: FeedWatchRuntime) { self.runtime = runtime }

    /// Writes today's digest if its local time has passed and it was not written yet.
    /// Returns when the next digest is due.
    public func tick(now: Date) async throws -> Date {
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

/// Runs `DailyDigest.tick` whenever it is due, with the runtime in force at that moment.
///
/// Sleeps at most `maxSleep` so a wall-clock jump (suspend, NTP step) delays a digest by
/// at most that long; a reload wakes it so a changed `[digest] time` applies at once.
public struct DigestScheduleService: Service {
    let context: DaemonContext
    /// The longest sleep between checks.
    public var maxSleep: Duration = .seconds(60)
    /// How long to wait after a failed digest before trying again.
    public var retryDelay: Duration = .seconds(60)

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
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let runtime = context.runtime
            var delay = maxSleep
            do {
                let next = try await DailyDigest(runtime: runtime).tick(now: Date())
                let newest = try await runtime.store.digests().first
                context.setLastDigest(day: newest?.day, created: newest?.created)
                delay = min(maxSleep, .seconds(max(1, next.timeIntervalSinceNow)))
            } catch {
                runtime.logger.error("digest failed", metadata: ["error": "\(error)"])
                delay = retryDelay
            }
            await context.digestBell.wait(for: delay)
        }
    }
}

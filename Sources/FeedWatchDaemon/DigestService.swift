public import Foundation
import FeedWatchDigest
import FeedWatchModel
public import FeedWatchStore
public import Logging

/// Digests and deliveries, driven by one entry point the run loop calls: `tick(now:)`.
///
/// Policy after downtime: when the daemon starts (or wakes) past a digest time whose digest
/// was not made, it makes that digest at once, covering every match since the previous one.
/// Several missed days give one digest, named after the latest missed day, not one per day.
/// Each step's failure is logged here, once, and retried on the next tick; it never stops
/// the daemon.
public struct DigestService: Sendable {
    public let publisher: StoredDigestPublisher
    public let schedule: DigestSchedule
    public let logger: Logger
    /// How old an unpublished digest must be before this daemon finishes it. Zero with one
    /// daemon (SQLite): a digest a crash left unpublished is finished at once. With several
    /// daemons sharing PostgreSQL it is `[storage] lease`, so a digest another daemon has
    /// just built (and is still writing) is left to it; one whose builder died is finished.
    public var finishGrace: TimeInterval = 0

    var configuration: DigestConfiguration { publisher.configuration }
    var store: any Store { publisher.store }

    public init(publisher: StoredDigestPublisher, logger: Logger) {
        self.publisher = publisher
        self.schedule = DigestSchedule(minuteOfDay: publisher.configuration.minuteOfDay, timeZone: publisher.clock.timeZone)
        self.logger = logger
    }

    /// The service of a runtime (its store, publisher and logger).
    public init(runtime: FeedWatchRuntime) {
        self.init(publisher: runtime.publisher, logger: runtime.logger)
        if case .postgres = runtime.configuration.storage.database {
            finishGrace = runtime.configuration.storage.lease.timeInterval
        }
    }

    /// Finishes digests a crash interrupted, makes the digest that is due, queues alerts and
    /// sends the deliveries that are due. Returns when it wants to run next.
    public func tick(now: Date) async throws -> Date {
        var wake = schedule.nextSlot(after: now)
        // Alerts first, once per tick: the digest collected next takes these matches, and
        // alerts only look at matches not yet in a digest. Until they are queued, no digest
        // collects matches (an alert would be lost); interrupted ones are still finished.
        var alertsQueued = true
        do {
            // A topic held back by `alert_interval` is sent when its interval has passed.
            if let due = try await queueAlerts(now: now).nextDue { wake = min(wake, due) }
        } catch {
            alertsQueued = false
            logger.error("alerts not queued", metadata: ["error": "\(error)"])
        }
        do {
            try await publishDue(now: now, collecting: alertsQueued)
        } catch {
            logger.error("digest not written", metadata: ["error": "\(error)", "directory": "\(configuration.directory)"])
        }
        do {
            // A full batch means more may be waiting: come back soon rather than at the next slot.
            if try await sendDueDeliveries(now: now) == configuration.deliveriesPerTick { wake = min(wake, now.addingTimeInterval(1)) }
        } catch {
            logger.error("deliveries not sent", metadata: ["error": "\(error)"])
        }
        return wake
    }

    /// Queues the alert messages of topics with `alert = true` that are due (at most one per
    /// topic per `alert_interval`), for every notifier that takes alerts. Must run before the
    /// matches are collected into a digest.
    @discardableResult
    public func queueAlerts(now: Date) async throws -> AlertQueueing {
        let queued = try await publisher.queueAlerts(now: now)
        if queued.messages > 0 {
            logger.info("alerts queued", metadata: ["messages": "\(queued.messages)", "deliveries": "\(queued.deliveries)"])
        }
        return queued
    }

    /// Attempts the deliveries due at `now` (at most `deliveries_per_tick`); returns how many
    /// were attempted. Failures are recorded on each delivery, not thrown.
    @discardableResult
    public func sendDueDeliveries(now: Date) async throws -> Int {
        let due = try await store.dueDeliveries(now: now, limit: configuration.deliveriesPerTick)
        for delivery in due { try await deliver(delivery, now: now) }
        return due.count
    }

    /// Publishes interrupted digests, then the due one if it was not made yet (and
    /// `collecting`: this tick's alerts are queued).
    func publishDue(now: Date, collecting: Bool = true) async throws {
        let records = try await store.digests()
        for record in records.reversed() where record.published == nil && now.timeIntervalSince(record.created) >= finishGrace {
            try await publish(day: record.day, now: now, collect: false)
        }
        let due = schedule.latestSlot(atOrBefore: now)
        let day = due.day.description
        // A digest made by hand later than the slot (`feedwatch digest`) counts as this one.
        if !collecting || records.contains(where: { $0.day == day || $0.created >= due.at }) { return }
        // A new installation never makes a digest for a day before it started watching (a
        // first start just after midnight with `time = "23:59"` would otherwise publish
        // yesterday's digest of what it just fetched): its first digest waits for the first
        // slot of a day it ran on, and covers everything since the first fetch.
        if records.isEmpty, let start = try await store.firstFeedWatched(), day < publisher.clock.day(of: start) { return }
        try await publish(day: day, now: now, collect: true)
    }

    private func publish(day: String, now: Date, collect: Bool) async throws {
        do {
            // Not `try await` inside `?:`: the 6.3.1 optimizer has crashed on that.
            let outputs: [DigestPublisher.WrittenFile]
            if collect {
                // Once across daemons sharing the store: nil means another daemon built it. The
                // tick queued this moment's alerts already, before anything is collected.
                guard let built = try await publisher.publishOnce(day: day, now: now) else {
                    logger.info("digest built by another daemon", metadata: ["day": "\(day)"])
                    return
                }
                outputs = built
            } else {
                outputs = try await publisher.finish(day: day, now: now)
            }
            logger.notice("digest published", metadata: ["day": "\(day)", "files": "\(outputs.count)"])
        } catch {
            // Kept for `status`; the digest stays unpublished and the next tick tries again.
            try? await store.recordDigestPublishFailure(day: day, error: "\(error)")
            throw error
        }
    }

    /// One attempt at one delivery; its outcome is recorded whatever happens.
    func deliver(_ delivery: Delivery, now: Date) async throws {
        guard let notifier = configuration.notifiers.first(where: { $0.name == delivery.notifier }) else {
            try await store.finishDeliveryAttempt(
                id: delivery.id, result: .failed(error: "notifier \(delivery.notifier) is no longer configured"), at: now)
            return
        }
        let result: DeliveryAttemptResult
        switch await attempt(delivery, notifier: notifier) {
        case .success:
            result = .sent
            logger.info("delivery sent", metadata: ["notifier": "\(notifier.name)", "subject": "\(delivery.subject)"])
        case .failure(let error):
            result = outcome(of: error, attempts: delivery.attempts + 1, notifier: notifier, now: now)
            logger.warning(
                "delivery failed",
                metadata: ["notifier": "\(notifier.name)", "subject": "\(delivery.subject)", "attempt": "\(delivery.attempts + 1)",
                           "error": "\(error.message)"])
        }
        try await store.finishDeliveryAttempt(id: delivery.id, result: result, at: now)
    }

    /// Renders and sends; a Result rather than a typed-throws do/catch, which crashes the
    /// Swift 6.3.1 SIL ownership verifier here.
    private func attempt(_ delivery: Delivery, notifier: NotifierConfiguration) async -> Result<Void, DeliveryError> {
        let notification: FeedWatchDigest.Notification
        switch await message(for: delivery, route: notifier.route) {
        case .success(let value): notification = value
        case .failure(let error): return .failure(error)
        }
        let outcome = await notifier.transport.sendResult(notification, timeout: notifier.timeout.timeInterval)
        if case .success = outcome { FaultInjection.reach(.afterSend) }
        return outcome
    }

    /// Retry with exponential backoff until the attempts are used up.
    func outcome(of error: DeliveryError, attempts: Int, notifier: NotifierConfiguration, now: Date) -> DeliveryAttemptResult {
        guard error.retryable, attempts < notifier.maxAttempts else {
            return .failed(error: error.retryable ? "\(error.message) (gave up after \(attempts) attempts)" : error.message)
        }
        let delay = min(notifier.maxRetryDelay.timeInterval, notifier.retryDelay.timeInterval * pow(2, Double(attempts - 1)))
        return .retry(error: error.message, next: now.addingTimeInterval(delay))
    }

    /// Renders what a delivery sends, from the store (digests) or its frozen payload (alerts).
    func message(for delivery: Delivery, route: NotificationRoute = .all) async -> Result<FeedWatchDigest.Notification, DeliveryError> {
        await publisher.notification(for: delivery, route: route)
    }
}

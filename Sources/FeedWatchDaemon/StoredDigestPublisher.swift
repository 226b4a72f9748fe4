public import Foundation
public import FeedWatchDigest
import FeedWatchModel
public import FeedWatchStore

/// Publishes the digests the store holds, exactly once:
///
/// 1. collect: pending matches are assigned to the digest of a day (one transaction);
/// 2. read the digest and what its formats list from the store, and render every configured
///    format (`FeedWatchDigest.DigestPublisher`, from those values);
/// 3. write each file atomically (temporary name, fsync, rename);
/// 4. mark the digest published and queue its deliveries (one transaction).
///
/// A crash after 1 leaves the digest unpublished; `finish` repeats 2–4, which renders the
/// same bytes again (rendering is a pure function of stored data) and queues each delivery
/// once (the outbox is unique per notifier and day). This type only moves values between the
/// store and the digest stage; what the files are and say belongs to `FeedWatchDigest`.
public struct StoredDigestPublisher: Sendable {
    /// `[digest]` and the notifiers.
    public let configuration: DigestConfiguration
    /// Where matches, digests and the delivery outbox are kept.
    public let store: any Store
    /// The digest stage: formats, file names, rendering, atomic writes, message bodies.
    public let publisher: DigestPublisher

    /// The digest time zone's calendar.
    public var clock: DigestClock { publisher.clock }

    /// A publisher of `store`'s digests; fails on an unknown `[digest] timezone`.
    public init(configuration: DigestConfiguration, store: any Store) throws(ConfigurationError) {
        guard let clock = DigestClock(timeZoneIdentifier: configuration.timeZone) else {
            throw ConfigurationError(file: "", problems: [ConfigurationProblem("digest.timezone", "unknown time zone \(configuration.timeZone)")])
        }
        self.configuration = configuration
        self.store = store
        self.publisher = DigestPublisher(settings: configuration.publishing, clock: clock)
    }

    /// Queues one delivery per new match of a topic with `alert = true`, for every notifier
    /// that takes alerts; returns how many were queued. Alerts only look at matches not yet in
    /// a digest, so this must run before they are collected.
    @discardableResult
    public func queueAlerts(now: Date) async throws -> Int {
        var queued = 0
        // One pass per set of topics notifiers take (`topics`): each gets only its topics' alerts.
        for route in configuration.alertRoutes() {
            queued += try await store.enqueueAlerts(
                topicIDs: route.topicIDs, notifiers: route.notifiers, timeZone: configuration.timeZone, at: now)
        }
        return queued
    }

    /// Queues alerts, collects pending matches into today's digest (in the digest time zone)
    /// and publishes it.
    public func publish(now: Date = Date()) async throws -> [DigestPublisher.Output] {
        try await publish(day: clock.day(of: now), now: now)
    }

    /// Queues alerts, collects pending matches into the digest of `day` and publishes it.
    public func publish(day: String, now: Date) async throws -> [DigestPublisher.Output] {
        try await queueAlerts(now: now)
        _ = try await store.collectDigest(day: day, timeZone: configuration.timeZone, now: now)
        FaultInjection.reach(.afterCollect)
        return try await finish(day: day, now: now)
    }

    /// The scheduled digest of `day` when several daemons may share the store: step 1 is
    /// `Store.buildDigestOnce`, so exactly one daemon collects the matches, writes the files
    /// and queues the deliveries. Returns nil when the digest already existed (another daemon,
    /// or an earlier run, built it; an unpublished one is finished by `finish`). The caller
    /// queues alerts first (`queueAlerts`), as `DigestService.tick` does once per tick.
    public func publishOnce(day: String, now: Date) async throws -> [DigestPublisher.Output]? {
        guard try await store.buildDigestOnce(day: day, timeZone: configuration.timeZone, now: now) != nil else { return nil }
        FaultInjection.reach(.afterCollect)
        return try await finish(day: day, now: now)
    }

    /// Steps 2–4 for a digest already collected. Safe to repeat.
    public func finish(day: String, now: Date) async throws -> [DigestPublisher.Output] {
        guard let edition = try await edition(day: day, formats: configuration.formats) else { return [] }
        let empty = publisher.skips(edition.digest)
        var outputs: [DigestPublisher.Output] = []
        if !empty {
            outputs = publisher.outputs(for: edition)
            FaultInjection.reach(.afterRender)
            try publisher.write(outputs)
            FaultInjection.reach(.afterWrite)
        }
        FaultInjection.reach(.beforeOutboxMark)
        let topics = Set(edition.digest.sections.filter { !$0.items.isEmpty }.map(\.topic.id))
        let notifiers = empty ? [] : configuration.notifierNames(for: .digest, topics: topics)
        try await store.markDigestPublished(day: day, notifiers: notifiers, at: now)
        return outputs
    }

    /// Renders the stored digest of `day` in `format`, exactly as the scheduled run wrote it;
    /// for `atom`, the feed as it was when that digest was the newest. Nil when there is no
    /// such digest.
    public func render(day: String, format: DigestFormat) async throws -> String? {
        guard let edition = try await edition(day: day, formats: [format]) else { return nil }
        return publisher.render(format, edition)
    }

    /// Writes every configured format of the stored digest of `day` again (atomically).
    public func write(day: String) async throws -> [DigestPublisher.Output] {
        guard let edition = try await edition(day: day, formats: configuration.formats) else { return [] }
        let outputs = publisher.outputs(for: edition)
        try publisher.write(outputs)
        return outputs
    }

    /// Writes one format of the stored digest of `day` again; returns its path, nil when
    /// there is no such digest.
    public func write(day: String, format: DigestFormat) async throws -> String? {
        guard let text = try await render(day: day, format: format) else { return nil }
        let path = path(day: day, format: format)
        try publisher.write([DigestPublisher.Output(format: format, path: path, contents: text)])
        return path
    }

    /// The path of `day`'s own file in `format`.
    public func path(day: String, format: DigestFormat) -> String { publisher.path(day: day, format: format) }

    /// What a delivery sends: the stored digest of its day, or an alert's frozen payload.
    func notification(for delivery: Delivery, route: NotificationRoute = .all) async -> Result<FeedWatchDigest.Notification, DeliveryError> {
        let digest: Digest
        let event: NotifierEvent
        if let day = delivery.digestDay {
            guard let stored = try? await store.digest(day: day) else { return .failure(DeliveryError("digest \(day) is not in the store")) }
            digest = stored
            event = .digest
        } else if let payload = delivery.payload {
            digest = payload
            event = .alert
        } else {
            return .failure(DeliveryError("delivery \(delivery.subject) has no content", retryable: false))
        }
        let id = FeedWatchDigest.Notification.deliveryID(number: delivery.id, key: delivery.subject)
        return .success(publisher.notification(event, of: digest, deliveryID: id, route: route))
    }

    /// The stored digest of `day` with what rendering `formats` reads besides it; nil when
    /// the store has no such digest.
    private func edition(day: String, formats: [DigestFormat]) async throws -> DigestEdition? {
        guard let digest = try await store.digest(day: day) else { return nil }
        let listed = publisher.listed(try await store.digests().map {
            DigestSummary(day: $0.day, matchCount: $0.matchCount, created: $0.created)
        })
        var stored: [String: Digest] = [:]
        for earlier in publisher.earlierDays(upTo: day, listed: listed, formats: formats) {
            stored[earlier] = try await store.digest(day: earlier)
        }
        return DigestEdition(digest: digest, listed: listed, stored: stored)
    }
}

extension DigestConfiguration {
    /// What the digest stage needs to know to write files.
    var publishing: DigestPublisher.Settings {
        DigestPublisher.Settings(directory: directory, formats: formats, skipEmpty: skipEmpty, atomEntries: atomEntries, baseURL: baseURL)
    }

    /// The notifiers that take `event`, in configuration order; with `topics`, only those
    /// whose `topics` include one of them.
    func notifierNames(for event: NotifierEvent, topics: Set<String>? = nil) -> [String] {
        notifiers.filter { notifier in
            notifier.events.contains(event) && (topics.map { notifier.route.takes(topicIDs: $0) } ?? true)
        }.map(\.name)
    }

    /// The alert topics each group of notifiers takes: notifiers without `topics` take every
    /// alert topic, the others the alert topics they name.
    func alertRoutes() -> [(topicIDs: [String], notifiers: [String])] {
        var routes: [(topicIDs: [String], notifiers: [String])] = []
        for notifier in notifiers where notifier.events.contains(.alert) {
            let topicIDs = alertTopicIDs.filter { notifier.route.takes(topicIDs: [$0]) }
            guard !topicIDs.isEmpty else { continue }
            if let index = routes.firstIndex(where: { $0.topicIDs == topicIDs }) {
                routes[index].notifiers.append(notifier.name)
            } else {
                routes.append((topicIDs, [notifier.name]))
            }
        }
        return routes
    }
}

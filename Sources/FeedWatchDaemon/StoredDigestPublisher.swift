public import Foundation
public import FeedWatchDigest
import FeedWatchModel
public import FeedWatchStore
import Synchronization

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

    /// The position of each configured topic, by id: digests list topics in this order.
    public let topicOrder: [String: Int]

    /// How the last publication read its day (its own, not the previous page's): pages, and
    /// the most items held at once.
    public let pageMeter = DigestPageMeter()

    /// Earlier days in their feed form (`DigestStories.feedForm`), kept across publications:
    /// a day that is over does not change, so the Atom feeds' 30 days are read from the store
    /// once, not on every cycle that brings a match.
    private let feedForms = FeedFormCache()

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
        var order: [String: Int] = [:]
        for (index, topic) in configuration.topics.enumerated() where order[topic.id] == nil { order[topic.id] = index }
        self.topicOrder = order
    }

    /// Queues the alert messages that are due: per topic with `alert = true`, at most one per
    /// `alert_interval`, one item per story, for every notifier that takes alerts. Alerts only
    /// look at matches not yet in a digest, so this must run before they are collected.
    @discardableResult
    public func queueAlerts(now: Date) async throws -> AlertQueueing {
        var total = AlertQueueing()
        // One pass per group of alert topics taken by the same notifiers (`topics`): each
        // topic is batched once, for every notifier that takes it.
        for route in configuration.alertRoutes() {
            let queued = try await store.enqueueAlerts(
                topicIDs: route.topicIDs, notifiers: route.notifiers, timeZone: configuration.timeZone, at: now,
                policy: configuration.alertPolicy)
            total.messages += queued.messages
            total.deliveries += queued.deliveries
            if let due = queued.nextDue { total.nextDue = min(total.nextDue ?? due, due) }
        }
        return total
    }

    /// Queues alerts, collects pending matches into today's digest (in the digest time zone)
    /// and publishes it.
    public func publish(now: Date = Date()) async throws -> [DigestPublisher.WrittenFile] {
        try await publish(day: clock.day(of: now), now: now)
    }

    /// Queues alerts, collects pending matches into the digest of `day` and publishes it.
    /// When nothing changed since it was published (no pending match, every configured file
    /// still there), nothing is read or rendered again and no file is returned: a cycle that
    /// found nothing new costs no work proportional to the day's matches.
    public func publish(day: String, now: Date) async throws -> [DigestPublisher.WrittenFile] {
        try await queueAlerts(now: now)
        if try await isCurrent(day: day) { return [] }
        _ = try await store.collectDigest(day: day, timeZone: configuration.timeZone, now: now)
        FaultInjection.reach(.afterCollect)
        return try await finish(day: day, now: now)
    }

    /// The scheduled digest of `day` when several daemons may share the store: step 1 is
    /// `Store.buildDigestOnce`, so exactly one daemon collects the matches, writes the files
    /// and queues the deliveries. Returns nil when the digest already existed (another daemon,
    /// or an earlier run, built it; an unpublished one is finished by `finish`). The caller
    /// queues alerts first (`queueAlerts`), as `DigestService.tick` does once per tick.
    public func publishOnce(day: String, now: Date) async throws -> [DigestPublisher.WrittenFile]? {
        guard try await store.buildDigestOnce(day: day, timeZone: configuration.timeZone, now: now) != nil else { return nil }
        FaultInjection.reach(.afterCollect)
        return try await finish(day: day, now: now)
    }

    /// Whether the published digest of `day` is what collecting and publishing it again
    /// would give: it is published, no match waits for a digest, and each configured
    /// format's file exists.
    func isCurrent(day: String) async throws -> Bool {
        guard try await store.digestPublished(day: day) != nil, try await store.pendingMatchCount() == 0 else { return false }
        return configuration.formats.allSatisfy { FileManager.default.fileExists(atPath: path(day: day, format: $0)) }
    }

    /// Steps 2–4 for a digest already collected. Safe to repeat: the health report is frozen
    /// with the digest the first time, so a repeat renders the same bytes.
    public func finish(day: String, now: Date) async throws -> [DigestPublisher.WrittenFile] {
        if try await store.digestHealth(day: day) == nil {
            let report = try await DigestHealthReport.make(store: store, now: now)
            _ = try await store.recordDigestHealth(day: day, health: DigestHealthReport.encode(report))
        }
        // Published before (a later cycle of the same day): the day was listed already, so
        // the previous day's page, whose "next" link points here, stays as it is. With
        // `skip_empty` an empty digest was not listed: rewrite it to be sure.
        let listedBefore = try await store.digestPublished(day: day) != nil && !configuration.skipEmpty
        // The day's index, not the day: its stories are read a page at a time as the files are written.
        guard let index = try await store.digestIndex(day: day) else { return [] }
        let empty = configuration.skipEmpty && index.matchCount == 0
        let topics = Set(index.sections.filter { !$0.entries.isEmpty }.map(\.topic.id))
        var outputs: [DigestPublisher.WrittenFile] = []
        if !empty {
            let shell = Digest(day: index.day, timeZone: index.timeZone, created: index.created, sections: [])
            let edition = try await edition(of: shell, formats: configuration.formats, readingPreviousPage: false).prepared()
            let plan = DigestPlan(inConfigurationOrder(index), dismissals: edition.dismissals)
            FaultInjection.reach(.afterRender)
            let publication = try publisher.publication(of: edition, outline: plan.outline, rewritingPreviousPage: false)
            let reading = try await feed(plan, digestID: index.id, to: publication)
            outputs = try publication.finish()
            if !listedBefore { outputs += try await rewritePreviousPage(of: edition) }
            // The day's reading, not the previous page's.
            pageMeter.record(reading)
            FaultInjection.reach(.afterWrite)
        }
        FaultInjection.reach(.beforeOutboxMark)
        let notifiers = empty ? [] : configuration.notifierNames(for: .digest, topics: topics)
        try await store.markDigestPublished(day: day, notifiers: notifiers, at: now)
        return outputs
    }

    /// Writes the HTML page of the listed day before `edition`'s again (its "next" link now
    /// points to `edition`'s day), reading that day a page at a time as well; nothing when
    /// HTML is not written or there is no such day.
    private func rewritePreviousPage(of edition: DigestEdition) async throws -> [DigestPublisher.WrittenFile] {
        guard configuration.formats.contains(.html), let day = edition.context(day: edition.digest.day).previousDay,
              let index = try await store.digestIndex(day: day)
        else { return [] }
        let shell = Digest(day: index.day, timeZone: index.timeZone, created: index.created, sections: [])
        var previous = edition
        previous.digest = shell
        let plan = DigestPlan(inConfigurationOrder(index), dismissals: edition.dismissals)
        guard let publication = try publisher.previousPagePublication(of: previous.prepared(), outline: plan.outline) else { return [] }
        try await feed(plan, digestID: index.id, to: publication)
        return try publication.finish()
    }

    /// Reads the stories `plan` lists from the store, `page_stories` at a time (and the copies
    /// folded into them as many at a time), and adds each to `publication` in order.
    @discardableResult
    private func feed(_ plan: DigestPlan, digestID: Int64, to publication: DigestPublication) async throws -> DigestPageMeter.Reading {
        let size = max(1, configuration.pageStories)
        var meter = DigestPageMeter.Reading()
        for section in plan.sections {
            publication.beginSection()
            var start = 0
            while start < section.stories.count {
                let page = section.stories[start..<min(start + size, section.stories.count)]
                start = page.endIndex
                let read = try await store.digestItems(digestID: digestID, topicID: section.topic.id, articleIDs: page.map(plan.articleID),
                    sourcesPerStory: configuration.maxSourcesPerStory)
                var items = Dictionary(read.map { ($0.articleID, $0) }, uniquingKeysWith: { first, _ in first })
                meter.page(items.count)
                // Copies of a story under other links or feeds (`DigestStories.mergeDuplicates`):
                // read a page at a time, each reduced to its sources at once.
                let folded = page.flatMap { story in plan.folded(story).map { (copy: $0, into: plan.articleID(story)) } }
                var seen: [Int64: Set<Digest.Link>] = [:]
                var chunk = 0
                while chunk < folded.count {
                    let part = folded[chunk..<min(chunk + size, folded.count)]
                    chunk = part.endIndex
                    let owner = Dictionary(part.map { ($0.copy, $0.into) }, uniquingKeysWith: { first, _ in first })
                    let copies = try await store.digestItems(digestID: digestID, topicID: section.topic.id, articleIDs: part.map(\.copy),
                        sourcesPerStory: configuration.maxSourcesPerStory)
                    meter.held(items.count + copies.count)
                    for copy in copies {
                        guard let into = owner[copy.articleID], var item = items[into] else { continue }
                        var sources = seen[into] ?? Set(item.alsoReportedBy)
                        DigestPlan.fold(copy, into: &item, seen: &sources)
                        seen[into] = sources
                        items[into] = item
                    }
                }
                for story in page {
                    guard let item = items.removeValue(forKey: plan.articleID(story)) else { continue }
                    publication.add(DigestStory(item: item, shownUnder: plan.shownUnder(story)))
                }
            }
            publication.endSection()
        }
        pageMeter.record(meter)
        return meter
    }

    /// Renders the stored digest of `day` in `format`, exactly as the scheduled run wrote it;
    /// for `atom`, the feed as it was when that digest was the newest. Nil when there is no
    /// such digest.
    public func render(day: String, format: DigestFormat) async throws -> String? {
        guard let edition = try await edition(day: day, formats: [format]) else { return nil }
        return publisher.render(format, edition)
    }

    /// Writes every configured format of the stored digest of `day` again (atomically).
    public func write(day: String) async throws -> [DigestPublisher.WrittenFile] {
        guard let edition = try await edition(day: day, formats: configuration.formats) else { return [] }
        return try publisher.publish(edition)
    }

    /// Writes one format of the stored digest of `day` again; returns its path, nil when
    /// there is no such digest.
    public func write(day: String, format: DigestFormat) async throws -> String? {
        guard let edition = try await edition(day: day, formats: [format]) else { return nil }
        let path = path(day: day, format: format)
        try publisher.write(format, edition, to: path)
        return path
    }

    /// The path of `day`'s own file in `format`.
    public func path(day: String, format: DigestFormat) -> String { publisher.path(day: day, format: format) }

    /// What a delivery sends: the stored digest of its day, or an alert's frozen payload.
    func notification(for delivery: Delivery, route: NotificationRoute = .all) async -> Result<FeedWatchDigest.Notification, DeliveryError> {
        let digest: Digest
        let event: NotifierEvent
        let id = FeedWatchDigest.Notification.deliveryID(number: delivery.id, key: delivery.subject)
        if let day = delivery.digestDay {
            guard let found = try? await edition(day: day, formats: []) else { return .failure(DeliveryError("digest \(day) is not in the store")) }
            return .success(publisher.notification(digestOf: found, deliveryID: id, route: route))
        } else if let payload = delivery.payload {
            digest = payload
            event = .alert
        } else {
            return .failure(DeliveryError("delivery \(delivery.subject) has no content", retryable: false))
        }
        return .success(publisher.notification(event, of: digest, deliveryID: id, route: route))
    }

    /// The stored digest of `day` with what rendering `formats` reads besides it; nil when
    /// the store has no such digest.
    ///
    /// Sections come in configuration order (topics no longer configured last, by id); each
    /// digest's period starts at the previous digest, the first one's at the first fetch.
    func edition(day: String, formats: [DigestFormat]) async throws -> DigestEdition? {
        guard let digest = try await store.digest(day: day, sourcesPerStory: configuration.maxSourcesPerStory) else { return nil }
        return try await edition(of: inConfigurationOrder(digest), formats: formats)
    }

    /// The edition of `digest` (the day's digest in configuration order, or only its day,
    /// zone and time when its stories come a page at a time) with what rendering `formats`
    /// reads besides it.
    /// Without `readingPreviousPage`, the previous day's page is left to the caller (it is
    /// not read, and publishing the edition does not write it).
    private func edition(of digest: Digest, formats: [DigestFormat], readingPreviousPage: Bool = true) async throws -> DigestEdition {
        let day = digest.day
        let records = try await store.digests()
        let counts = try await store.digestTopicCounts()
        let listed = publisher.listed(records.map { record in
            let topics = (counts[record.day] ?? []).sorted { (topicOrder[$0.topicID] ?? Int.max, $0.topicID) < (topicOrder[$1.topicID] ?? Int.max, $1.topicID) }
            return DigestSummary(
                day: record.day, matchCount: record.matchCount, created: record.created,
                topics: topics.map { DigestSummary.TopicTally(name: $0.name, count: $0.count) })
        })
        let firstWatched = try await store.firstFeedWatched()
        var stored: [String: Digest] = [:]
        var since: [String: Date] = [:]
        var health: [String: DigestHealth] = [:]
        let dismissals = try await store.dismissals()
        // The HTML page of the day before is written again (its "next" link): read in full.
        let previousPage = formats.contains(.html) ? listed.map(\.day).filter { $0 < day }.max() : nil
        let wanted = publisher.earlierDays(upTo: day, listed: listed, formats: formats)
        if !wanted.isEmpty { feedForms.keep(only: Set(wanted)) }
        for earlier in [day] + wanted {
            // Without `readingPreviousPage`, the page is written a page at a time after the day
            // (`rewritePreviousPage`): the day before is read in its feed form, like the others.
            if earlier == previousPage, readingPreviousPage, let found = try await store.digest(day: earlier, sourcesPerStory: configuration.maxSourcesPerStory) {
                stored[earlier] = inConfigurationOrder(found)
            } else if earlier != day, let record = records.first(where: { $0.day == earlier }) {
                if let form = feedForms.form(of: record) {
                    stored[earlier] = form
                } else if let found = try await store.digest(day: earlier, sourcesPerStory: configuration.maxSourcesPerStory) {
                    let form = DigestStories.feedForm(inConfigurationOrder(found), dismissals: dismissals, limit: publisher.feedStoryLimit)
                    feedForms.remember(form, of: record)
                    stored[earlier] = form
                }
            }
            // Records are newest first: the next one after this day's is the previous digest.
            since[earlier] = records.first(where: { $0.day < earlier })?.created ?? firstWatched
            if let text = try await store.digestHealth(day: earlier), let report = DigestHealthReport.decode(text) { health[earlier] = report }
        }
        return DigestEdition(
            digest: digest, listed: listed, stored: stored, since: since, health: health,
            dismissals: dismissals)
    }

    /// `index` with its sections in configuration order and the configured names' order noted
    /// (as `inConfigurationOrder(_: Digest)`).
    func inConfigurationOrder(_ index: DigestIndex) -> DigestIndex {
        var ordered = index
        for position in ordered.sections.indices {
            ordered.sections[position].topic.order = topicOrder[ordered.sections[position].topic.id]
        }
        ordered.sections.sort { a, b in Self.listedBefore(a.topic, b.topic) }
        return ordered
    }

    /// Whether a section of `a` comes before one of `b`: configured topics in configuration
    /// order, then the others by id.
    static func listedBefore(_ a: TopicReference, _ b: TopicReference) -> Bool {
        switch (a.order, b.order) {
        case let (x?, y?): return x < y
        case (_?, nil): return true
        case (nil, _?): return false
        case (nil, nil): return a.id < b.id
        }
    }

    /// `digest` with its sections in configuration order and the configured names' order noted.
    func inConfigurationOrder(_ digest: Digest) -> Digest {
        var ordered = digest
        for index in ordered.sections.indices {
            ordered.sections[index].topic.order = topicOrder[ordered.sections[index].topic.id]
        }
        ordered.sections.sort { a, b in Self.listedBefore(a.topic, b.topic) }
        return ordered
    }
}

extension DigestConfiguration {
    /// What the digest stage needs to know to write files.
    var publishing: DigestPublisher.Settings {
        var settings = DigestPublisher.Settings(
            directory: directory, formats: formats, skipEmpty: skipEmpty, atomEntries: atomEntries, baseURL: baseURL,
            maxStoriesPerTopic: maxStoriesPerTopic)
        settings.topics = topics
        return settings
    }

    /// How alerts are batched: `alert_interval` and `alert_max_stories`.
    var alertPolicy: AlertPolicy {
        AlertPolicy(interval: alertInterval.timeInterval, maxStories: alertMaxStories)
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
        // Grouped by topic, so that each topic is in one group (its matches are batched and
        // marked alerted once), for every notifier that takes it.
        for topicID in alertTopicIDs {
            let names = notifiers.filter { $0.events.contains(.alert) && $0.route.takes(topicIDs: [topicID]) }.map(\.name)
            guard !names.isEmpty else { continue }
            if let index = routes.firstIndex(where: { $0.notifiers == names }) {
                routes[index].topicIDs.append(topicID)
            } else {
                routes.append(([topicID], names))
            }
        }
        return routes
    }
}

/// Earlier days' feed forms by day, each valid for the digest record it was read from (a day
/// that gained matches after a late collection is read again).
final class FeedFormCache: Sendable {
    private struct Entry {
        var created: Date
        var matchCount: Int
        var form: Digest
    }
    private let entries = Mutex<[String: Entry]>([:])

    func form(of record: DigestRecord) -> Digest? {
        entries.withLock { entries in
            guard let entry = entries[record.day], entry.created == record.created, entry.matchCount == record.matchCount else { return nil }
            return entry.form
        }
    }

    func remember(_ form: Digest, of record: DigestRecord) {
        entries.withLock { $0[record.day] = Entry(created: record.created, matchCount: record.matchCount, form: form) }
    }

    /// Forgets the days no feed reads any more: the cache holds at most `atom_entries` days.
    func keep(only days: Set<String>) {
        entries.withLock { entries in entries = entries.filter { days.contains($0.key) } }
    }
}

/// How publications read their day from the store, for the tests that prove the bound and
/// for the benchmarks: the last one's pages and the most items it held at once.
public final class DigestPageMeter: Sendable {
    /// One publication's reading.
    public struct Reading: Sendable, Hashable {
        /// Pages of stories read.
        public var pages = 0
        /// Items read in all (stories and the copies folded into them).
        public var items = 0
        /// The most items held at once: a page of stories and a page of copies.
        public var largestHeld = 0

        mutating func page(_ count: Int) {
            pages += 1
            items += count
            largestHeld = max(largestHeld, count)
        }

        mutating func held(_ count: Int) {
            items += count
            largestHeld = max(largestHeld, count)
        }
    }

    private let readings = Mutex<Reading?>(nil)

    /// The last publication's reading; nil before the first.
    public var last: Reading? { readings.withLock { $0 } }

    func record(_ reading: Reading) { readings.withLock { $0 = reading } }
}


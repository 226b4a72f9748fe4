import Foundation
import FeedWatchDigest
import FeedWatchModel
import FeedWatchStore

/// Turns stored matches into digest files, exactly once:
///
/// 1. collect: pending matches are assigned to the digest of a day (one transaction);
/// 2. render every configured format from what the store holds;
/// 3. write each file atomically (temporary name, fsync, rename);
/// 4. mark the digest published and queue its deliveries (one transaction).
///
/// A crash after 1 leaves the digest unpublished; `finish` repeats 2–4, which renders the
/// same bytes again (rendering is a pure function of stored data) and queues each delivery
/// once (the outbox is unique per notifier and day).
public struct DigestPublisher: Sendable {
    public let configuration: DigestConfiguration
    public let store: any Store
    public let clock: DigestClock

    public init(configuration: DigestConfiguration, store: any Store) throws(ConfigurationError) {
        guard let clock = DigestClock(timeZoneIdentifier: configuration.timeZone) else {
            throw ConfigurationError(file: "", problems: [ConfigurationProblem("digest.timezone", "unknown time zone \(configuration.timeZone)")])
        }
        self.configuration = configuration
        self.store = store
        self.clock = clock
    }

    /// One written digest file.
    public struct Output: Sendable, Hashable {
        public var format: DigestFormat
        public var path: String
        public var contents: String
    }

    /// Collects pending matches into today's digest (in the digest time zone) and publishes it.
    public func publish(now: Date = Date()) async throws -> [Output] {
        try await publish(day: clock.day(of: now), now: now)
    }

    /// Collects pending matches into the digest of `day` and publishes it.
    public func publish(day: String, now: Date) async throws -> [Output] {
        // Alerts are queued from matches not yet in a digest: queue them before collecting.
        let alertNotifiers = configuration.notifiers.filter { $0.events.contains("alert") }.map(\.name)
        try await store.enqueueAlerts(
            topicIDs: configuration.alertTopicIDs, notifiers: alertNotifiers, timeZone: configuration.timeZone, at: now)
        _ = try await store.collectDigest(day: day, timeZone: configuration.timeZone, now: now)
        FaultInjection.reach(.afterCollect)
        return try await finish(day: day, now: now)
    }

    /// The scheduled digest of `day` when several daemons may share the store: step 1 is
    /// `Store.buildDigestOnce`, so exactly one daemon collects the matches, writes the files
    /// and queues the deliveries. Returns nil when the digest already existed (another daemon,
    /// or an earlier run, built it; an unpublished one is finished by `finish`).
    public func publishOnce(day: String, now: Date) async throws -> [Output]? {
        let alertNotifiers = configuration.notifiers.filter { $0.events.contains("alert") }.map(\.name)
        try await store.enqueueAlerts(
            topicIDs: configuration.alertTopicIDs, notifiers: alertNotifiers, timeZone: configuration.timeZone, at: now)
        guard try await store.buildDigestOnce(day: day, timeZone: configuration.timeZone, now: now) != nil else { return nil }
        FaultInjection.reach(.afterCollect)
        return try await finish(day: day, now: now)
    }

    /// Steps 2–4 for a digest already collected. Safe to repeat.
    public func finish(day: String, now: Date) async throws -> [Output] {
        guard let digest = try await store.digest(day: day) else { return [] }
        let empty = configuration.skipEmpty && digest.matchCount == 0
        var outputs: [Output] = []
        if !empty {
            outputs = try await render(digest)
            FaultInjection.reach(.afterRender)
            for output in outputs { try Self.writeFile(output.contents, to: output.path) }
            FaultInjection.reach(.afterWrite)
        }
        FaultInjection.reach(.beforeOutboxMark)
        let notifiers = empty ? [] : configuration.notifiers.filter { $0.events.contains("digest") }.map(\.name)
        try await store.markDigestPublished(day: day, notifiers: notifiers, at: now)
        return outputs
    }

    /// Renders the stored digest of `day` in `format`, exactly as the scheduled run wrote it;
    /// for `atom`, the feed as it was when that digest was the newest. Nil when there is no
    /// such digest.
    public func render(day: String, format: DigestFormat) async throws -> String? {
        guard let digest = try await store.digest(day: day) else { return nil }
        switch format {
        case .atom: return try await atomFeed(upTo: day)
        default: return render(digest, format: format)
        }
    }

    /// Digest files are readable by the service's group (0640 in a 0750 directory), whatever
    /// the umask: that group is how people read digests the service writes.
    private static func writeFile(_ text: String, to path: String) throws(DigestWriteError) {
        try AtomicFileWriter.write(text, to: path, mode: AtomicFileWriter.digestFileMode, directoryMode: AtomicFileWriter.digestDirectoryMode)
    }

    /// Writes every configured format of the stored digest of `day` again (atomically).
    public func write(day: String) async throws -> [Output] {
        guard let digest = try await store.digest(day: day) else { return [] }
        let outputs = try await render(digest)
        for output in outputs { try Self.writeFile(output.contents, to: output.path) }
        return outputs
    }

    /// Writes one format of the stored digest of `day` again; returns its path, nil when
    /// there is no such digest.
    public func write(day: String, format: DigestFormat) async throws -> String? {
        guard let text = try await render(day: day, format: format) else { return nil }
        let path = path(day: day, format: format)
        try Self.writeFile(text, to: path)
        return path
    }

    /// The path of `day`'s file in `format`.
    public func path(day: String, format: DigestFormat) -> String {
        let name = format == .atom ? "digests.atom" : "\(day).\(format.fileExtension)"
        return (configuration.directory as NSString).appendingPathComponent(name)
    }

    /// The one-day formats: the digest as the reader gets it, duplicates folded.
    func render(_ digest: Digest, format: DigestFormat) -> String {
        let clock = DigestClock(timeZoneIdentifier: digest.timeZone) ?? self.clock
        let merged = DigestStories.mergeDuplicates(digest)
        switch format {
        case .markdown: return MarkdownDigestRenderer(clock: clock).render(merged)
        case .html: return HTMLDigestRenderer(clock: clock).render(merged)
        case .json: return JSONDigestRenderer(clock: clock).render(merged)
        // One digest has no Atom form of its own (the feed spans digests: `atomFeed(upTo:)`);
        // its data form stands in, so this switch stays total.
        case .atom: return JSONDigestRenderer(clock: clock).render(merged)
        }
    }

    private func render(_ digest: Digest) async throws -> [Output] {
        var outputs: [Output] = []
        for format in configuration.formats {
            switch format {
            case .markdown, .json:
                outputs.append(Output(format: format, path: path(day: digest.day, format: format), contents: render(digest, format: format)))
            case .html:
                outputs.append(Output(format: .html, path: path(day: digest.day, format: .html), contents: render(digest, format: .html)))
                let index = DigestIndexRenderer(clock: clock, linksAtomFeed: configuration.formats.contains(.atom))
                    .render(try await listed(upTo: nil, limit: Int.max).map { DigestSummary(day: $0.day, matchCount: $0.matchCount, created: $0.created) })
                outputs.append(Output(format: .html, path: (configuration.directory as NSString).appendingPathComponent("index.html"), contents: index))
            case .atom:
                outputs.append(Output(format: .atom, path: path(day: digest.day, format: .atom), contents: try await atomFeed(upTo: digest.day)))
            }
        }
        return outputs
    }

    /// Digests a reader sees in lists, newest first: not the empty ones when they are skipped.
    private func listed(upTo day: String?, limit: Int) async throws -> [DigestRecord] {
        let all = try await store.digests().filter { record in
            (day.map { record.day <= $0 } ?? true) && !(configuration.skipEmpty && record.matchCount == 0)
        }
        return Array(all.prefix(limit))
    }

    private func atomFeed(upTo day: String) async throws -> String {
        var digests: [Digest] = []
        for record in try await listed(upTo: day, limit: configuration.atomEntries) {
            if let digest = try await store.digest(day: record.day) { digests.append(DigestStories.mergeDuplicates(digest)) }
        }
        // A stable id per digest directory: feed readers key entries on it.
        let feedID = "urn:feedwatch:" + SHA256.hexDigest(of: Array(configuration.directory.utf8)).prefix(16)
        return AtomDigestRenderer(clock: clock, feedID: feedID, baseURL: configuration.baseURL).render(digests)
    }
}

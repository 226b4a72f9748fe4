public import Foundation
public import FeedWatchModel

/// One file of a digest format: what it is called for a day, and what it holds.
///
/// Rendering is a pure function of the edition (values the daemon read from the store), so a
/// digest rendered again later is byte for byte the one written and delivered.
public protocol DigestRenderer: Sendable {
    /// The file written for the digest of `day`, relative to the digest directory
    /// (`2026-11-29.md`; `index.html` and `digests.atom` whatever the day).
    func fileName(day: String) -> String

    /// The stored digests besides the edition's own that `render` reads, newest first, out
    /// of those `listed` (newest first). None by default.
    func earlierDays(upTo day: String, listed: [DigestSummary]) -> [String]

    /// The file's contents for `edition`, written to `output` a piece at a time (a story, a
    /// heading): a file of a busy day is never built as one string.
    func render(_ edition: DigestEdition, to output: DigestOutput)
}

extension DigestRenderer {
    /// None: a renderer of one day reads that day only.
    public func earlierDays(upTo day: String, listed: [DigestSummary]) -> [String] { [] }

    /// The file's contents for `edition`, as text.
    public func render(_ edition: DigestEdition) -> String {
        let output = DigestOutput()
        render(edition, to: output)
        return output.contents
    }
}

/// What rendering the files of one day reads, as values: the day's stored digest, the list a
/// reader sees, and the other stored digests the renderers asked for (`earlierDays`).
public struct DigestEdition: Sendable, Hashable {
    /// The digest of the day as stored (duplicates not folded yet).
    public var digest: Digest
    /// Every digest a reader sees in lists, newest first (not the empty ones when they are skipped).
    public var listed: [DigestSummary]
    /// Stored digests by day, as the renderers' `earlierDays` asked for them.
    public var stored: [String: Digest]
    /// Where the period of each digest starts, by day (the previous digest, or the first fetch).
    public var since: [String: Date]
    /// The health report frozen with each digest, by day.
    public var health: [String: DigestHealth]
    /// Stories readers dismissed: a digest made after a dismissal leaves its story out.
    public var dismissals: [Dismissal]
    /// Whether `digest` and `stored` already are as the reader gets them (`prepared()`).
    public private(set) var isPrepared = false

    /// An edition of `digest`.
    public init(
        digest: Digest, listed: [DigestSummary], stored: [String: Digest] = [:], since: [String: Date] = [:],
        health: [String: DigestHealth] = [:], dismissals: [Dismissal] = []
    ) {
        self.digest = digest
        self.listed = listed
        self.stored = stored
        self.since = since
        self.health = health
        self.dismissals = dismissals
    }

    /// The day's digest as the reader gets it: copies of one story folded, dismissed stories out.
    public var reading: Digest { isPrepared ? digest : read(digest) }

    /// This edition with every digest already as the reader gets it, so the renderers of all
    /// formats (and the per-topic feeds, which read the same earlier days) fold copies and
    /// drop dismissed stories once, not once per file.
    public func prepared() -> DigestEdition {
        guard !isPrepared else { return self }
        var edition = self
        edition.digest = read(digest)
        edition.stored = stored.mapValues(read)
        edition.isPrepared = true
        return edition
    }

    /// The stored digests of `days` as the reader gets them, in that order; a day the store
    /// did not have is left out.
    public func readings(of days: [String]) -> [Digest] {
        days.compactMap { day -> Digest? in
            let found: Digest? = day == digest.day ? digest : stored[day]
            return isPrepared ? found : found.map(read)
        }
    }

    private func read(_ digest: Digest) -> Digest { DigestStories.reading(digest, dismissals: dismissals) }

    /// The edition of the listed day before this one, when the store gave it (`earlierDays`).
    func previousDayEdition() -> DigestEdition? {
        guard let day = context(day: digest.day).previousDay, let previous = stored[day] else { return nil }
        var edition = DigestEdition(digest: previous, listed: listed, stored: stored, since: since, health: health, dismissals: dismissals)
        edition.isPrepared = isPrepared
        return edition
    }

    /// What the page of `day` says besides its matches: period, health, neighbours in the list.
    public func context(day: String) -> DigestContext {
        let days = listed.map(\.day)
        return DigestContext(
            since: since[day], health: health[day], previousDay: days.filter { $0 < day }.max(), nextDay: days.filter { $0 > day }.min())
    }
}

/// A renderer whose file lists the edition's day story by story, so it can be written as the
/// day's stories go by (`DigestPublication`) rather than from the whole day.
protocol StreamingDigestRenderer: DigestRenderer {
    /// The steps writing the file of `edition` to `output` with the edition's own day fed
    /// story by story (`edition.digest` gives only its day, zone and time; its stories come
    /// through the steps); nil when the file does not list that day (it is rendered whole).
    func steps(for edition: DigestEdition, to output: DigestOutput) -> (any DigestSteps)?
}

extension MarkdownDigestRenderer: StreamingDigestRenderer {
    /// `YYYY-MM-DD.md`.
    public func fileName(day: String) -> String { "\(day).md" }
    /// The file of `edition`, its day fed through the steps from the whole digest.
    public func render(_ edition: DigestEdition, to output: DigestOutput) {
        steps(for: edition, to: output)?.drive(edition.reading)
    }
    /// The day's digest as Markdown, each topic capped at `maxStoriesPerTopic`.
    func steps(for edition: DigestEdition, to output: DigestOutput) -> (any DigestSteps)? {
        var context = edition.context(day: edition.digest.day)
        context.maxStoriesPerTopic = maxStoriesPerTopic
        context.fullDigestLink = linksHTML ? "\(edition.digest.day).html" : nil
        return steps(context: context, to: output)
    }
}

extension HTMLDigestRenderer: StreamingDigestRenderer {
    /// `YYYY-MM-DD.html`.
    public func fileName(day: String) -> String { "\(day).html" }
    /// The page before this day's, in the list: its "next" link points here.
    public func earlierDays(upTo day: String, listed: [DigestSummary]) -> [String] {
        listed.map(\.day).filter { $0 < day }.max().map { [$0] } ?? []
    }
    /// The file of `edition`, its day fed through the steps from the whole digest.
    public func render(_ edition: DigestEdition, to output: DigestOutput) {
        steps(for: edition, to: output)?.drive(edition.reading)
    }
    /// The day's digest as an HTML page, every story kept (past `foldAfter`, folded).
    func steps(for edition: DigestEdition, to output: DigestOutput) -> (any DigestSteps)? {
        var context = edition.context(day: edition.digest.day)
        context.maxStoriesPerTopic = foldAfter
        return steps(context: context, to: output)
    }
}

extension JSONDigestRenderer: StreamingDigestRenderer {
    /// `YYYY-MM-DD.json`.
    public func fileName(day: String) -> String { "\(day).json" }
    /// The file of `edition`, its day fed through the steps from the whole digest.
    public func render(_ edition: DigestEdition, to output: DigestOutput) {
        steps(for: edition, to: output)?.drive(edition.reading)
    }
    /// The day's digest as JSON, with its period and health.
    func steps(for edition: DigestEdition, to output: DigestOutput) -> (any DigestSteps)? {
        steps(context: edition.context(day: edition.digest.day), to: output)
    }
}

extension DigestIndexRenderer: DigestRenderer {
    /// `index.html`, whatever the day.
    public func fileName(day: String) -> String { "index.html" }
    /// Every listed digest, newest first.
    public func render(_ edition: DigestEdition, to output: DigestOutput) { render(edition.listed, to: output) }
}

/// A feed of the latest `entries` listed digests (`digests.atom`, the per-topic feeds): the
/// days it reads, and the edition's day fed story by story when it is the feed's newest.
protocol DigestFeedRenderer: StreamingDigestRenderer {
    associatedtype FeedSteps: DigestSteps
    /// How many digests the feed lists.
    var entries: Int { get }
    /// The feed of `digests`, newest first.
    func render(_ digests: [Digest], to output: DigestOutput)
    /// The steps writing the feed with `earlier` (older digests, newest first) after the day fed.
    func steps(after earlier: [Digest], to output: DigestOutput) -> FeedSteps
}

extension DigestFeedRenderer {
    /// The latest `entries` listed digests up to `day`: the feed as it was when `day` was the newest.
    public func earlierDays(upTo day: String, listed: [DigestSummary]) -> [String] {
        listed.filter { $0.day <= day }.prefix(entries).map(\.day)
    }
    /// The feed as it was when the edition's digest was the newest.
    public func render(_ edition: DigestEdition, to output: DigestOutput) {
        render(edition.readings(of: earlierDays(upTo: edition.digest.day, listed: edition.listed)), to: output)
    }
    /// The edition's day is the feed's newest entry, when the feed lists it.
    func steps(for edition: DigestEdition, to output: DigestOutput) -> (any DigestSteps)? {
        let days = earlierDays(upTo: edition.digest.day, listed: edition.listed)
        guard days.first == edition.digest.day else { return nil }
        return steps(after: edition.readings(of: Array(days.dropFirst())), to: output)
    }
}

extension AtomDigestRenderer: DigestFeedRenderer {
    /// `digests.atom`, whatever the day.
    public func fileName(day: String) -> String { "digests.atom" }
}

extension TopicAtomRenderer: DigestFeedRenderer {
    /// `topics/<id>.atom`, whatever the day.
    public func fileName(day: String) -> String { Self.fileName(topicID: topic.id) }
}

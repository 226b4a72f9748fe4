public import Foundation
public import FeedWatchModel

/// What a digest page says beyond its matches: the period it covers, how the watching went,
/// its neighbours, and how much of each topic it shows in full.
public struct DigestContext: Sendable, Hashable {
    /// The start of the period covered (the previous digest, or the first fetch); nil when unknown.
    public var since: Date?
    /// The health report frozen with the digest; nil shows no footer.
    public var health: DigestHealth?
    /// The listed digests before and after this one, for the HTML page's links.
    public var previousDay: String?
    public var nextDay: String?
    /// The most stories a topic shows (Markdown, e-mail); nil shows all (HTML, JSON, Atom).
    public var maxStoriesPerTopic: Int?
    /// Where the whole digest is, for "and N more" (`2026-12-04.html`); nil: counted, not linked.
    public var fullDigestLink: String?

    public init(
        since: Date? = nil, health: DigestHealth? = nil, previousDay: String? = nil, nextDay: String? = nil,
        maxStoriesPerTopic: Int? = nil, fullDigestLink: String? = nil
    ) {
        self.since = since
        self.health = health
        self.previousDay = previousDay
        self.nextDay = nextDay
        self.maxStoriesPerTopic = maxStoriesPerTopic
        self.fullDigestLink = fullDigestLink
    }
}

/// The digest as a reader goes through it: topics in order, each story shown in full once,
/// under the first topic that has it, and referenced from the others; each topic capped.
struct DigestLayout {
    /// One line of a topic: the story in full, or a reference to the topic that shows it.
    typealias Entry = DigestStory

    struct Section {
        var topic: TopicReference
        /// Every entry, in the digest's order.
        var entries: [Entry]
        /// The entries shown (all, or the first `cap`).
        var shown: ArraySlice<Entry>
        /// Stories the digest counts but does not carry (a digest in its feed form).
        var uncarried: Int = 0
        /// Every story of the topic, carried or not.
        var storyCount: Int { entries.count + uncarried }
        /// Entries left out by the cap, and those not carried.
        var hiddenCount: Int { entries.count - shown.count + uncarried }
    }

    var sections: [Section]

    /// Lays out `digest` (copies of one story already folded); `cap` bounds each topic's shown entries.
    init(_ digest: Digest, cap: Int?) {
        var fullUnder: [Int64: TopicReference] = [:]
        sections = digest.sections.map { section in
            let entries = section.items.map { item -> Entry in
                if let topic = fullUnder[item.dismissID], topic.id != section.topic.id { return Entry(item: item, shownUnder: topic) }
                fullUnder[item.dismissID] = section.topic
                return Entry(item: item, shownUnder: nil)
            }
            let limit = cap.map { max(1, $0) } ?? entries.count
            return Section(topic: section.topic, entries: entries, shown: entries.prefix(limit), uncarried: section.moreCount)
        }
    }
}

extension DigestClock {
    /// "12 matches in 3 topics since Tue 07:00 CET": the head line every format shares.
    func summaryLine(_ digest: Digest, since: Date?) -> String { summaryLine(DigestOutline(digest), since: since) }

    /// `summaryLine` of the digest `outline` outlines.
    func summaryLine(_ outline: DigestOutline, since: Date?) -> String {
        var line = "\(DigestMarkup.count(outline.matchCount, "match", "matches")) in \(DigestMarkup.count(outline.sections.count, "topic", "topics"))"
        if let since { line += " since \(periodStart(since, reference: outline.created))" }
        return line + " · made \(displayTime(outline.created))"
    }

    /// The health report as plain sentences, one per line (no markup), for every format.
    func healthLines(_ health: DigestHealth) -> [String] {
        var lines: [String] = []
        for feed in health.failing {
            let since = feed.lastSuccess.map { "no successful fetch since \(displayTime($0))" } ?? "never fetched successfully"
            lines.append("Failing: \(feed.feedName): \(since), \(DigestMarkup.count(feed.errorCount, "error", "errors")) in a row; last: \(feed.error)")
        }
        for feed in health.disabled {
            lines.append("Disabled: \(feed.feedName): \(feed.reason)")
        }
        for feed in health.silent {
            lines.append("Silent: \(feed.feedName): nothing new since \(displayTime(feed.lastEntry)) (usually every \(Self.rough(feed.usualGap)))")
        }
        if health.pendingMatches > 0 {
            lines.append("\(DigestMarkup.count(health.pendingMatches, "match waits", "matches wait")) for the next digest.")
        }
        if health.isClean {
            lines.append("All \(DigestMarkup.count(health.feedCount, "feed", "feeds")) fetched without trouble; no match is waiting.")
        }
        return lines
    }

    /// `45m`, `6h`, `3d`: a gap as a reader rounds it.
    static func rough(_ seconds: Double) -> String {
        if seconds >= 2 * 86400 { return "\(Int((seconds / 86400).rounded()))d" }
        if seconds >= 2 * 3600 { return "\(Int((seconds / 3600).rounded()))h" }
        return "\(max(1, Int((seconds / 60).rounded())))m"
    }
}

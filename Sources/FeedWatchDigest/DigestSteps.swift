public import Foundation
public import FeedWatchModel

/// A day's digest as the reader gets it, without its stories: what a file says before its
/// first story (counts, topics), so the stories can follow one at a time.
public struct DigestOutline: Sendable, Hashable {
    public var day: String
    public var timeZone: String
    public var created: Date
    public var sections: [Section]

    /// One topic: how many stories it carries, and how many more it counts but does not carry
    /// (a day in its feed form, `DigestStories.feedForm`).
    public struct Section: Sendable, Hashable {
        public var topic: TopicReference
        public var itemCount: Int
        public var moreCount: Int
        public init(topic: TopicReference, itemCount: Int, moreCount: Int = 0) {
            self.topic = topic
            self.itemCount = itemCount
            self.moreCount = moreCount
        }
    }

    public init(day: String, timeZone: String, created: Date, sections: [Section]) {
        self.day = day
        self.timeZone = timeZone
        self.created = created
        self.sections = sections
    }

    /// The outline of `digest` (as the reader gets it).
    public init(_ digest: Digest) {
        self.init(
            day: digest.day, timeZone: digest.timeZone, created: digest.created,
            sections: digest.sections.map { Section(topic: $0.topic, itemCount: $0.items.count, moreCount: $0.moreCount) })
    }

    /// How many stories the digest carries (`Digest.matchCount` of the reader's digest).
    public var matchCount: Int { sections.reduce(0) { $0 + $1.itemCount } }
}

/// One story of a topic as the reader goes through the digest: shown in full, or a
/// reference to the earlier topic that shows it (`shownUnder`).
public struct DigestStory: Sendable, Hashable {
    public var item: Digest.Item
    /// The topic where the story is shown in full; nil when this entry is that one.
    public var shownUnder: TopicReference?
    public init(item: Digest.Item, shownUnder: TopicReference? = nil) {
        self.item = item
        self.shownUnder = shownUnder
    }
}

/// A file written as a day's stories go by: its head once the outline is known, then each
/// topic and each of its stories in order, then its tail. One pass over a day's stories feeds
/// every format's file at once, and no renderer holds more than the story in hand.
protocol DigestSteps: AnyObject {
    /// Everything before the first topic.
    func begin(_ outline: DigestOutline)
    /// Topic `index` of the outline starts.
    func beginSection(_ index: Int)
    /// The topic's story at `position` (0 for its first).
    func story(_ story: DigestStory, at position: Int)
    /// Topic `index` ends.
    func endSection(_ index: Int)
    /// Everything after the last topic.
    func end()
}

extension DigestSteps {
    /// Feeds `digest` (as the reader gets it) through the steps: how a whole digest is
    /// rendered, so a day written story by story is byte for byte the same file.
    func drive(_ digest: Digest) {
        begin(DigestOutline(digest))
        for (index, section) in DigestLayout(digest, cap: nil).sections.enumerated() {
            beginSection(index)
            for (position, entry) in section.entries.enumerated() { story(entry, at: position) }
            endSection(index)
        }
        end()
    }
}

/// How many of a topic's stories a capped file shows, and how many it counts instead.
struct StoryCap {
    /// `max_stories_per_topic`; nil shows all.
    var cap: Int?
    /// How many of `section`'s stories are shown.
    func shown(_ section: DigestOutline.Section) -> Int { min(section.itemCount, cap.map { max(1, $0) } ?? section.itemCount) }
    /// How many of `section`'s stories are counted, not shown (left out by the cap, or not carried).
    func hidden(_ section: DigestOutline.Section) -> Int { section.itemCount - shown(section) + section.moreCount }
}

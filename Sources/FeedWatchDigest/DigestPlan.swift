public import FeedWatchModel

/// A day's digest as the reader gets it, planned from its index (`DigestIndex`) without its
/// items' text: which items are shown (dismissed stories out), which copies of one story fold
/// into which item (`DigestStories.mergeDuplicates`, by the index's 64-bit keys), and which
/// stories are shown in full under an earlier topic (`DigestLayout`). A few dozen bytes per
/// item; the items are then read a page at a time and fed to a `DigestPublication`.
public struct DigestPlan: Sendable {
    /// What the files say before the first story.
    public let outline: DigestOutline
    /// The topics in the digest's order, each with its stories in order.
    public let sections: [Section]

    /// The index's entries, which the stories point into.
    private let entries: [DigestIndex.Entry]

    public struct Section: Sendable {
        public var topic: TopicReference
        public var stories: [Story]
    }

    /// One story as the reader gets it: 16 bytes, positions in the index's entries.
    public struct Story: Sendable {
        /// The item shown.
        var entry: Int32
        /// The section where the story is shown in full, when that is an earlier one; -1 otherwise.
        var shownUnderSection: Int32
        /// The items folded into it, in the digest's order: their sources are "also reported by".
        var folded: [Int32]
    }

    /// Plans `index` (sections in the order the files list them) as the reader gets it:
    /// `dismissals` made before the digest leave their stories out.
    public init(_ index: DigestIndex, dismissals: [Dismissal]) {
        var hidden: [Int64: [String]] = [:]
        for dismissal in dismissals where dismissal.created <= index.created { hidden[dismissal.storyID, default: []].append(dismissal.topicID) }
        var sections: [Section] = []
        for section in index.sections {
            var stories: [Story] = []
            stories.reserveCapacity(section.entries.count)
            // Each key once per topic: an item's link or title key, to the first entry that had
            // it, whose story it names (`storyOf`, by position in the section).
            let first = section.entries.lowerBound
            var storyOf = [Int32](repeating: -1, count: section.entries.count)
            var byLink = FirstEntries(count: section.entries.count) { index.entries[Int($0)].linkKey }
            var byTitle = FirstEntries(count: section.entries.count) { index.entries[Int($0)].titleKey }
            for position in section.entries {
                let entry = index.entries[position]
                if let topics = hidden[entry.dismissID], topics.contains(where: { $0 == Dismissal.everyTopic || $0 == section.topic.id }) {
                    continue
                }
                let known = (entry.linkKey == 0 ? nil : byLink.entry(entry.linkKey)) ?? (entry.titleKey == 0 ? nil : byTitle.entry(entry.titleKey))
                let story: Int32
                if let known {
                    story = storyOf[Int(known) - first]
                    stories[Int(story)].folded.append(Int32(position))
                } else {
                    story = Int32(stories.count)
                    stories.append(Story(entry: Int32(position), shownUnderSection: -1, folded: []))
                }
                storyOf[position - first] = story
                if entry.linkKey != 0 { byLink.insertIfAbsent(entry.linkKey, entry: Int32(position)) }
                if entry.titleKey != 0 { byTitle.insertIfAbsent(entry.titleKey, entry: Int32(position)) }
            }
            guard !stories.isEmpty else { continue }
            sections.append(Section(topic: section.topic, stories: stories))
        }
        // Shown in full under the first topic that has the story (`DigestLayout`); with one
        // topic, nothing is.
        if sections.count > 1 {
            var fullUnder: [Int64: Int32] = [:]
            for section in sections.indices {
                for position in sections[section].stories.indices {
                    let dismissID = index.entries[Int(sections[section].stories[position].entry)].dismissID
                    if let under = fullUnder[dismissID], sections[Int(under)].topic.id != sections[section].topic.id {
                        sections[section].stories[position].shownUnderSection = under
                    } else {
                        fullUnder[dismissID] = Int32(section)
                    }
                }
            }
        }
        self.sections = sections
        entries = index.entries
        outline = DigestOutline(
            day: index.day, timeZone: index.timeZone, created: index.created,
            sections: sections.map { DigestOutline.Section(topic: $0.topic, itemCount: $0.stories.count) })
    }

    /// The article of the item `story` shows.
    public func articleID(_ story: Story) -> Int64 { entries[Int(story.entry)].articleID }

    /// The articles of the items folded into `story`, in order.
    public func folded(_ story: Story) -> [Int64] { story.folded.map { entries[Int($0)].articleID } }

    /// The topic that shows `story` in full, when that is an earlier one.
    public func shownUnder(_ story: Story) -> TopicReference? {
        story.shownUnderSection < 0 ? nil : sections[Int(story.shownUnderSection)].topic
    }

    /// Lists `copy` (an item folded into `item`) and what it lists in `item.alsoReportedBy`,
    /// each source once, as `DigestStories.mergeDuplicates` does; `seen` holds what `item`
    /// lists already (start it with `item.alsoReportedBy`). The sources `copy` only counts
    /// (`alsoReportedMore`) are added to `item`'s count: a copy is another story, so none of
    /// them is one `item` lists or counts already.
    public static func fold(_ copy: Digest.Item, into item: inout Digest.Item, seen: inout Set<Digest.Link>) {
        for link in [Digest.Link(feedName: copy.feedName, url: copy.link)] + copy.alsoReportedBy where seen.insert(link).inserted {
            item.alsoReportedBy.append(link)
        }
        item.alsoReportedMore += copy.alsoReportedMore
    }
}

/// The first entry of a topic that had each key (an index's 64-bit link or title key), in one
/// array of 4-byte slots: the key is read from the entry itself. A `[UInt64: Int32]` took 12
/// bytes a slot, and the two of a day of 150,000 stories were the publication's peak. Slots are
/// chosen by the key mixed with a seed drawn per table: the keys are hashes of feed text, which
/// a feed could otherwise choose to fall in one run of slots.
struct FirstEntries {
    private var slots: [Int32]
    private let mask: Int
    private let seed = UInt64.random(in: .min ... .max)
    private let keyOf: (Int32) -> UInt64

    /// A table for up to `count` keys, filled to three quarters at most.
    init(count: Int, keyOf: @escaping (Int32) -> UInt64) {
        var capacity = 16
        while capacity * 3 < count * 4 { capacity *= 2 }
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        self.keyOf = keyOf
    }

    /// The first entry that had `key`.
    func entry(_ key: UInt64) -> Int32? {
        var slot = self.slot(of: key)
        while slots[slot] >= 0 {
            if keyOf(slots[slot]) == key { return slots[slot] }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Records `entry` as the first with `key`, unless one is already.
    mutating func insertIfAbsent(_ key: UInt64, entry: Int32) {
        var slot = self.slot(of: key)
        while slots[slot] >= 0 {
            if keyOf(slots[slot]) == key { return }
            slot = (slot + 1) & mask
        }
        slots[slot] = entry
    }

    /// splitmix64's finaliser of the seeded key.
    private func slot(of key: UInt64) -> Int {
        var z = key ^ seed
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return Int(truncatingIfNeeded: z ^ (z >> 31)) & mask
    }
}

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
            // Each key once per topic: an item's link or title key, to the story it is in.
            // Sized once: grown while a day of 150,000 stories fills them, each held its old
            // and new tables at once, on top of the whole day's index.
            var byLink = [UInt64: Int32](minimumCapacity: section.entries.count)
            var byTitle = [UInt64: Int32](minimumCapacity: section.entries.count)
            for position in section.entries {
                let entry = index.entries[position]
                if let topics = hidden[entry.dismissID], topics.contains(where: { $0 == Dismissal.everyTopic || $0 == section.topic.id }) {
                    continue
                }
                let link = entry.linkKey == 0 ? nil : byLink[entry.linkKey]
                if let story = link ?? (entry.titleKey == 0 ? nil : byTitle[entry.titleKey]) {
                    stories[Int(story)].folded.append(Int32(position))
                    if entry.linkKey != 0, byLink[entry.linkKey] == nil { byLink[entry.linkKey] = story }
                    if entry.titleKey != 0, byTitle[entry.titleKey] == nil { byTitle[entry.titleKey] = story }
                } else {
                    let story = Int32(stories.count)
                    if entry.linkKey != 0 { byLink[entry.linkKey] = story }
                    if entry.titleKey != 0 { byTitle[entry.titleKey] = story }
                    stories.append(Story(entry: Int32(position), shownUnderSection: -1, folded: []))
                }
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
    /// lists already (start it with `item.alsoReportedBy`).
    public static func fold(_ copy: Digest.Item, into item: inout Digest.Item, seen: inout Set<Digest.Link>) {
        for link in [Digest.Link(feedName: copy.feedName, url: copy.link)] + copy.alsoReportedBy where seen.insert(link).inserted {
            item.alsoReportedBy.append(link)
        }
    }
}

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

    public struct Section: Sendable {
        public var topic: TopicReference
        public var stories: [Story]
    }

    /// One story as the reader gets it.
    public struct Story: Sendable {
        /// The item shown.
        public var articleID: Int64
        /// What `feedwatch dismiss` takes to silence it (`Digest.Item.dismissID`).
        public var dismissID: Int64
        /// The items folded into it, in the digest's order: their sources are "also reported by".
        public var folded: [Int64]
        /// The section where the story is shown in full, when that is an earlier one; -1 otherwise.
        var shownUnderSection: Int32
    }

    /// Plans `index` (sections in the order the files list them) as the reader gets it:
    /// `dismissals` made before the digest leave their stories out.
    public init(_ index: DigestIndex, dismissals: [Dismissal]) {
        var hidden: [Int64: [String]] = [:]
        for dismissal in dismissals where dismissal.created <= index.created { hidden[dismissal.storyID, default: []].append(dismissal.topicID) }
        var sections: [Section] = []
        var fullUnder: [Int64: Int32] = [:]
        for section in index.sections {
            var stories: [Story] = []
            // Each key once per topic: an item's link or title key, to the story it is in.
            var byLink: [UInt64: Int] = [:]
            var byTitle: [UInt64: Int] = [:]
            for position in section.entries {
                let entry = index.entries[position]
                if let topics = hidden[entry.dismissID], topics.contains(where: { $0 == Dismissal.everyTopic || $0 == section.topic.id }) {
                    continue
                }
                let link = entry.linkKey == 0 ? nil : byLink[entry.linkKey]
                if let story = link ?? (entry.titleKey == 0 ? nil : byTitle[entry.titleKey]) {
                    stories[story].folded.append(entry.articleID)
                    if entry.linkKey != 0, byLink[entry.linkKey] == nil { byLink[entry.linkKey] = story }
                    if entry.titleKey != 0, byTitle[entry.titleKey] == nil { byTitle[entry.titleKey] = story }
                } else {
                    if entry.linkKey != 0 { byLink[entry.linkKey] = stories.count }
                    if entry.titleKey != 0 { byTitle[entry.titleKey] = stories.count }
                    stories.append(Story(articleID: entry.articleID, dismissID: entry.dismissID, folded: [], shownUnderSection: -1))
                }
            }
            guard !stories.isEmpty else { continue }
            sections.append(Section(topic: section.topic, stories: stories))
        }
        // Shown in full under the first topic that has the story (`DigestLayout`).
        for index in sections.indices {
            for position in sections[index].stories.indices {
                let story = sections[index].stories[position]
                let dismissID = story.dismissID
                if let under = fullUnder[dismissID], sections[Int(under)].topic.id != sections[index].topic.id {
                    sections[index].stories[position].shownUnderSection = under
                } else {
                    fullUnder[dismissID] = Int32(index)
                }
            }
        }
        self.sections = sections
        outline = DigestOutline(
            day: index.day, timeZone: index.timeZone, created: index.created,
            sections: sections.map { DigestOutline.Section(topic: $0.topic, itemCount: $0.stories.count) })
    }

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

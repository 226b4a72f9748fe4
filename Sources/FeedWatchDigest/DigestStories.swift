public import FeedWatchModel

/// Folds copies of one story within a topic into its first appearance, so the reader sees
/// it once with "also reported by …" instead of the same headline from five agencies.
public enum DigestStories {
    /// Items of a section with the same link, or the same title once case, punctuation and
    /// spacing are ignored, become one item; the others are listed in `alsoReportedBy`.
    /// Deterministic: the first item in the section's order wins.
    public static func mergeDuplicates(_ digest: Digest) -> Digest {
        var merged = digest
        merged.sections = digest.sections.map { section in
            var items: [Digest.Item] = []
            var byKey: [String: Int] = [:]
            for item in section.items {
                let keys = [item.link.map { "link:" + $0 }, titleKey(item.title).map { "title:" + $0 }].compactMap { $0 }
                if let index = keys.lazy.compactMap({ byKey[$0] }).first {
                    let link = Digest.Link(feedName: item.feedName, url: item.link)
                    if !items[index].alsoReportedBy.contains(link) { items[index].alsoReportedBy.append(link) }
                    for other in item.alsoReportedBy where !items[index].alsoReportedBy.contains(other) {
                        items[index].alsoReportedBy.append(other)
                    }
                    for key in keys where byKey[key] == nil { byKey[key] = index }
                } else {
                    for key in keys { byKey[key] = items.count }
                    items.append(item)
                }
            }
            return Digest.Section(topic: section.topic, items: items, moreCount: section.moreCount)
        }
        return merged
    }

    /// Leaves out the stories readers dismissed (under the item's topic, or every topic)
    /// before `digest` was made: a dismissal changes future digests, not the ones already sent.
    public static func removeDismissed(_ digest: Digest, dismissals: [Dismissal]) -> Digest {
        let applying = dismissals.filter { $0.created <= digest.created }
        guard !applying.isEmpty else { return digest }
        var kept = digest
        kept.sections = digest.sections.compactMap { section in
            var section = section
            section.items.removeAll { item in applying.contains { $0.hides(storyID: item.dismissID, topic: section.topic.id) } }
            return section.items.isEmpty ? nil : section
        }
        return kept
    }

    /// A title reduced to its letters and digits; nil when too short to identify a story.
    static func titleKey(_ title: String) -> String? {
        let words = title.lowercased().split { !($0.isLetter || $0.isNumber) }
        let key = words.joined(separator: " ")
        return key.count >= 12 ? key : nil
    }
}

public import FeedWatchModel

/// Folds copies of one story within a topic into its first appearance, so the reader sees
/// it once with "also reported by …" instead of the same headline from five agencies.
public enum DigestStories {
    /// `digest` as the reader gets it: dismissed stories out, copies of one story folded.
    public static func reading(_ digest: Digest, dismissals: [Dismissal]) -> Digest {
        mergeDuplicates(removeDismissed(digest, dismissals: dismissals))
    }

    /// `digest` as the reader gets it, each topic cut to its first `limit` stories with the
    /// rest counted (`moreCount`): what the Atom feeds read of a day that is not the newest.
    /// Reading it again gives it back unchanged.
    public static func feedForm(_ digest: Digest, dismissals: [Dismissal], limit: Int) -> Digest {
        var form = reading(digest, dismissals: dismissals)
        for index in form.sections.indices where form.sections[index].items.count > limit {
            form.sections[index].moreCount += form.sections[index].items.count - limit
            form.sections[index].items.removeSubrange(limit...)
        }
        return form
    }
    /// Items of a section with the same link, or the same title once case, punctuation and
    /// spacing are ignored, become one item; the others are listed in `alsoReportedBy`.
    /// Deterministic: the first item in the section's order wins.
    public static func mergeDuplicates(_ digest: Digest) -> Digest {
        var merged = digest
        merged.sections = digest.sections.map { section in
            var items: [Digest.Item] = []
            var byKey: [String: Int] = [:]
            // What each kept item lists already, so a story carried by a thousand feeds is
            // folded in linear time.
            var listed: [Int: Set<Digest.Link>] = [:]
            for item in section.items {
                let keys = [item.link.map { "link:" + $0 }, titleKey(item.title).map { "title:" + $0 }].compactMap { $0 }
                if let index = keys.lazy.compactMap({ byKey[$0] }).first {
                    var seen = listed[index] ?? Set(items[index].alsoReportedBy)
                    for link in [Digest.Link(feedName: item.feedName, url: item.link)] + item.alsoReportedBy where seen.insert(link).inserted {
                        items[index].alsoReportedBy.append(link)
                    }
                    items[index].alsoReportedMore += item.alsoReportedMore
                    listed[index] = seen
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

    /// A title reduced to its letters and digits, lowercased, one space between words; nil
    /// when too short to identify a story (`DigestIndex.normalizedTitle`).
    static func titleKey(_ title: String) -> String? { DigestIndex.normalizedTitle(title) }
}

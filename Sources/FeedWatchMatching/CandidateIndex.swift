/// Inverted index from query keys to the topics anchored on them, plus each topic's required key groups.
///
/// Every indexable topic is filed under the keys of one required clause (for an AND, the
/// clause with the fewest and longest words; for an OR, all alternatives), so an article only
/// has to look at the topics filed under the keys it contains. A candidate is then checked
/// cheaply — every word it requires must occur somewhere — and only then verified on
/// positions. Unindexable topics (pure negations) are candidates for every article.
struct CandidateIndex {
    /// `topicList[offsets[key]..<offsets[key + 1]]` are the topics anchored on `key`.
    let offsets: [Int32]
    let topicList: [Int32]
    /// `groupOffsets[topic]..<groupOffsets[topic + 1]` index the topic's required groups in `groupKeyOffsets`.
    let groupOffsets: [Int32]
    /// `groupKeys[groupKeyOffsets[g]..<groupKeyOffsets[g + 1]]`: at least one of these keys must occur.
    let groupKeyOffsets: [Int32]
    let groupKeys: [Int32]
    let unindexable: [Int32]

    init(roots: [CompiledNode], keyCount: Int) {
        var lists = Array(repeating: [Int32](), count: keyCount)
        var unindexable: [Int32] = []
        var groupOffsets: [Int32] = [0]
        var groupKeyOffsets: [Int32] = [0]
        var groupKeys: [Int32] = []
        for (topic, root) in roots.enumerated() {
            if let anchors = root.anchors {
                for key in Set(anchors.keys) { lists[Int(key)].append(Int32(topic)) }
            } else {
                unindexable.append(Int32(topic))
            }
            for group in root.requiredGroups {
                groupKeys += group
                groupKeyOffsets.append(Int32(groupKeys.count))
            }
            groupOffsets.append(Int32(groupKeyOffsets.count - 1))
        }
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(keyCount + 1)
        var topicList: [Int32] = []
        for list in lists {
            topicList += list
            offsets.append(Int32(topicList.count))
        }
        self.offsets = offsets
        self.topicList = topicList
        self.groupOffsets = groupOffsets
        self.groupKeyOffsets = groupKeyOffsets
        self.groupKeys = groupKeys
        self.unindexable = unindexable
    }
}

extension CompiledNode {
    /// Groups of keys of which one per group must occur for the clause to hold (a necessary condition only).
    var requiredGroups: [[Int32]] {
        switch self {
        case .term(let leaf):
            return [leaf.keys]
        case .phrase(let leaves):
            return leaves.map(\.keys)
        case .and(let children):
            return children.flatMap(\.requiredGroups)
        case .near(let left, let right, _, _):
            return left.requiredGroups + right.requiredGroups
        case .or(let children):
            var union: [Int32] = []
            for child in children {
                guard let first = child.requiredGroups.first else { return [] }
                union += first
            }
            return union.isEmpty ? [] : [Array(Set(union)).sorted()]
        case .not:
            return []
        }
    }
}

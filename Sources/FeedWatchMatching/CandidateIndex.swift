/// Inverted index from query keys to the topics anchored on them.
///
/// Every indexable topic is filed under the keys of one required clause (for an AND, the
/// clause with the fewest and longest words; for an OR, all alternatives), so an article only
/// has to look at the topics filed under the keys it contains. Candidates are then verified
/// on positions. Unindexable topics (pure negations) are candidates for every article.
struct CandidateIndex {
    private let offsets: [Int32]
    private let topics: [Int32]
    let unindexable: [Int32]

    init(roots: [CompiledNode], keyCount: Int) {
        var lists = Array(repeating: [Int32](), count: keyCount)
        var unindexable: [Int32] = []
        for (topic, root) in roots.enumerated() {
            guard let anchors = root.anchors else {
                unindexable.append(Int32(topic))
                continue
            }
            for key in Set(anchors.keys) { lists[Int(key)].append(Int32(topic)) }
        }
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(keyCount + 1)
        var topics: [Int32] = []
        for list in lists {
            topics += list
            offsets.append(Int32(topics.count))
        }
        self.offsets = offsets
        self.topics = topics
        self.unindexable = unindexable
    }

    /// The topics filed under `key`.
    @inline(__always)
    func topics(for key: Int32) -> ArraySlice<Int32> {
        topics[Int(offsets[Int(key)])..<Int(offsets[Int(key) + 1])]
    }
}

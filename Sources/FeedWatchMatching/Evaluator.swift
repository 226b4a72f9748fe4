/// A stretch of matched words: positions (inclusive) and UTF-8 offsets in its field.
struct Span: Hashable {
    var start: Int32
    var end: Int32
    var byteStart: Int32
    var byteEnd: Int32

    var isTitle: Bool { start < AnalysisState.bodyBase }
}

/// An article's key occurrences, indexed by key, and the evaluation of compiled queries on them.
struct Postings {
    /// Most spans a clause keeps (bounds the work on pathological articles).
    static let maxSpans = 512
    /// How far back a NEAR looks for the start of the other side's span.
    private static let maxSpanLength: Int32 = 1_024

    let occurrences: [Occurrence]
    let lower: [Int32]
    let upper: [Int32]
    let stamps: [UInt32]
    let generation: UInt32

    @inline(__always)
    func range(_ key: Int32) -> Range<Int> {
        let k = Int(key)
        guard stamps[k] == generation else { return 0..<0 }
        return Int(lower[k])..<Int(upper[k])
    }

    /// The spans where the clause holds (possibly empty for a match without evidence, such as a
    /// negation), or nil when it does not hold. A NEAR yields the words on both sides as evidence,
    /// or, with `covers` (as the operand of another NEAR), one span covering both sides.
    func evaluate(_ node: CompiledNode, covers: Bool = false) -> [Span]? {
        switch node {
        case .term(let leaf):
            guard isPresent(leaf) else { return nil }
            let spans = self.spans(leaf)
            return spans.isEmpty ? nil : spans
        case .phrase(let leaves):
            return phrase(leaves)
        case .and(let children):
            var result: [Span] = []
            for child in children {
                guard let spans = evaluate(child, covers: covers) else { return nil }
                result += spans
            }
            return result
        case .or(let children):
            var result: [Span]?
            for child in children {
                if let spans = evaluate(child, covers: covers) { result = (result ?? []) + spans }
            }
            return result
        case .not(let child):
            return evaluate(child) == nil ? [] : nil
        case .near(let left, let right, let distance, let ordered):
            guard let a = evaluate(left, covers: true), !a.isEmpty, let b = evaluate(right, covers: true), !b.isEmpty
            else { return nil }
            let result = near(a, b.sorted { $0.start < $1.start }, distance: distance, ordered: ordered, covers: covers)
            return result.isEmpty ? nil : result
        }
    }

    /// Whether any of the leaf's keys occurs at all (a cheap test before collecting spans).
    @inline(__always)
    private func isPresent(_ leaf: Leaf) -> Bool {
        leaf.keys.contains { !range($0).isEmpty }
    }

    private func spans(_ leaf: Leaf) -> [Span] {
        var result: [Span] = []
        for key in leaf.keys {
            for index in range(key) {
                let occurrence = occurrences[index]
                let isTitle = occurrence.start < AnalysisState.bodyBase
                guard leaf.fields.contains(isTitle ? .title : .body) else { continue }
                result.append(Span(start: occurrence.start, end: occurrence.end,
                                   byteStart: occurrence.byteStart, byteEnd: occurrence.byteEnd))
                if result.count >= Self.maxSpans { break }
            }
        }
        if leaf.keys.count > 1 { result.sort { $0.start < $1.start } }
        return result
    }

    /// Index of the first span starting at or after `position` in spans sorted by start.
    private static func lowerBound(_ spans: [Span], _ position: Int32) -> Int {
        var low = 0, high = spans.count
        while low < high {
            let mid = (low + high) / 2
            if spans[mid].start < position { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private func phrase(_ leaves: [Leaf]) -> [Span]? {
        guard let first = leaves.first, leaves.allSatisfy(isPresent) else { return nil }
        var current = spans(first)
        for leaf in leaves.dropFirst() {
            if current.isEmpty { return nil }
            let next = spans(leaf)
            if next.isEmpty { return nil }
            var extended: [Span] = []
            for span in current {
                let index = Self.lowerBound(next, span.end + 1)
                if index < next.count, next[index].start == span.end + 1 {
                    let following = next[index]
                    extended.append(Span(start: span.start, end: following.end,
                                         byteStart: span.byteStart, byteEnd: following.byteEnd))
                }
            }
            current = extended
        }
        return current.isEmpty ? nil : current
    }

    /// Pairs within `distance` words (the gap between the closest ends), `b` sorted by start: one
    /// covering span per pair with `covers`, else both sides of each pair.
    private func near(_ a: [Span], _ b: [Span], distance: Int32, ordered: Bool, covers: Bool) -> [Span] {
        var result: [Span] = []
        for left in a {
            var index = Self.lowerBound(b, left.start - distance - Self.maxSpanLength)
            while index < b.count, b[index].start <= left.end + distance {
                let right = b[index]
                index += 1
                let isNear: Bool
                if right.start > left.end {
                    isNear = right.start - left.end <= distance
                } else if !ordered, left.start > right.end {
                    isNear = left.start - right.end <= distance
                } else {
                    isNear = false
                }
                guard isNear else { continue }
                let (first, last) = left.start < right.start ? (left, right) : (right, left)
                if covers {
                    result.append(Span(start: first.start, end: max(first.end, last.end),
                                       byteStart: first.byteStart, byteEnd: max(first.byteEnd, last.byteEnd)))
                } else {
                    result += [first, last]
                }
                if result.count >= Self.maxSpans { return result }
            }
        }
        return result
    }
}

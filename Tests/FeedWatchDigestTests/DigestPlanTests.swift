@testable import FeedWatchDigest
import FeedWatchModel
import Foundation
import Testing

/// `DigestPlan` folds copies of a story by its items' link and title keys, through compact
/// tables of first entries (`FirstEntries`); these hold it to the plain dictionary reading.
@Suite struct DigestPlanTests {
    @Test func firstEntriesKeepTheFirstEntryOfEachKey() {
        let keys: [UInt64] = [7, 7, 9, 1 << 40, 7, 9]
        var table = FirstEntries(count: keys.count) { keys[Int($0)] }
        for (position, key) in keys.enumerated() { table.insertIfAbsent(key, entry: Int32(position)) }
        #expect(table.entry(7) == 0)
        #expect(table.entry(9) == 2)
        #expect(table.entry(1 << 40) == 3)
        #expect(table.entry(8) == nil)
    }

    /// Keys a feed could choose to agree in their low and high bits still spread over the
    /// table: every one is found, each as its own first entry.
    @Test func keysAlikeInTheirBitsAreAllFound() {
        let keys: [UInt64] = (0..<50_000).map { UInt64($0) << 24 | 0xABCDEF }
        var table = FirstEntries(count: keys.count) { keys[Int($0)] }
        for (position, key) in keys.enumerated() { table.insertIfAbsent(key, entry: Int32(position)) }
        #expect(keys.indices.allSatisfy { table.entry(keys[$0]) == Int32($0) })
        #expect(table.entry(0xABCDEF | 1 << 63) == nil)
    }

    /// Random days with many shared links and titles: the plan's stories and folds are those
    /// of the dictionary reading (each key to the story of the first item that had it).
    @Test func foldsAsTheDictionaryReading() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let count = Int.random(in: 1...400, using: &random)
            let entries = (0..<count).map { number in
                DigestIndex.Entry(
                    articleID: Int64(number + 1), storyID: Bool.random(using: &random) ? Int64(number + 1) : nil,
                    linkKey: Bool.random(using: &random) ? 0 : UInt64.random(in: 1...40, using: &random),
                    titleKey: Bool.random(using: &random) ? 0 : UInt64.random(in: 1...60, using: &random))
            }
            let split = Int.random(in: 0...count, using: &random)
            let index = DigestIndex(
                id: 1, day: "2026-12-05", timeZone: "UTC", created: Date(timeIntervalSince1970: 0),
                sections: [
                    DigestIndex.Section(topic: TopicReference(id: "a", name: "A"), entries: 0..<split),
                    DigestIndex.Section(topic: TopicReference(id: "b", name: "B"), entries: split..<count),
                ],
                entries: entries)
            let plan = DigestPlan(index, dismissals: [])
            let expected = [0..<split, split..<count].compactMap { range -> [(entry: Int32, folded: [Int32])]? in
                var stories: [(entry: Int32, folded: [Int32])] = []
                var byLink: [UInt64: Int] = [:]
                var byTitle: [UInt64: Int] = [:]
                for position in range {
                    let entry = entries[position]
                    let story: Int
                    if let known = (entry.linkKey == 0 ? nil : byLink[entry.linkKey]) ?? (entry.titleKey == 0 ? nil : byTitle[entry.titleKey]) {
                        story = known
                        stories[story].folded.append(Int32(position))
                    } else {
                        story = stories.count
                        stories.append((Int32(position), []))
                    }
                    if entry.linkKey != 0, byLink[entry.linkKey] == nil { byLink[entry.linkKey] = story }
                    if entry.titleKey != 0, byTitle[entry.titleKey] == nil { byTitle[entry.titleKey] = story }
                }
                return stories.isEmpty ? nil : stories
            }
            #expect(plan.sections.map { $0.stories.map(\.entry) } == expected.map { $0.map(\.entry) })
            #expect(plan.sections.map { $0.stories.map(\.folded) } == expected.map { $0.map(\.folded) })
        }
    }
}

import Foundation
import Testing
import FeedWatchModel
@testable import FeedWatchClustering

/// The clusterer's own index structures: the integer table that replaced `Dictionary` (and its
/// SipHash) on the hot path, and eviction that gives back what an evicted article held.
@Suite struct ClusterIndexBoundsTests {
    /// Insert, overwrite and remove many keys in an order that makes long probe runs (keys
    /// differing only in high bits), checking every key against a `Dictionary` after each step:
    /// backward-shift deletion must never lose a key that probed past a removed one.
    @Test func integerTableAgreesWithADictionaryThroughInsertsAndRemovals() {
        var table = IntegerTable<UInt64, Int32>()
        var reference: [UInt64: Int32] = [:]
        var random = SystemRandomNumberGenerator()
        let keys = (0..<3000).map { UInt64($0) << 40 | UInt64($0 % 7) }
        for round in 0..<4 {
            for (index, key) in keys.enumerated() where (index + round) % 3 != 0 {
                let value = Int32(truncatingIfNeeded: random.next() & 0xFFFF)
                table[key] = value
                reference[key] = value
            }
            for (index, key) in keys.enumerated() where (index * 7 + round) % 5 == 0 {
                table[key] = nil
                reference[key] = nil
            }
            #expect(table.count == reference.count)
            for key in keys { #expect(table[key] == reference[key]) }
        }
        for key in keys { table[key] = nil }
        #expect(table.count == 0)
    }

    /// A long-running index (window full, then sliding) keeps its size and its buckets
    /// bounded: evicted articles free their slots and their buckets, and stories still form
    /// among the articles that remain.
    @Test func evictionGivesBackSlotsAndBuckets() {
        var configuration = ClusteringConfiguration()
        configuration.window = 3600
        var clusterer = StoryClusterer(configuration: configuration)
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        var lastStories: [Int64] = []
        for id in Int64(1)...6000 {
            // Three feeds carry each story, one story a minute; the window holds an hour.
            let story = (id - 1) / 3
            let text = "story \(story) " + (0..<40).map { "w\(story)x\($0)" }.joined(separator: " ")
            let date = start.addingTimeInterval(Double(story) * 60)
            let assigned = clusterer.assign(ClusterDocument(
                articleID: id, feedID: (id - 1) % 3 + 1, title: "Headline number \(story) about things", text: text, date: date))
            if id > 5997 { lastStories.append(assigned) }
        }
        #expect(Set(lastStories).count == 1)
        // An hour of stories (61 minutes inclusive) × 3 articles, whatever came before.
        #expect(clusterer.count <= 61 * 3)
        #expect(clusterer.bucketCount <= 61 * 3 * (configuration.bands + 1))
    }

    /// The index's memory follows what it holds, not how many articles went through it: a
    /// stream of 10,000 articles through an index bounded to 1,000 keeps the storage it had
    /// after the first 3,000, within a fixed number of bytes per held article (no per-article
    /// object or bucket entry piles up).
    @Test func storageStaysTheSizeOfWhatTheIndexHolds() {
        var configuration = ClusteringConfiguration()
        configuration.maxIndexed = 1_000
        var clusterer = StoryClusterer(configuration: configuration)
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        var storageAfterWarmUp = 0
        var largest = 0
        for id in Int64(1)...10_000 {
            // Every article its own story (the worst case for buckets: every band key distinct), one a minute.
            let text = (0..<20).map { "w\(id)x\($0)" }.joined(separator: " ")
            let document = ClusterDocument(
                articleID: id, feedID: id % 50 + 1, title: "Headline \(id) on words \(id * 7) and \(id * 13)", text: text,
                date: start.addingTimeInterval(Double(id) * 60))
            _ = clusterer.assign(document)
            if id == 3_000 { storageAfterWarmUp = clusterer.storageBytes }
            if id > 3_000 { largest = max(largest, clusterer.storageBytes) }
        }
        #expect(clusterer.count <= 1_000)
        #expect(largest == storageAfterWarmUp)
        // Records, signatures, band links and marks (444 bytes) for 1,200 articles (evicted
        // ones wait for compaction until they are an eighth), trigram runs (about 150 bytes,
        // in an array that grows by doubling), heads (128 to 256 bytes), the two tables.
        #expect(storageAfterWarmUp < 1_000 * 1_100)
    }
}

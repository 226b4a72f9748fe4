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
        // Records and band entries (320 bytes) for 1,200 articles (evicted ones wait for
        // compaction until they are an eighth), title bytes (in an array that grows by
        // doubling), band heads (128 bytes once full), title heads, the two tables.
        #expect(storageAfterWarmUp < 1_000 * 1_100)
    }

    /// A band's link and its signature values share one entry: for 1 to 4 rows a band (an odd
    /// count leaves half a word of padding), a chain step's membership is "every row of the band
    /// equal" and the signature comparison counts exactly the equal values, whatever the links
    /// (30 values in 10 bands: a record of 30 words, compared 8 words at a time and 6 alone).
    @Test(arguments: [(64, 64), (64, 32), (48, 16), (64, 16), (30, 10)])
    func bandEntriesHoldTheSignature(signatureSize: Int, bands: Int) {
        var index = ClusterIndex(signatureSize: signatureSize, bands: bands, expectedArticles: 8, maxLive: 8)
        var random = SystemRandomNumberGenerator()
        for round in 0..<20 {
            let stored = (0..<signatureSize).map { _ in UInt16(truncatingIfNeeded: random.next()) }
            // Some values equal, some not, some whole bands equal.
            let other = stored.enumerated().map { position, value in
                (position / (signatureSize / bands) + round) % 3 == 0 || random.next() % 2 == 0 ? value : value &+ 1
            }
            var entries: [UInt32] = []
            index.entries(of: stored, into: &entries)
            var keys: [UInt64] = []
            ClusterIndex.bandKeys(stored[...], bands: bands, into: &keys)
            let record = ClusterIndex.Record(
                articleID: Int64(round + 1), feedID: 1, storyID: Int64(round + 1), date: 0, titleStart: 0, banded: true)
            index.append(record, titleKey: 0, entries: entries, bandKeys: keys, title: "", trigrams: [])
            let position = index.records.count - 1
            var own: [UInt32] = []
            index.entries(of: other, into: &own)
            #expect(index.equalValues(at: position, own: own) == zip(stored, other).filter { $0 == $1 }.count)
            let rows = signatureSize / bands
            for band in 0..<bands {
                let same = stored[(band * rows)..<((band + 1) * rows)] == other[(band * rows)..<((band + 1) * rows)]
                #expect(index.bandStep(band, at: position, own: own.span).member == same)
            }
        }
    }

    /// Once the index holds `maxIndexed` articles its band heads stop at one position per band
    /// entry of that many (32 positions, 128 bytes, an article with the defaults) and do not
    /// grow as articles keep coming; title heads are a sixteenth of that.
    @Test func headsStopAtOnePositionPerBandEntryOfAFullIndex() {
        var configuration = ClusteringConfiguration()
        configuration.maxIndexed = 1_000
        var clusterer = StoryClusterer(configuration: configuration)
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        for id in Int64(1)...5_000 {
            let text = (0..<20).map { "w\(id)x\($0)" }.joined(separator: " ")
            _ = clusterer.assign(ClusterDocument(
                articleID: id, feedID: id % 50 + 1, title: "Headline \(id) on words \(id * 7) and \(id * 13)", text: text,
                date: start.addingTimeInterval(Double(id) * 60)))
            if id >= 1_001 {
                #expect(clusterer.headPositions.band == 1_001 * configuration.bands)
                #expect(clusterer.headPositions.title == 1_001 * configuration.bands / 16)
            }
        }
    }
}

import FeedWatchClustering
import Foundation

/// Story clustering alone on the articles `CycleBenchmark` serves (same generator, same
/// vocabularies), fed in feed order as a cold cycle stores them: what clustering costs of a
/// cold cycle without the fetching, storing and digests around it.
///
/// near-duplicate: every text is a shared 40-word lead from a 12-word vocabulary plus 20 random
/// words of it (every article a near duplicate of every other: full buckets, the worst case).
/// realistic: a 20,000-word Zipf vocabulary; in each group of three feeds every third item is
/// the same story (own opening words around a shared text), the rest are their own, which
/// gives a ground truth for pair precision and recall.
///
/// With `evictMegabytes`, that much other memory is written between feeds (untimed), so the
/// index is read from memory as in a cycle, where each refresh's other work evicts it.
func clusterCycleArticles(vocabulary: String, feeds: Int, items: Int, evictMegabytes: Int = 0) {
    var zipfRandom = SplitMix64(state: 2026)
    let syllables = ["ka", "ro", "mi", "ten", "sa", "vo", "lu", "dre", "pa", "nim", "ost", "er", "al", "qui", "zen", "bor"]
    let zipfWords: [String] = (0..<20_000).map { _ in
        (0..<(2 + zipfRandom.below(3))).map { _ in syllables[zipfRandom.below(syllables.count)] }.joined()
    }
    let nearDuplicateWords = [
        "missile", "test", "launch", "officials", "said", "region", "report", "new", "statement", "forces", "today", "coast",
    ]
    var leadRandom = SplitMix64(state: 12)
    let lead = (0..<40).map { _ in nearDuplicateWords[leadRandom.below(nearDuplicateWords.count)] }.joined(separator: " ")
    func words(_ random: inout SplitMix64, count: Int) -> String {
        var parts: [String] = []
        for _ in 0..<count {
            if vocabulary == "near-duplicate" {
                parts.append(nearDuplicateWords[random.below(nearDuplicateWords.count)])
            } else {
                let rank = Int(Double(zipfWords.count) * pow(Double(random.below(10_000)) / 10_000, 3))
                parts.append(zipfWords[min(rank, zipfWords.count - 1)])
            }
        }
        return parts.joined(separator: " ")
    }
    var documents: [ClusterDocument] = []
    var truth: [Int64: Int] = [:]
    let day = Date(timeIntervalSince1970: 1_796_371_200)  // 2026-12-04 00:00 UTC
    for number in 0..<feeds {
        for item in 0..<items {
            let shared = vocabulary == "realistic" && item % 3 == 0
            var story = SplitMix64(state: shared ? UInt64((number / 3) * 1_000 + item) : UInt64(number * 1_000 + item) &+ 7_777_777)
            var own = SplitMix64(state: UInt64(number * 1_000 + item) &+ 99)
            let title = words(&story, count: 7)
            let text = vocabulary == "realistic"
                ? words(&own, count: 6) + " missile " + words(&story, count: 60)
                : "missile " + lead + " " + words(&story, count: 20)
            let id = Int64(documents.count + 1)
            documents.append(ClusterDocument(articleID: id, feedID: Int64(number + 1), title: title, text: text,
                                             date: day.addingTimeInterval(Double(8 * 3600 + (item % 60) * 60))))
            truth[id] = shared ? (number / 3) * 1_000 + item : -(number * 1_000 + item + 1)
        }
    }
    var clusterer = StoryClusterer()
    var assigned: [Int64: Int64] = [:]
    assigned.reserveCapacity(documents.count)
    var other = [UInt8](repeating: 0, count: evictMegabytes << 20)
    // The thread's CPU time, not the wall clock: other processes on a shared machine then
    // move the figure less.
    func threadCPU() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
    var seconds = 0.0
    for feed in stride(from: 0, to: documents.count, by: items) {
        let start = threadCPU()
        for document in documents[feed..<min(feed + items, documents.count)] {
            assigned[document.articleID] = clusterer.assign(document)
        }
        seconds += threadCPU() - start
        // A write per cache line of the other memory.
        for line in stride(from: 0, to: other.count, by: 64) { other[line] &+= 1 }
    }
    var byTruth: [Int: Int] = [:]
    var byFound: [Int64: [Int64]] = [:]
    for document in documents {
        byTruth[truth[document.articleID] ?? 0, default: 0] += 1
        byFound[assigned[document.articleID] ?? 0, default: []].append(document.articleID)
    }
    var truePairs = 0, foundPairs = 0, correctPairs = 0
    for count in byTruth.values { truePairs += count * (count - 1) / 2 }
    for members in byFound.values {
        foundPairs += members.count * (members.count - 1) / 2
        var perTruth: [Int: Int] = [:]
        for member in members { perTruth[truth[member] ?? 0, default: 0] += 1 }
        for count in perTruth.values { correctPairs += count * (count - 1) / 2 }
    }
    // A checksum of the decisions, so two builds can be compared for the same stories.
    var checksum: UInt64 = 0xcbf2_9ce4_8422_2325
    for document in documents {
        checksum = (checksum ^ UInt64(bitPattern: assigned[document.articleID] ?? 0)) &* 0x0000_0100_0000_01B3
    }
    print(String(format: "cycle clustering (%@%@): %d articles of %d feeds in %.3f s CPU = %.0f articles/s; %d stories; pair precision %.3f, recall %.3f; decisions %016llx; index %d articles, %.1f MB, %.0f bytes an article",
                 vocabulary, evictMegabytes > 0 ? ", \(evictMegabytes) MB evicted between feeds" : "", documents.count, feeds, seconds, Double(documents.count) / seconds, byFound.count,
                 Double(correctPairs) / Double(max(foundPairs, 1)), Double(correctPairs) / Double(max(truePairs, 1)), checksum,
                 clusterer.count, Double(clusterer.storageBytes) / 1e6, Double(clusterer.storageBytes) / Double(max(clusterer.count, 1))))
}

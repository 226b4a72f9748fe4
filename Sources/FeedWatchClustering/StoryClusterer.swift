public import Foundation
import FeedWatchModel

/// The knobs of story clustering; every bound is explicit.
public struct ClusteringConfiguration: Sendable, Hashable {
    /// Articles further apart in time than this are never the same story.
    public var window: TimeInterval = 72 * 3600
    /// Words per shingle.
    public var shingleSize: Int = 3
    /// MinHash functions; must be a multiple of `bands`.
    public var signatureSize: Int = 64
    /// LSH bands: 32 bands of 2 rows make a pair at 45 % similarity share a band with
    /// probability 1 − (1 − 0.4²)³² ≈ 0.996; the signature comparison then decides.
    public var bands: Int = 32
    /// Estimated Jaccard similarity of the texts' shingles at or above which two articles are one story.
    public var textThreshold: Double = 0.4
    /// Trigram similarity of normalised titles at or above which two articles are one story.
    public var titleThreshold: Double = 0.8
    /// Only the first words of each text are shingled: a wire story's lead is what outlets share.
    public var maxWords: Int = 600
    /// At most this many articles are kept in the index; the oldest go first.
    public var maxIndexed: Int = 100_000
    /// At most this many indexed articles are compared with a new one, the newest of its
    /// buckets first. A wire story carried by thousands of feeds, or boilerplate text every
    /// item shares, would otherwise make each new article cost a comparison with all of them.
    /// 64: a true match shares many bands, so it comes in the walk's first rounds (one article
    /// of each chain a round); more candidates only gave more copies of the same story (256
    /// cost a near-duplicate cold cycle three times the clustering CPU, for the same pair
    /// precision and recall).
    public var maxCandidates: Int = 64
    /// At most the newest this many articles of each LSH or title bucket are read. Older ones
    /// stay indexed (and in their story), they are just no longer found through that bucket;
    /// the story is still found through its newer articles.
    public var maxBucketSize: Int = 512
    /// At most this many bucket entries are read to gather one article's candidates. When a
    /// story fills every bucket (wire copy carried by thousands of feeds) each round over the
    /// buckets yields the same few articles; this bounds that walk, not the candidates found
    /// in ordinary buckets.
    public var maxBucketVisits: Int = 256

    /// The defaults: 72 hours, 3-word shingles, 64 hashes in 32 bands, 0.4 text and 0.8 title similarity.
    public init() {}
}

/// One article as clustering sees it.
public struct ClusterDocument: Sendable, Hashable {
    /// The stored article's id; a new story takes its first article's id.
    public var articleID: Int64
    /// The feed it came from: articles of one feed are never one story.
    public var feedID: Int64
    public var title: String
    /// The best text available: extracted full text, else the feed's content or summary.
    public var text: String
    /// Publication time, else discovery time.
    public var date: Date
    /// The story it already belongs to (when re-indexing stored articles), nil for a new article.
    public var storyID: Int64?

    /// A document for `StoryClusterer.assign`.
    public init(articleID: Int64, feedID: Int64, title: String, text: String, date: Date, storyID: Int64? = nil) {
        self.articleID = articleID
        self.feedID = feedID
        self.title = title
        self.text = text
        self.date = date
        self.storyID = storyID
    }
}

/// Groups articles from different feeds about the same story: MinHash over word shingles with
/// LSH banding finds near-duplicate texts, and trigram similarity of normalised titles catches
/// rewrites with a shared headline, both within a time window. Two articles of one feed are
/// never merged (a feed does not report its own story twice; an update is not a new article).
///
/// A story's id is the article id of its first article. Pure and in memory: the daemon feeds it
/// the recent stored articles at start, then each new article once.
///
/// Cost per article is bounded and does not grow with the index: at most `maxCandidates`
/// candidates, gathered in at most `maxBucketVisits` steps along `bands + 1` bucket chains;
/// a candidate that shares an LSH band costs one signature comparison, one found only through
/// its title none, and a title comparison is made only when the texts did not decide and the
/// titles' lengths and trigram bits allow a match. Memory per article is fixed and keeps no
/// text: `ClusterIndex` holds records, band entries (links and signature values) and title
/// bytes in flat arrays, and two integer tables (no `Hasher`) map article ids and (story, feed)
/// pairs: about 680 bytes an indexed article with the defaults once `maxIndexed` are held
/// (40 record, 24 title entry, 256 band entries, 128 band heads, the rest titles, tables and
/// the slack compaction leaves). The head arrays grow with what the index holds, so a small
/// daemon's index stays small.
public struct StoryClusterer: Sendable {
    /// The configuration in force (bands and signature size made consistent).
    public let configuration: ClusteringConfiguration

    private var index: ClusterIndex
    /// The sequence number of each indexed article, by article id.
    private var seqOfArticle = IntegerTable<Int64, UInt32>()
    /// How many indexed articles each (story, feed) pair has: a story takes one article per feed.
    private var storyFeeds = IntegerTable<IntegerPair, Int32>()
    /// Candidate de-duplication: a record is taken once per `visit`. `taken` is a small open
    /// addressing set (`visit` in the high half of a slot, record + 1 in the low half; a slot of
    /// another visit is empty), at most half full as it holds at most `maxCandidates` records:
    /// it stays in the L1 cache, where a mark per indexed record cost a cache miss per step.
    /// `takenAt` is each slot's position in `candidates`.
    private var visit: UInt32 = 0
    private var taken: [UInt64]
    private var takenAt: [Int32]
    /// Per candidate: whether it is in one of the new article's band chains (shares a band).
    private var sharesBand: [Bool] = []
    /// Reused between calls: the new article's band keys and band entries, the walk's cursors
    /// and counts, the candidates, the new title's trigrams per bloom bit.
    private var scratchKeys: [UInt64] = []
    private var ownEntries: [UInt32] = []
    private var trigramsPerBit: [Int32] = Array(repeating: 0, count: 64)
    /// The new article's word hashes, shingles, signature minima and signature.
    private var words: [UInt64] = []
    private var shingles: [UInt64] = []
    private var minima: [UInt64] = []
    private var signature: [UInt16] = []
    /// The new title's distinct trigrams and the table that de-duplicates them.
    private var ownTrigrams: [UInt32] = []
    private var trigramTable: [UInt32] = []
    private var cursors: [UInt32] = []
    private var walked: [Int] = []
    private var candidates: [Int] = []
    /// The bucket entries read and the candidates compared for the last article (for tests of the bounds).
    private(set) var lastWork = (visits: 0, candidates: 0)

    /// An empty index.
    public init(configuration: ClusteringConfiguration = ClusteringConfiguration()) {
        var configuration = configuration
        configuration.bands = max(1, configuration.bands)
        configuration.signatureSize = max(configuration.bands, configuration.signatureSize / configuration.bands * configuration.bands)
        self.configuration = configuration
        let takenSize = ClusterIndex.powerOfTwo(atLeast: 2 * max(1, min(configuration.maxCandidates, configuration.maxIndexed + 1)))
        taken = Array(repeating: 0, count: max(16, takenSize))
        takenAt = Array(repeating: 0, count: max(16, takenSize))
        index = ClusterIndex(
            signatureSize: configuration.signatureSize, bands: configuration.bands,
            expectedArticles: configuration.maxIndexed + configuration.maxIndexed / 7 + 65,
            maxLive: configuration.maxIndexed + 1)
    }

    /// How many articles the index holds.
    public var count: Int { seqOfArticle.count }

    /// How many bucket heads name an indexed article (for tests of the bounds).
    var bucketCount: Int { index.liveHeadCount }

    /// How many band and title head positions the index has (for tests of the memory bound).
    var headPositions: (band: Int, title: Int) { (index.bandHeads.count, index.titleHeads.count) }

    /// Bytes held by the index's arrays and tables (their reserved capacity), for tests of the
    /// memory bound and for benchmarks.
    public var storageBytes: Int { index.storageBytes + seqOfArticle.storageBytes + storyFeeds.storageBytes }

    /// Adds `document` and returns its story id: the story of the most similar indexed article
    /// from another feed, or a new story (its own article id).
    public mutating func assign(_ document: ClusterDocument) -> Int64 {
        if let known = seqOfArticle[document.articleID], let record = index.index(of: known) {
            return index.records[record].storyID
        }
        // The title's words then the text's, as the words of `title + " " + text`.
        // Into arrays kept between calls (five allocations an article fewer).
        words.removeAll(keepingCapacity: true)
        TextShingles.wordHashes(document.title, maxWords: configuration.maxWords, appendingTo: &words)
        if words.count < configuration.maxWords {
            TextShingles.wordHashes(document.text, maxWords: configuration.maxWords - words.count, appendingTo: &words)
        }
        TextShingles.shingleList(hashes: words, size: configuration.shingleSize, into: &shingles)
        MinHashSignature.values16(shingles: shingles, count: configuration.signatureSize, into: &signature, minima: &minima)
        let title = TextShingles.title(document.title, maxWords: 64)
        let normalisedTitle = title.normalised
        // A title of a word or two ("Live updates") says nothing about the story.
        // Distinct but not sorted (`bestStory` sorts them only for an exact comparison).
        ownTrigrams.removeAll(keepingCapacity: true)
        if title.wordCount >= 4 { TextShingles.distinctTitleTrigrams(normalised: normalisedTitle, into: &ownTrigrams, table: &trigramTable) }
        let titleTrigrams = ownTrigrams
        // Looked up whatever the title's length (the texts may still match), indexed only with trigrams.
        let titleKey = title.key
        // An empty text would put every empty text in the same buckets: index only real signatures.
        scratchKeys.removeAll(keepingCapacity: true)
        if !shingles.isEmpty { ClusterIndex.bandKeys(signature[...], bands: configuration.bands, into: &scratchKeys) }
        let bandKeys = scratchKeys
        index.entries(of: signature, into: &ownEntries)
        let date = document.date.timeIntervalSince1970
        let storyID = document.storyID
            ?? bestStory(feedID: document.feedID, date: date, trigrams: titleTrigrams, bandKeys: bandKeys, titleKey: titleKey)
            ?? document.articleID

        let record = ClusterIndex.Record(
            articleID: document.articleID, feedID: document.feedID, storyID: storyID, date: date, titleStart: 0, banded: false)
        seqOfArticle[document.articleID] = index.append(
            record, titleKey: titleTrigrams.isEmpty ? 0 : titleKey, entries: ownEntries, bandKeys: bandKeys,
            title: normalisedTitle, trigrams: titleTrigrams)
        let pair = IntegerPair(first: storyID, second: document.feedID)
        storyFeeds[pair] = (storyFeeds[pair] ?? 0) + 1
        evict(before: date - configuration.window)
        return storyID
    }

    /// Walks the new article's chains (its band chains, then its title chain: headlines sharing
    /// their longest word are compared too, as rewrites with a shared headline differ in text),
    /// newest first across them, one article of each chain a round, up to the bounds, into
    /// `candidates` (with `sharesBand`); each record is taken once per `visit`. Returns how many
    /// chain entries were read.
    ///
    /// The scratch arrays are moved out of `self` and written through spans: written in place,
    /// an array checks that it is unique (and an append that it has room) on every write, which
    /// was a sixth of the walk; the spans check bounds only.
    private mutating func gatherCandidates(bandKeys: [UInt64], titleKey: UInt64) -> Int {
        let bands = bandKeys.count
        let maxBucketSize = max(1, configuration.maxBucketSize)
        let maxVisits = configuration.maxBucketVisits
        // A candidate is taken before the bound is checked: at least one is.
        let room = max(1, configuration.maxCandidates)
        let visit = self.visit
        var cursors: [UInt32] = []
        var walked: [Int] = []
        var taken: [UInt64] = []
        var takenAt: [Int32] = []
        var candidates: [Int] = []
        var sharesBand: [Bool] = []
        exchangeWalkArrays(&cursors, &walked, &taken, &takenAt, &candidates, &sharesBand)
        let chains = bands + (titleKey != 0 ? 1 : 0)
        cursors.removeAll(keepingCapacity: true)
        cursors.append(contentsOf: repeatElement(0, count: chains))
        walked.removeAll(keepingCapacity: true)
        walked.append(contentsOf: repeatElement(0, count: chains))
        candidates.removeAll(keepingCapacity: true)
        candidates.append(contentsOf: repeatElement(0, count: room))
        sharesBand.removeAll(keepingCapacity: true)
        sharesBand.append(contentsOf: repeatElement(false, count: room))
        var count = 0
        var visits = 0
        do {
            var cursor = cursors.mutableSpan
            var walk = walked.mutableSpan
            var slots = taken.mutableSpan
            var positions = takenAt.mutableSpan
            var taking = candidates.mutableSpan
            var banded = sharesBand.mutableSpan
            let mask = slots.count - 1
            let own = ownEntries.span
            // Each chain starts at its key's head.
            for band in 0..<bands { cursor[band] = index.bandHead(bandKeys[band]) }
            if titleKey != 0 { cursor[bands] = index.titleHead(titleKey) }
            var open = cursor.count
            gathering: while open > 0 {
                open = 0
                for chain in 0..<cursor.count where cursor[chain] != 0 {
                    visits += 1
                    if visits > maxVisits { break gathering }
                    let seq = cursor[chain]
                    // Chains run newest first: past an evicted article every one is evicted.
                    guard let record = index.index(of: seq) else {
                        cursor[chain] = 0
                        continue
                    }
                    // A head position is shared by keys whose hashes meet there: take only this key's articles.
                    let (next, member) = chain < bands
                        ? index.bandStep(chain, at: record, own: own) : index.titleStep(at: record, key: titleKey)
                    cursor[chain] = next < seq ? next : 0
                    guard member else {
                        if cursor[chain] != 0 { open += 1 }
                        continue
                    }
                    walk[chain] += 1
                    if walk[chain] >= maxBucketSize { cursor[chain] = 0 }
                    if cursor[chain] != 0 { open += 1 }
                    // Taken once per visit: `visit` in a slot's high half, record + 1 in its low half.
                    let viaBand = chain < bands
                    let mark = UInt64(visit) << 32 | UInt64(UInt32(truncatingIfNeeded: record + 1))
                    var slot = Int(truncatingIfNeeded: (UInt64(record) &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
                    var isNew = false
                    while true {
                        let found = slots[slot]
                        if found == mark {
                            if viaBand { banded[Int(positions[slot])] = true }
                            break
                        }
                        if UInt32(truncatingIfNeeded: found >> 32) != visit {
                            slots[slot] = mark
                            positions[slot] = Int32(truncatingIfNeeded: count)
                            taking[count] = record
                            banded[count] = viaBand
                            count += 1
                            isNew = true
                            break
                        }
                        slot = (slot + 1) & mask
                    }
                    if isNew && count >= room { break gathering }
                }
            }
        }
        candidates.removeLast(room - count)
        sharesBand.removeLast(room - count)
        exchangeWalkArrays(&cursors, &walked, &taken, &takenAt, &candidates, &sharesBand)
        return visits
    }

    /// Exchanges the candidate walk's arrays with the clusterer's: moved out for the walk (as
    /// locals each can be written through a span while the others are), moved back after it.
    private mutating func exchangeWalkArrays(
        _ cursors: inout [UInt32], _ walked: inout [Int], _ taken: inout [UInt64], _ takenAt: inout [Int32],
        _ candidates: inout [Int], _ sharesBand: inout [Bool]
    ) {
        swap(&cursors, &self.cursors)
        swap(&walked, &self.walked)
        swap(&taken, &self.taken)
        swap(&takenAt, &self.takenAt)
        swap(&candidates, &self.candidates)
        swap(&sharesBand, &self.sharesBand)
    }

    private mutating func bestStory(
        feedID: Int64, date: Double, trigrams: [UInt32], bandKeys: [UInt64], titleKey: UInt64
    ) -> Int64? {
        visit &+= 1
        if visit == 0 {
            for slot in taken.indices { taken[slot] = 0 }
            visit = 1
        }
        let visits = gatherCandidates(bandKeys: bandKeys, titleKey: titleKey)
        lastWork = (min(visits, configuration.maxBucketVisits), candidates.count)
        let own = ownEntries
        var best: (story: Int64, similarity: Double)?
        let size = configuration.signatureSize
        // Whether the last story looked up may take this feed (candidates of one story come in
        // runs). A story not looked up yet is looked up only for a candidate that would be the
        // best so far: most candidates of an ordinary article are not similar at all.
        var lastStory: Int64?
        var lastStoryOpen = false
        // How many of the new title's trigrams have each bloom bit (for the bound below).
        var ownBloom: UInt64 = 0
        // `trigrams` sorted, made for the first exact title comparison (most articles have none).
        var sortedTrigrams: [UInt32] = []
        if !trigrams.isEmpty && !candidates.isEmpty {
            for bit in 0..<64 { trigramsPerBit[bit] = 0 }
            for trigram in trigrams {
                trigramsPerBit[Int(trigram & 63)] += 1
                ownBloom |= 1 << (trigram & 63)
            }
        }
        let perBit = trigramsPerBit
        let titleThreshold = configuration.titleThreshold
        // Whether the other title may be similar enough, by what its title entry says. First by
        // the lengths: the Jaccard similarity of two sets is at most the smaller size over the
        // larger. Then by the other title's trigram bits: own trigrams whose bit is clear there
        // are not shared, so at most `shared` are, and the similarity is at most
        // shared / (own + other − shared). An exact comparison only when that can pass.
        func titleMayMatch(_ other: ClusterIndex.TitleEntry) -> Bool {
            let otherCount = Int(other.trigramCount)
            guard Double(min(otherCount, trigrams.count)) >= titleThreshold * Double(max(otherCount, trigrams.count)) else { return false }
            var shared = 0
            var bits = ownBloom & other.bloom
            while bits != 0 {
                shared += Int(perBit[bits.trailingZeroBitCount])
                bits &= bits &- 1
            }
            return Double(shared) >= titleThreshold * Double(trigrams.count + otherCount - shared)
        }
        for (position, record) in candidates.enumerated() {
            // Empty texts have no signature to compare (it would be all "no minimum"). An article
            // found only through its title shares no LSH band with this one, which is what
            // decides whether texts are compared: it is compared by title only, without reading
            // its signature (a common headline word made most candidates such articles).
            let textsCompared = !bandKeys.isEmpty && sharesBand[position]
            // Such an article can only pass by its title (when a text similarity of 0 does not):
            // when its title entry rules that out it is skipped here, without reading its record
            // (a cache miss; the checks below would only skip it too).
            if !textsCompared && configuration.textThreshold > 0 {
                guard !trigrams.isEmpty, titleMayMatch(index.titles[record]) else { continue }
            }
            let other = index.records[record]
            guard other.feedID != feedID, abs(other.date - date) <= configuration.window else { continue }
            if other.storyID == lastStory && !lastStoryOpen { continue }
            var equal = 0
            if textsCompared && other.banded { equal = index.equalValues(at: record, own: own) }
            let textSimilarity = Double(equal) / Double(size)
            let similarity: Double
            if textSimilarity >= configuration.textThreshold {
                similarity = textSimilarity
            } else if !trigrams.isEmpty {
                // Only when the texts did not decide, and only when the title bounds allow it.
                guard titleMayMatch(index.titles[record]) else { continue }
                if sortedTrigrams.isEmpty { sortedTrigrams = trigrams.sorted() }
                let titleSimilarity = TextShingles.jaccard(sorted: sortedTrigrams, index.trigrams(of: record))
                guard titleSimilarity >= configuration.titleThreshold else { continue }
                similarity = titleSimilarity
            } else {
                continue
            }
            guard best == nil || similarity > best!.similarity else { continue }
            if other.storyID != lastStory {
                lastStory = other.storyID
                lastStoryOpen = storyFeeds[IntegerPair(first: other.storyID, second: feedID)] == nil
            }
            guard lastStoryOpen else { continue }
            best = (other.storyID, similarity)
        }
        return best?.story
    }

    /// Drops articles older than `cutoff` (in insertion order) and anything beyond `maxIndexed`.
    private mutating func evict(before cutoff: Double) {
        while let oldest = index.oldest, oldest.date < cutoff || count > configuration.maxIndexed {
            _ = index.dropOldest()
            seqOfArticle[oldest.articleID] = nil
            let pair = IntegerPair(first: oldest.storyID, second: oldest.feedID)
            let remaining = (storyFeeds[pair] ?? 1) - 1
            storyFeeds[pair] = remaining > 0 ? remaining : nil
        }
    }
}

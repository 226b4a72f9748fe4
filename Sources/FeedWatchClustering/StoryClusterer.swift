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
    public var maxCandidates: Int = 256
    /// Each LSH or title bucket remembers at most its newest this many articles. Older ones
    /// stay indexed (and in their story), they are just no longer found through that bucket;
    /// the story is still found through its newer articles.
    public var maxBucketSize: Int = 512
    /// At most this many bucket entries are read to gather one article's candidates. When a
    /// story fills every bucket (wire copy carried by thousands of feeds) each round over the
    /// buckets yields the same few articles; this bounds that walk, not the candidates found
    /// in ordinary buckets.
    public var maxBucketVisits: Int = 1024

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
/// candidates, gathered from at most `bands + 1` buckets of at most `2 × maxBucketSize` nodes;
/// each candidate costs one signature comparison (and a title comparison only when the texts
/// did not already decide). The index keeps no text, only signatures and title trigrams, in
/// flat arrays addressed by slot, with integer hash tables (no `Hasher`) for its lookups.
public struct StoryClusterer: Sendable {
    /// The configuration in force (bands and signature size made consistent).
    public let configuration: ClusteringConfiguration

    /// What the index keeps of one article.
    private struct Slot: Sendable {
        var articleID: Int64
        var feedID: Int64
        var storyID: Int64
        var date: Double
        /// The title bucket's key; 0 when the title is not indexed.
        var titleKey: UInt64
        /// Moves on when the slot is evicted, so bucket nodes naming the old article are dead.
        var generation: UInt32
        var live: Bool
        /// Whether the article's band keys are in the buckets (it had a text).
        var banded: Bool
    }

    private var slots: [Slot] = []
    /// `signatureSize` 32-bit MinHash values per slot.
    private var signatures: [UInt32] = []
    /// Sorted distinct title trigram hashes per slot; empty when the title is too short.
    private var trigrams: [[UInt32]] = []
    private var freeSlots: [Int32] = []
    private var slotOfArticle = IntegerTable<Int64, Int32>()
    private var bands = BucketPool()
    private var titles = BucketPool()
    /// How many indexed articles each (story, feed) pair has: a story takes one article per feed.
    private var storyFeeds = IntegerTable<IntegerPair, Int32>()
    /// Insertion order (slot and generation), for eviction.
    private var order: [UInt64] = []
    private var orderStart = 0
    /// Candidate de-duplication: a slot is taken once per `visit`.
    private var visited: [UInt32] = []
    private var visit: UInt32 = 0

    /// An empty index.
    public init(configuration: ClusteringConfiguration = ClusteringConfiguration()) {
        var configuration = configuration
        configuration.bands = max(1, configuration.bands)
        configuration.signatureSize = max(configuration.bands, configuration.signatureSize / configuration.bands * configuration.bands)
        self.configuration = configuration
    }

    /// How many articles the index holds.
    public var count: Int { slotOfArticle.count }

    /// How many LSH and title buckets exist (for tests of the bounds).
    var bucketCount: Int { bands.bucketCount + titles.bucketCount }

    /// Adds `document` and returns its story id: the story of the most similar indexed article
    /// from another feed, or a new story (its own article id).
    public mutating func assign(_ document: ClusterDocument) -> Int64 {
        if let known = slotOfArticle[document.articleID] { return slots[Int(known)].storyID }
        let words = TextShingles.wordHashes(document.title + " " + document.text, maxWords: configuration.maxWords)
        let shingles = TextShingles.shingleList(hashes: words, size: configuration.shingleSize)
        let signature = MinHashSignature(shingles: shingles, count: configuration.signatureSize).values.map {
            UInt32(truncatingIfNeeded: $0)
        }
        let titleWords = TextShingles.words(document.title, maxWords: 64)
        // A title of a word or two ("Live updates") says nothing about the story.
        let titleTrigrams = titleWords.count >= 4 ? TextShingles.titleTrigramList(words: titleWords) : []
        // Looked up whatever the title's length (the texts may still match), indexed only with trigrams.
        let titleKey = Self.titleKey(titleWords)
        // An empty text would put every empty text in the same buckets: index only real signatures.
        let bandKeys = shingles.isEmpty ? [] : Self.bandKeys(signature[...], bands: configuration.bands)
        let date = document.date.timeIntervalSince1970
        let storyID = document.storyID
            ?? bestStory(feedID: document.feedID, date: date, signature: signature, trigrams: titleTrigrams, bandKeys: bandKeys,
                         titleKey: titleKey)
            ?? document.articleID

        let slot = allocateSlot()
        let generation = slots[Int(slot)].generation
        slots[Int(slot)] = Slot(
            articleID: document.articleID, feedID: document.feedID, storyID: storyID, date: date, titleKey: titleKey,
            generation: generation, live: true, banded: !bandKeys.isEmpty)
        let size = configuration.signatureSize
        signatures.withUnsafeMutableBufferPointer { stored in
            for index in 0..<size { stored[Int(slot) * size + index] = signature[index] }
        }
        trigrams[Int(slot)] = titleTrigrams
        slotOfArticle[document.articleID] = slot
        let entry = BucketPool.entry(slot: slot, generation: generation)
        for key in bandKeys { bands.add(entry, to: key, limit: configuration.maxBucketSize) }
        let indexedTitleKey = titleTrigrams.isEmpty ? 0 : titleKey
        slots[Int(slot)].titleKey = indexedTitleKey
        if indexedTitleKey != 0 { titles.add(entry, to: indexedTitleKey, limit: configuration.maxBucketSize) }
        let pair = IntegerPair(first: storyID, second: document.feedID)
        storyFeeds[pair] = (storyFeeds[pair] ?? 0) + 1
        order.append(entry)
        evict(before: date - configuration.window)
        return storyID
    }

    private mutating func allocateSlot() -> Int32 {
        if let slot = freeSlots.popLast() { return slot }
        slots.append(Slot(articleID: 0, feedID: 0, storyID: 0, date: 0, titleKey: 0, generation: 0, live: false, banded: false))
        signatures.append(contentsOf: repeatElement(0, count: configuration.signatureSize))
        trigrams.append([])
        visited.append(0)
        return Int32(slots.count - 1)
    }

    private func isLive(_ entry: UInt64) -> Bool { Self.isLive(entry, in: slots) }

    private static func isLive(_ entry: UInt64, in slots: [Slot]) -> Bool {
        let slot = slots[Int(BucketPool.slot(of: entry))]
        return slot.live && slot.generation == BucketPool.generation(of: entry)
    }

    private mutating func bestStory(
        feedID: Int64, date: Double, signature: [UInt32], trigrams: [UInt32], bandKeys: [UInt64], titleKey: UInt64
    ) -> Int64? {
        // Headlines sharing their longest word are compared too: rewrites with a shared headline differ in text.
        var cursors = bandKeys.map { bands.head($0) }
        if titleKey != 0 { cursors.append(titles.head(titleKey)) }
        visit &+= 1
        if visit == 0 {
            for index in visited.indices { visited[index] = 0 }
            visit = 1
        }
        // Newest first across all buckets, up to the bound: one node of each bucket per round.
        var candidates: [Int32] = []
        candidates.reserveCapacity(configuration.maxCandidates)
        var open = cursors.count
        var visits = 0
        gathering: while open > 0 {
            open = 0
            for index in cursors.indices where cursors[index] != BucketPool.end {
                visits += 1
                if visits > configuration.maxBucketVisits { break gathering }
                let node = Int(cursors[index])
                let entry: UInt64
                if index < bandKeys.count {
                    entry = bands.nodeEntry[node]
                    cursors[index] = bands.nodeNext[node]
                } else {
                    entry = titles.nodeEntry[node]
                    cursors[index] = titles.nodeNext[node]
                }
                if cursors[index] != BucketPool.end { open += 1 }
                let slot = BucketPool.slot(of: entry)
                guard isLive(entry), visited[Int(slot)] != visit else { continue }
                visited[Int(slot)] = visit
                candidates.append(slot)
                if candidates.count >= configuration.maxCandidates { break gathering }
            }
        }
        var best: (story: Int64, similarity: Double)?
        let size = configuration.signatureSize
        for slot in candidates {
            let other = slots[Int(slot)]
            guard other.feedID != feedID, abs(other.date - date) <= configuration.window,
                  storyFeeds[IntegerPair(first: other.storyID, second: feedID)] == nil
            else { continue }
            var equal = 0
            // Empty texts have no signature to compare (it would be all "no minimum").
            if !bandKeys.isEmpty && other.banded {
                signatures.withUnsafeBufferPointer { stored in
                    signature.withUnsafeBufferPointer { own in
                        equal = Self.equalValues(UnsafeBufferPointer(rebasing: stored[(Int(slot) * size)..<(Int(slot) * size + size)]), own)
                    }
                }
            }
            let textSimilarity = Double(equal) / Double(size)
            let similarity: Double
            if textSimilarity >= configuration.textThreshold {
                similarity = textSimilarity
            } else if !trigrams.isEmpty {
                // Only when the texts did not decide.
                let titleSimilarity = TextShingles.jaccard(sorted: trigrams, self.trigrams[Int(slot)])
                guard titleSimilarity >= configuration.titleThreshold else { continue }
                similarity = titleSimilarity
            } else {
                continue
            }
            if best == nil || similarity > best!.similarity { best = (other.storyID, similarity) }
        }
        return best?.story
    }

    /// How many positions of two signatures hold the same value, 16 at a time.
    @inline(__always)
    private static func equalValues(_ a: UnsafeBufferPointer<UInt32>, _ b: UnsafeBufferPointer<UInt32>) -> Int {
        let count = min(a.count, b.count)
        var equal = 0
        var index = 0
        if let aBase = a.baseAddress, let bBase = b.baseAddress {
            let ones = SIMD16<UInt32>(repeating: 1)
            let zeros = SIMD16<UInt32>(repeating: 0)
            while index + 16 <= count {
                let x = UnsafeRawPointer(aBase + index).loadUnaligned(as: SIMD16<UInt32>.self)
                let y = UnsafeRawPointer(bBase + index).loadUnaligned(as: SIMD16<UInt32>.self)
                equal += Int(zeros.replacing(with: ones, where: x .== y).wrappedSum())
                index += 16
            }
        }
        while index < count {
            if a[index] == b[index] { equal += 1 }
            index += 1
        }
        return equal
    }

    /// The LSH band keys: `bands` hashes, each over `values.count / bands` consecutive values.
    static func bandKeys(_ values: ArraySlice<UInt32>, bands: Int) -> [UInt64] {
        let rows = values.count / bands
        let start = values.startIndex
        return (0..<bands).map { band in
            var hash = UInt64(band) &* 0x9E37_79B9_7F4A_7C15
            for value in values[(start + band * rows)..<(start + (band + 1) * rows)] { hash = TextShingles.mix(hash ^ UInt64(value)) }
            return hash
        }
    }

    /// A coarse key for title lookups: the normalised title's longest word, so headlines that
    /// share most of their words usually share the key too. 0 when no word is long enough.
    private static func titleKey(_ words: [String]) -> UInt64 {
        guard let longest = words.max(by: { $0.count != $1.count ? $0.count < $1.count : $0 > $1 }), longest.count >= 4 else {
            return 0
        }
        let key = TextShingles.fnv1a(longest)
        return key == 0 ? 1 : key
    }

    /// Drops articles older than `cutoff` (in insertion order) and anything beyond `maxIndexed`.
    private mutating func evict(before cutoff: Double) {
        while orderStart < order.count {
            let entry = order[orderStart]
            guard isLive(entry) else {
                orderStart += 1
                continue
            }
            let slot = BucketPool.slot(of: entry)
            guard slots[Int(slot)].date < cutoff || count > configuration.maxIndexed else { break }
            remove(slot)
            orderStart += 1
        }
        if orderStart > 4096, orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }

    private mutating func remove(_ slot: Int32) {
        let entry = slots[Int(slot)]
        slots[Int(slot)].live = false
        slots[Int(slot)].generation &+= 1
        slotOfArticle[entry.articleID] = nil
        let pair = IntegerPair(first: entry.storyID, second: entry.feedID)
        let remaining = (storyFeeds[pair] ?? 1) - 1
        storyFeeds[pair] = remaining > 0 ? remaining : nil
        trigrams[Int(slot)] = []
        if entry.banded {
            let size = configuration.signatureSize
            let start = Int(slot) * size
            let slots = self.slots
            for key in Self.bandKeys(signatures[start..<(start + size)], bands: configuration.bands) {
                bands.prune(key) { Self.isLive($0, in: slots) }
            }
        }
        if entry.titleKey != 0 {
            let slots = self.slots
            titles.prune(entry.titleKey) { Self.isLive($0, in: slots) }
        }
        freeSlots.append(slot)
    }
}

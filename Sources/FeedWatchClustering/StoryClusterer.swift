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
public struct StoryClusterer: Sendable {
    /// The configuration in force (bands and signature size made consistent).
    public let configuration: ClusteringConfiguration

    private struct Indexed: Sendable {
        var document: ClusterDocument
        var storyID: Int64
        var signature: MinHashSignature
        var titleTrigrams: Set<UInt64>
    }

    private var indexed: [Int64: Indexed] = [:]
    private var buckets: [UInt64: [Int64]] = [:]
    private var titleBuckets: [UInt64: [Int64]] = [:]
    /// The feeds already present in each story, and how many indexed articles it has.
    private var storyFeeds: [Int64: Set<Int64>] = [:]
    private var storySizes: [Int64: Int] = [:]
    /// Insertion order, for eviction.
    private var order: [Int64] = []
    private var orderStart = 0

    /// An empty index.
    public init(configuration: ClusteringConfiguration = ClusteringConfiguration()) {
        var configuration = configuration
        configuration.bands = max(1, configuration.bands)
        configuration.signatureSize = max(configuration.bands, configuration.signatureSize / configuration.bands * configuration.bands)
        self.configuration = configuration
    }

    /// How many articles the index holds.
    public var count: Int { indexed.count }

    /// Adds `document` and returns its story id: the story of the most similar indexed article
    /// from another feed, or a new story (its own article id).
    public mutating func assign(_ document: ClusterDocument) -> Int64 {
        if let known = indexed[document.articleID] { return known.storyID }
        let words = TextShingles.wordHashes(document.title + " " + document.text, maxWords: configuration.maxWords)
        let shingles = TextShingles.shingles(hashes: words, size: configuration.shingleSize)
        let signature = MinHashSignature(shingles: shingles, count: configuration.signatureSize)
        // A title of a word or two ("Live updates") says nothing about the story.
        let trigrams = TextShingles.words(document.title, maxWords: 8).count >= 4
            ? TextShingles.titleTrigrams(document.title) : []
        // An empty text would put every empty text in the same buckets: index only real signatures.
        let bandKeys = shingles.isEmpty ? [] : signature.bandKeys(bands: configuration.bands)
        let storyID = document.storyID ?? bestStory(for: document, signature: signature, trigrams: trigrams, bandKeys: bandKeys)
            ?? document.articleID
        indexed[document.articleID] = Indexed(document: document, storyID: storyID, signature: signature, titleTrigrams: trigrams)
        for key in bandKeys { Self.append(document.articleID, to: &buckets[key, default: []], limit: configuration.maxBucketSize) }
        if !trigrams.isEmpty, let key = Self.titleKey(document.title) {
            Self.append(document.articleID, to: &titleBuckets[key, default: []], limit: configuration.maxBucketSize)
        }
        storyFeeds[storyID, default: []].insert(document.feedID)
        storySizes[storyID, default: 0] += 1
        order.append(document.articleID)
        evict(before: document.date.addingTimeInterval(-configuration.window))
        return storyID
    }

    private func bestStory(
        for document: ClusterDocument, signature: MinHashSignature, trigrams: Set<UInt64>, bandKeys: [UInt64]
    ) -> Int64? {
        // Headlines sharing their longest word are compared too: rewrites with a shared headline differ in text.
        let titleBucket = Self.titleKey(document.title).flatMap { titleBuckets[$0] } ?? []
        let lists = bandKeys.compactMap { buckets[$0] } + [titleBucket]
        // Newest first across all buckets, up to the bound.
        var candidates = Set<Int64>()
        var depth = 1
        let deepest = lists.map(\.count).max() ?? 0
        gathering: while depth <= deepest {
            for list in lists where list.count >= depth {
                candidates.insert(list[list.count - depth])
                if candidates.count >= configuration.maxCandidates { break gathering }
            }
            depth += 1
        }
        var best: (story: Int64, similarity: Double)?
        for id in candidates {
            guard let other = indexed[id], other.document.feedID != document.feedID,
                  abs(other.document.date.timeIntervalSince(document.date)) <= configuration.window,
                  !(storyFeeds[other.storyID]?.contains(document.feedID) ?? false)
            else { continue }
            let textSimilarity = signature.similarity(other.signature)
            let titleSimilarity = trigrams.isEmpty ? 0 : TextShingles.jaccard(trigrams, other.titleTrigrams)
            let similarity: Double
            if textSimilarity >= configuration.textThreshold {
                similarity = textSimilarity
            } else if titleSimilarity >= configuration.titleThreshold {
                similarity = titleSimilarity
            } else {
                continue
            }
            if best == nil || similarity > best!.similarity { best = (other.storyID, similarity) }
        }
        return best?.story
    }

    /// Appends `id` to a bucket, dropping its oldest entries once it is well past `limit`
    /// (in one step, so the cost per append stays constant on average).
    private static func append(_ id: Int64, to bucket: inout [Int64], limit: Int) {
        bucket.append(id)
        if bucket.count >= 2 * max(1, limit) { bucket.removeFirst(bucket.count - limit) }
    }

    /// A coarse key for title lookups: the normalised title's longest word, so headlines that
    /// share most of their words usually share the key too.
    private static func titleKey(_ title: String) -> UInt64? {
        let words = TextShingles.words(title, maxWords: 64)
        guard let longest = words.max(by: { $0.count != $1.count ? $0.count < $1.count : $0 > $1 }), longest.count >= 4 else {
            return nil
        }
        return TextShingles.fnv1a(longest)
    }

    /// Drops articles older than `cutoff` (in insertion order) and anything beyond `maxIndexed`.
    private mutating func evict(before cutoff: Date) {
        while orderStart < order.count {
            let id = order[orderStart]
            guard let entry = indexed[id] else {
                orderStart += 1
                continue
            }
            guard entry.document.date < cutoff || indexed.count > configuration.maxIndexed else { break }
            remove(id, entry)
            orderStart += 1
        }
        if orderStart > 4096, orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }

    private mutating func remove(_ id: Int64, _ entry: Indexed) {
        indexed[id] = nil
        storySizes[entry.storyID, default: 1] -= 1
        if storySizes[entry.storyID] ?? 0 <= 0 {
            storySizes[entry.storyID] = nil
            storyFeeds[entry.storyID] = nil
        }
        for key in entry.signature.bandKeys(bands: configuration.bands) {
            buckets[key]?.removeAll { $0 == id }
            if buckets[key]?.isEmpty == true { buckets[key] = nil }
        }
        if let key = Self.titleKey(entry.document.title) {
            titleBuckets[key]?.removeAll { $0 == id }
            if titleBuckets[key]?.isEmpty == true { titleBuckets[key] = nil }
        }
    }
}

import FeedWatchModel

/// The other sources of shared stories as a digest lists them ("also reported by"): per
/// story, its first `sourcesPerStory + 1` articles, oldest first (one of them may be the
/// item's own), and how many articles it has. Built from a story's articles in that order,
/// wanting the text (feed, link, headline) of the kept ones only: a story carried by
/// thousands of feeds costs a count, not thousands of links held while a page is published.
struct StorySources {
    let sourcesPerStory: Int
    /// Articles per story.
    private(set) var sizes: [Int64: Int] = [:]
    /// The kept articles of each story, oldest first.
    private(set) var kept: [Int64: [Int64]] = [:]
    /// The source of each kept article, once given.
    private var sources: [Int64: Digest.Link] = [:]

    init(sourcesPerStory: Int) {
        self.sourcesPerStory = max(1, sourcesPerStory)
    }

    /// Counts `article` of `story` (articles come oldest first); true when it is kept, so its
    /// source is wanted.
    mutating func count(story: Int64, article: Int64) -> Bool {
        let size = sizes[story, default: 0] + 1
        sizes[story] = size
        guard size <= sourcesPerStory + 1 else { return false }
        kept[story, default: []].append(article)
        return true
    }

    /// Counts a story of `size` articles at once, of which `earliest` are the first (oldest
    /// first; those beyond what is kept are ignored).
    mutating func count(story: Int64, earliest: [Int64], size: Int) {
        sizes[story] = size
        kept[story] = Array(earliest.prefix(sourcesPerStory + 1))
    }

    /// The source of a kept article.
    mutating func give(article: Int64, source: Digest.Link) {
        sources[article] = source
    }

    /// Every kept article, in no particular order.
    var keptArticles: [Int64] { kept.values.flatMap { $0 } }

    var isEmpty: Bool { sizes.isEmpty }

    /// What the item of `article` in `story` lists, and how many more there are; nil when the
    /// story has no other article.
    func listed(story: Int64, article: Int64) -> (links: [Digest.Link], more: Int)? {
        guard let size = sizes[story], size > 1, let ids = kept[story] else { return nil }
        var links: [Digest.Link] = []
        links.reserveCapacity(min(sourcesPerStory, ids.count))
        for id in ids where id != article && links.count < sourcesPerStory {
            if let source = sources[id] { links.append(source) }
        }
        return (links, max(0, size - 1 - links.count))
    }
}

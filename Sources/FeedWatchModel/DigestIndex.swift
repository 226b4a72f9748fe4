public import Foundation

/// A stored digest without its items' text: for each item (one per story and topic, in the
/// digest's order) its ids and 64-bit keys of what folds copies of one story together.
///
/// Publication plans a day from this (which items are shown, folded, dismissed, referenced)
/// holding a few dozen bytes per item, then reads the items' text a page at a time: a day of
/// 200,000 matches is never held whole.
public struct DigestIndex: Sendable, Hashable {
    /// The digest's row id in the store; `Store.digestItems` takes it.
    public var id: Int64
    /// The digest's day in the digest time zone, `YYYY-MM-DD`.
    public var day: String
    /// The IANA time zone the day and the times are shown in.
    public var timeZone: String
    public var created: Date
    /// The topics, each with the range of its entries in `entries`.
    public var sections: [Section]
    /// Every item, grouped by topic, in the digest's order within each topic.
    public var entries: [Entry]

    public init(id: Int64, day: String, timeZone: String, created: Date, sections: [Section], entries: [Entry]) {
        self.id = id
        self.day = day
        self.timeZone = timeZone
        self.created = created
        self.sections = sections
        self.entries = entries
    }

    /// One topic of the digest.
    public struct Section: Sendable, Hashable {
        public var topic: TopicReference
        /// Its entries' positions in `entries`.
        public var entries: Range<Int>
        public init(topic: TopicReference, entries: Range<Int>) {
            self.topic = topic
            self.entries = entries
        }
    }

    /// One item: its article, its story, and its fold keys (0 when it has none). 40 bytes.
    public struct Entry: Sendable, Hashable {
        public var articleID: Int64
        /// The story's id, 0 when the article was not clustered (story ids are article ids).
        private var story: Int64
        /// `DigestIndex.linkKey` of the article's link.
        public var linkKey: UInt64
        /// `DigestIndex.titleKey` of the article's title.
        public var titleKey: UInt64
        /// When the article was published (seconds since 1970), `-infinity` when unknown: a
        /// store orders the items of equal score by it while it builds the index.
        public var published: Double

        public init(articleID: Int64, storyID: Int64?, linkKey: UInt64, titleKey: UInt64, published: Double? = nil) {
            self.articleID = articleID
            self.story = storyID ?? 0
            self.linkKey = linkKey
            self.titleKey = titleKey
            self.published = published ?? -Double.infinity
        }

        /// An entry of an item with `title` and `link`.
        public init(articleID: Int64, storyID: Int64?, title: String, link: String?) {
            self.init(articleID: articleID, storyID: storyID, linkKey: DigestIndex.linkKey(link), titleKey: DigestIndex.titleKey(title))
        }

        /// The story (the id of its first article); nil when it was not clustered.
        public var storyID: Int64? { story == 0 ? nil : story }

        /// What `feedwatch dismiss` takes to silence this item's story: its story id, else its article id.
        public var dismissID: Int64 { story == 0 ? articleID : story }
    }

    /// How many items the digest holds (`Digest.matchCount` of the same digest).
    public var matchCount: Int { entries.count }

    /// The key of a link for folding copies of one story: equal links, equal keys; 0 for none.
    public static func linkKey(_ link: String?) -> UInt64 {
        guard let link else { return 0 }
        return key(link.utf8)
    }

    /// The key of a title for folding copies of one story: equal `normalizedTitle`, equal
    /// keys; 0 when the title is too short to identify a story.
    public static func titleKey(_ title: String) -> UInt64 {
        var title = title
        // An ASCII title's normalised bytes hashed as they are made, without the string of them
        // (`normalizedTitle`'s two allocations, for every match of a day): the same key.
        if let ascii = title.withUTF8({ utf8 -> UInt64? in
            var hash = fnvOffsetBasis
            guard let count = normalisedASCII(utf8, { hash = fnvStep(hash, $0) }) else { return nil }
            return count >= minimumTitleKeyBytes ? (hash == 0 ? 1 : hash) : 0
        }) {
            return ascii
        }
        guard let normal = normalizedTitle(title) else { return 0 }
        return key(normal.utf8)
    }

    /// FNV-1a, 64 bits, never 0 (0 stands for "no key"). Two different links or titles of one
    /// day share a key with a chance of about one in 10^9 at 200,000 items.
    private static func key(_ bytes: String.UTF8View) -> UInt64 {
        var hash = fnvOffsetBasis
        for byte in bytes { hash = fnvStep(hash, byte) }
        return hash == 0 ? 1 : hash
    }

    private static let fnvOffsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325

    @inline(__always)
    private static func fnvStep(_ hash: UInt64, _ byte: UInt8) -> UInt64 {
        (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    /// A title reduced to its letters and digits, lowercased, one space between words; nil
    /// when too short to identify a story.
    public static func normalizedTitle(_ title: String) -> String? {
        var title = title
        // ASCII titles (most of them) by their bytes; others by their characters.
        if let ascii = title.withUTF8({ utf8 -> String?? in
            var key: [UInt8] = []
            key.reserveCapacity(utf8.count)
            guard normalisedASCII(utf8, { key.append($0) }) != nil else { return nil }
            return .some(key.count >= minimumTitleKeyBytes ? String(decoding: key, as: UTF8.self) : nil)
        }) {
            return ascii
        }
        let words = title.lowercased().split { !($0.isLetter || $0.isNumber) }
        let key = words.joined(separator: " ")
        return key.count >= minimumTitleKeyBytes ? key : nil
    }

    /// A normalised title shorter than this identifies no story.
    private static let minimumTitleKeyBytes = 12

    /// Hands `normalizedTitle`'s bytes of an ASCII title to `byte`, one at a time, and returns
    /// how many; nil (and nothing handed) for a title that is not all ASCII.
    @inline(__always)
    private static func normalisedASCII(_ utf8: UnsafeBufferPointer<UInt8>, _ byte: (UInt8) -> Void) -> Int? {
        guard !utf8.contains(where: { $0 >= 0x80 }) else { return nil }
        var count = 0
        var between = false
        for input in utf8 {
            let lower = (0x41...0x5A).contains(input) ? input + 0x20 : input
            if (0x61...0x7A).contains(lower) || (0x30...0x39).contains(input) {
                if between && count > 0 {
                    byte(0x20)
                    count += 1
                }
                between = false
                byte(lower)
                count += 1
            } else {
                between = true
            }
        }
        return count
    }
}

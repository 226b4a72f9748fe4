public import Foundation

/// One digest: the matches of one period, grouped by topic, ready to render.
public struct Digest: Sendable, Hashable, Codable {
    /// The digest's day in the digest time zone, `YYYY-MM-DD`; also its file name.
    public var day: String
    /// The IANA time zone the day and the times are shown in.
    public var timeZone: String
    public var created: Date
    public var sections: [Section]

    public init(day: String, timeZone: String, created: Date, sections: [Section]) {
        self.day = day
        self.timeZone = timeZone
        self.created = created
        self.sections = sections
    }

    /// The matches of one topic.
    public struct Section: Sendable, Hashable, Codable {
        /// The topic, as the digest shows it. Alert payloads in the outbox (`deliveries.payload`)
        /// may hold a whole topic object here (`id`, `name`, `query`, …); it decodes as a
        /// reference, the keys a reference lacks being ignored.
        public var topic: TopicReference
        public var items: [Item]
        /// Stories left out of `items` to keep a message bounded (an alert's "and N more"); 0
        /// in stored digests, which keep every item.
        public var moreCount: Int = 0
        public init(topic: TopicReference, items: [Item], moreCount: Int = 0) {
            self.topic = topic
            self.items = items
            self.moreCount = moreCount
        }

        private enum CodingKeys: String, CodingKey { case topic, items, moreCount }

        /// Decodes a section; `moreCount` is optional because alert payloads queued by earlier
        /// versions lack it.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            topic = try c.decode(TopicReference.self, forKey: .topic)
            items = try c.decode([Item].self, forKey: .items)
            moreCount = try c.decodeIfPresent(Int.self, forKey: .moreCount) ?? 0
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(topic, forKey: .topic)
            try c.encode(items, forKey: .items)
            if moreCount != 0 { try c.encode(moreCount, forKey: .moreCount) }
        }
    }

    /// One matched article within a section.
    public struct Item: Sendable, Hashable, Codable {
        public var articleID: Int64
        public var title: String
        public var link: String?
        public var feedName: String
        public var published: Date?
        public var score: Double
        public var snippets: [Snippet]
        /// Other feeds that carried the same story ("also reported by …"), the earliest first
        /// and at most as many as the digest lists per story; empty when none.
        public var alsoReportedBy: [Link] = []
        /// How many more feeds carried the story than `alsoReportedBy` lists.
        public var alsoReportedMore: Int = 0
        /// The story the article belongs to (the id of its first article), which `feedwatch
        /// dismiss` takes; nil when it was not clustered.
        public var storyID: Int64? = nil

        public init(
            articleID: Int64, title: String, link: String?, feedName: String, published: Date?, score: Double,
            snippets: [Snippet], alsoReportedBy: [Link] = [], alsoReportedMore: Int = 0, storyID: Int64? = nil
        ) {
            self.articleID = articleID
            self.title = title
            self.link = link
            self.feedName = URLRedaction.sourceName(feedName)
            self.published = published
            self.score = score
            self.snippets = snippets
            self.alsoReportedBy = alsoReportedBy
            self.alsoReportedMore = alsoReportedMore
            self.storyID = storyID
        }

        /// What `feedwatch dismiss` takes to silence this item's story: its story id, else its article id.
        public var dismissID: Int64 { storyID ?? articleID }

        private enum CodingKeys: String, CodingKey {
            case articleID, title, link, feedName, published, score, snippets, alsoReportedBy, alsoReportedMore, storyID
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(articleID, forKey: .articleID)
            try c.encode(title, forKey: .title)
            try c.encodeIfPresent(link, forKey: .link)
            try c.encode(feedName, forKey: .feedName)
            try c.encodeIfPresent(published, forKey: .published)
            try c.encode(score, forKey: .score)
            try c.encode(snippets, forKey: .snippets)
            try c.encode(alsoReportedBy, forKey: .alsoReportedBy)
            if alsoReportedMore > 0 { try c.encode(alsoReportedMore, forKey: .alsoReportedMore) }
            try c.encodeIfPresent(storyID, forKey: .storyID)
        }

        /// Decodes an item; `alsoReportedBy` is optional because alert payloads in the outbox
        /// (`deliveries.payload`) may lack it, and such a payload must still be delivered.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            articleID = try c.decode(Int64.self, forKey: .articleID)
            title = try c.decode(String.self, forKey: .title)
            link = try c.decodeIfPresent(String.self, forKey: .link)
            feedName = URLRedaction.sourceName(try c.decode(String.self, forKey: .feedName))
            published = try c.decodeIfPresent(Date.self, forKey: .published)
            score = try c.decode(Double.self, forKey: .score)
            snippets = try c.decode([Snippet].self, forKey: .snippets)
            alsoReportedBy = try c.decodeIfPresent([Link].self, forKey: .alsoReportedBy) ?? []
            alsoReportedMore = max(0, try c.decodeIfPresent(Int.self, forKey: .alsoReportedMore) ?? 0)
            storyID = try c.decodeIfPresent(Int64.self, forKey: .storyID)
        }
    }

    /// Another source's copy of a story: where it appeared, where to read it, and the
    /// headline it ran under there when known.
    public struct Link: Sendable, Hashable, Codable {
        public var feedName: String
        public var url: String?
        public var title: String?
        public init(feedName: String, url: String?, title: String? = nil) {
            self.feedName = URLRedaction.sourceName(feedName)
            self.url = url
            self.title = title
        }
    }

    /// How many other sources an item lists under "also reported by" unless configured
    /// (`[digest] max_sources_per_story`); the rest are counted.
    public static let defaultSourcesPerStory = 100

    /// How many matches the digest holds.
    public var matchCount: Int { sections.reduce(0) { $0 + $1.items.count } }
}

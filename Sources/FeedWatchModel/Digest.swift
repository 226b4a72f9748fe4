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
        public init(topic: TopicReference, items: [Item]) {
            self.topic = topic
            self.items = items
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
        /// Other feeds that carried the same story ("also reported by …"); empty when none.
        public var alsoReportedBy: [Link] = []

        public init(
            articleID: Int64, title: String, link: String?, feedName: String, published: Date?, score: Double,
            snippets: [Snippet], alsoReportedBy: [Link] = []
        ) {
            self.articleID = articleID
            self.title = title
            self.link = link
            self.feedName = URLRedaction.sourceName(feedName)
            self.published = published
            self.score = score
            self.snippets = snippets
            self.alsoReportedBy = alsoReportedBy
        }

        private enum CodingKeys: String, CodingKey {
            case articleID, title, link, feedName, published, score, snippets, alsoReportedBy
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

    /// How many matches the digest holds.
    public var matchCount: Int { sections.reduce(0) { $0 + $1.items.count } }
}

import Foundation

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
        public var topic: Topic
        public var items: [Item]
        public init(topic: Topic, items: [Item]) {
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

        public init(
            articleID: Int64, title: String, link: String?, feedName: String, published: Date?, score: Double,
            snippets: [Snippet]
        ) {
            self.articleID = articleID
            self.title = title
            self.link = link
            self.feedName = feedName
            self.published = published
            self.score = score
            self.snippets = snippets
        }
    }

    /// How many matches the digest holds.
    public var matchCount: Int { sections.reduce(0) { $0 + $1.items.count } }
}

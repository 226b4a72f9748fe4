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
        /// Articles from other feeds about the same story, shown once under this item.
        public var alsoReportedBy: [Source] = []

        public init(
            articleID: Int64, title: String, link: String?, feedName: String, published: Date?, score: Double,
            snippets: [Snippet], alsoReportedBy: [Source] = []
        ) {
            self.articleID = articleID
            self.title = title
            self.link = link
            self.feedName = feedName
            self.published = published
            self.score = score
            self.snippets = snippets
            self.alsoReportedBy = alsoReportedBy
        }

        private enum CodingKeys: String, CodingKey {
            case articleID, title, link, feedName, published, score, snippets, alsoReportedBy
        }

        /// Decodes an item; `alsoReportedBy` may be missing (items encoded before it existed).
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            articleID = try container.decode(Int64.self, forKey: .articleID)
            title = try container.decode(String.self, forKey: .title)
            link = try container.decodeIfPresent(String.self, forKey: .link)
            feedName = try container.decode(String.self, forKey: .feedName)
            published = try container.decodeIfPresent(Date.self, forKey: .published)
            score = try container.decode(Double.self, forKey: .score)
            snippets = try container.decode([Snippet].self, forKey: .snippets)
            alsoReportedBy = try container.decodeIfPresent([Source].self, forKey: .alsoReportedBy) ?? []
        }
    }

    /// Another feed's article about the same story as a digest item.
    public struct Source: Sendable, Hashable, Codable {
        public var title: String
        public var feedName: String
        public var link: String?
        public init(title: String, feedName: String, link: String?) {
            self.title = title
            self.feedName = feedName
            self.link = link
        }
    }

    /// How many matches the digest holds.
    public var matchCount: Int { sections.reduce(0) { $0 + $1.items.count } }
}

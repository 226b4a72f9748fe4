public import Foundation

/// Something the user watches: an id, a display name and a query in the topic language.
public struct Topic: Sendable, Hashable {
    public var id: String
    public var name: String
    public var query: String
    /// Languages whose stemmers analyse the query and the article text (ISO 639-1 codes such as `en`, `de`, `fa`).
    public var languages: [String] = ["en"]
    /// Feed URLs this topic watches; empty means every feed.
    public var feeds: [String] = []
    /// Feed tags this topic watches; empty means every tag.
    public var tags: [String] = []
    /// Matches scoring below this are dropped.
    public var minScore: Double = 0

    public init(
        id: String, name: String, query: String, languages: [String] = ["en"], feeds: [String] = [],
        tags: [String] = [], minScore: Double = 0
    ) {
        self.id = id
        self.name = name
        self.query = query
        self.languages = languages
        self.feeds = feeds
        self.tags = tags
        self.minScore = minScore
    }
}

/// A stretch of article text around a match, split into plain and highlighted parts.
public struct Snippet: Sendable, Hashable, Codable {
    public struct Part: Sendable, Hashable, Codable {
        public var text: String
        public var highlighted: Bool
        public init(text: String, highlighted: Bool) {
            self.text = text
            self.highlighted = highlighted
        }
    }

    public var parts: [Part]
    public init(parts: [Part]) { self.parts = parts }

    /// The snippet as plain text.
    public var plainText: String { parts.map(\.text).joined() }

    /// The snippet with highlighted parts wrapped in «…», as the command line shows it.
    public var markedText: String {
        parts.map { $0.highlighted ? "«\($0.text)»" : $0.text }.joined()
    }
}

/// The evidence that one article matches one topic.
public struct TopicMatch: Sendable, Hashable, Codable {
    public var topicID: String
    public var articleID: Int64
    public var score: Double
    public var snippets: [Snippet]
    public var matched: Date

    public init(topicID: String, articleID: Int64, score: Double, snippets: [Snippet], matched: Date) {
        self.topicID = topicID
        self.articleID = articleID
        self.score = score
        self.snippets = snippets
        self.matched = matched
    }
}

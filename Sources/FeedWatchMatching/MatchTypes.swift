import FeedWatchModel

/// The text of one article as the matcher sees it.
public struct MatchDocument: Sendable, Hashable {
    public var title: String
    public var body: String

    public init(title: String, body: String) {
        self.title = title
        self.body = body
    }
}

/// One topic that matched one document, with its evidence.
public struct TopicHit: Sendable, Hashable {
    public var topicID: String
    public var score: Double
    public var snippets: [Snippet]

    public init(topicID: String, score: Double, snippets: [Snippet]) {
        self.topicID = topicID
        self.score = score
        self.snippets = snippets
    }
}

/// A topic query that does not parse, with the 1-based column where it went wrong.
public struct QuerySyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public var topicID: String
    public var column: Int
    /// What was wrong, e.g. `expected a closing ", found end of query`.
    public var message: String

    public init(topicID: String, column: Int, message: String) {
        self.topicID = topicID
        self.column = column
        self.message = message
    }

    /// `topic <id>: query column N: <message>`; for a problem outside the query (column 0,
    /// e.g. an unknown language) `topic <id>: <message>`.
    public var description: String {
        column > 0 ? "topic \(topicID): query column \(column): \(message)" : "topic \(topicID): \(message)"
    }
}

public import FeedWatchModel

/// The text of one article as the matcher sees it.
public struct MatchDocument: Sendable, Hashable {
    public var title: String
    public var body: String
    /// The language the feed declares for the article (`fa`, `ar`, `de-AT`; nil: undeclared). A
    /// topic that lists this language analyses the words written in its script by it alone (an
    /// Arabic-script word of an article declared `fa` as Persian, not also as Arabic); other words,
    /// other topics, and undeclared or unknown languages are analysed as without it.
    public var language: String?

    public init(title: String, body: String, language: String? = nil) {
        self.title = title
        self.body = body
        self.language = language
    }
}

/// One topic that matched one document, with its evidence.
public struct TopicHit: Sendable, Hashable {
    public var topicID: String
    public var score: Double
    public var snippets: [Snippet]
    /// Which words matched where, in document order (title first).
    public var evidence: [MatchEvidence]

    public init(topicID: String, score: Double, snippets: [Snippet], evidence: [MatchEvidence] = []) {
        self.topicID = topicID
        self.score = score
        self.snippets = snippets
        self.evidence = evidence
    }
}

/// One stretch of matched words: a word, a phrase, or both sides of a NEAR with what lies between.
public struct MatchEvidence: Sendable, Hashable {
    /// The part of the document the words are in.
    public enum Field: String, Sendable, Hashable {
        case title, body
    }

    /// Title or body.
    public var field: Field
    /// UTF-8 offsets of the words in the field's text.
    public var utf8Range: Range<Int>
    /// The words as they appear in the text.
    public var text: String

    public init(field: Field, utf8Range: Range<Int>, text: String) {
        self.field = field
        self.utf8Range = utf8Range
        self.text = text
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

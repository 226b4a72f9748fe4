/// The parsed form of a topic query, before analysis.
indirect enum QueryNode: Equatable, Sendable {
    /// How a single word is compared with article words.
    enum WordMode: Equatable, Sendable {
        /// Same stem in the topic's language(s).
        case stemmed
        /// `=word`: the same folded word form.
        case exact
        /// `word*`: folded words starting with the word.
        case prefix
    }

    /// Which part of the article a clause looks at.
    enum Field: String, Equatable, Sendable {
        case title, body
    }

    /// A word as written (it may still split into several, e.g. `test-fire`); `column` is 1-based.
    case word(String, mode: WordMode, column: Int)
    /// A quoted phrase as written; `exact` for `="…"`.
    case phrase(String, exact: Bool, column: Int)
    /// All clauses must match.
    case and([QueryNode])
    /// Any clause matches.
    case or([QueryNode])
    /// The clause must not match.
    case not(QueryNode)
    /// Both sides within `distance` words; `ordered` requires the left side first.
    case near(QueryNode, QueryNode, distance: Int, ordered: Bool)
    /// The clause only looks at one field.
    case field(Field, QueryNode)

    /// True when the node is a negation (not allowed as a NEAR operand).
    var isNegation: Bool {
        if case .not = self { return true }
        return false
    }
}

/// A lexical token of the query language with its 1-based column.
struct QueryToken: Equatable {
    enum Kind: Equatable {
        case word(String, exact: Bool, prefix: Bool)
        case phrase(String, exact: Bool)
        case openParen, closeParen
        case or, and, not, minus
        case near(Int, ordered: Bool)
        case field(QueryNode.Field)
        case end
    }

    var kind: Kind
    var column: Int
    /// The token as written, for error messages.
    var text: String
}

/// Parses a topic query into a `QueryNode`.
///
/// Grammar (OR binds tighter than the implicit AND; NEAR tighter than OR):
/// ```
/// query   := and END
/// and     := or ( [AND] or )*          explicit AND mixed with an unparenthesised OR is an error
/// or      := near ( OR near )*
/// near    := unary ( (NEAR/n | ONEAR/n) unary )*     operands may not be negations
/// unary   := '-' unary | NOT unary | (title: | body:) unary | primary
/// primary := word | =word | prefix* | "phrase" | ="phrase" | '(' and ')'
/// ```
struct QueryParser {
    private let tokens: [QueryToken]
    private var index = 0

    /// Parses `query`; throws the first problem with its column.
    static func parse(_ query: String) throws(QueryParseFailure) -> QueryNode {
        var lexer = QueryLexer(query)
        var parser = QueryParser(tokens: try lexer.tokens())
        return try parser.parseQuery()
    }

    private init(tokens: [QueryToken]) { self.tokens = tokens }

    private var current: QueryToken { tokens[index] }

    private func failure(_ expected: String, _ token: QueryToken? = nil) -> QueryParseFailure {
        let token = token ?? current
        return QueryParseFailure(column: token.column, message: "expected \(expected), found \(token.text)")
    }

    private mutating func parseQuery() throws(QueryParseFailure) -> QueryNode {
        let node = try parseAnd()
        guard current.kind == .end else { throw failure("a word, phrase, operator or end of query") }
        return node
    }

    private mutating func parseAnd() throws(QueryParseFailure) -> QueryNode {
        var clauses: [QueryNode] = []
        var firstAnd: QueryToken?
        var firstOr: QueryToken?
        while current.kind != .end, current.kind != .closeParen {
            if current.kind == .and {
                if clauses.isEmpty { throw failure("a word, phrase or group") }
                if firstAnd == nil { firstAnd = current }
                index += 1
                if current.kind == .end || current.kind == .closeParen || current.kind == .and {
                    throw failure("a clause after AND")
                }
            }
            let (clause, orToken) = try parseOr()
            if firstOr == nil { firstOr = orToken }
            if let and = firstAnd, let or = firstOr {
                throw failure("parentheses when mixing AND with OR", and.column > or.column ? and : or)
            }
            clauses.append(clause)
        }
        if clauses.isEmpty { throw failure("a word, phrase or group") }
        return clauses.count == 1 ? clauses[0] : .and(clauses)
    }

    private mutating func parseOr() throws(QueryParseFailure) -> (QueryNode, QueryToken?) {
        var alternatives = [try parseNear()]
        var firstOr: QueryToken?
        while current.kind == .or {
            if firstOr == nil { firstOr = current }
            index += 1
            alternatives.append(try parseNear())
        }
        return (alternatives.count == 1 ? alternatives[0] : .or(alternatives), firstOr)
    }

    private mutating func parseNear() throws(QueryParseFailure) -> QueryNode {
        let leftToken = current
        var left = try parseUnary()
        while case .near(let distance, let ordered) = current.kind {
            if left.isNegation { throw failure("a word, phrase or group before NEAR", leftToken) }
            index += 1
            let rightToken = current
            let right = try parseUnary()
            if right.isNegation { throw failure("a word, phrase or group after NEAR", rightToken) }
            left = .near(left, right, distance: distance, ordered: ordered)
        }
        return left
    }

    private mutating func parseUnary() throws(QueryParseFailure) -> QueryNode {
        switch current.kind {
        case .minus, .not:
            index += 1
            return .not(try parseUnary())
        case .field(let field):
            index += 1
            return .field(field, try parseUnary())
        default:
            return try parsePrimary()
        }
    }

    private mutating func parsePrimary() throws(QueryParseFailure) -> QueryNode {
        let token = current
        switch token.kind {
        case .word(let text, let exact, let prefix):
            index += 1
            return .word(text, mode: prefix ? .prefix : (exact ? .exact : .stemmed), column: token.column)
        case .phrase(let text, let exact):
            index += 1
            return .phrase(text, exact: exact, column: token.column)
        case .openParen:
            index += 1
            if current.kind == .closeParen { throw failure("a word, phrase or group") }
            let inner = try parseAnd()
            guard current.kind == .closeParen else {
                throw failure("a closing ) for the group opened at column \(token.column)")
            }
            index += 1
            return inner
        default:
            throw failure("a word, phrase or group")
        }
    }
}

/// Splits a topic query into tokens, reporting the column of anything malformed.
struct QueryLexer {
    /// Largest distance accepted by NEAR/n and ONEAR/n.
    static let maxDistance = 100
    /// Shortest prefix accepted before `*`.
    static let minPrefixLength = 3

    private let characters: [Character]
    private var index = 0

    init(_ query: String) { characters = Array(query) }

    private static func isOpeningQuote(_ c: Character) -> Bool { c == "\"" || c == "“" || c == "„" }
    private static func isClosingQuote(_ c: Character) -> Bool { c == "\"" || c == "”" || c == "“" }
    private static func endsBareWord(_ c: Character) -> Bool {
        c.isWhitespace || c == "(" || c == ")" || isOpeningQuote(c)
    }

    /// All tokens, ending with `.end`.
    mutating func tokens() throws(QueryParseFailure) -> [QueryToken] {
        var result: [QueryToken] = []
        while true {
            let token = try next()
            result.append(token)
            if token.kind == .end { return result }
        }
    }

    private func describe(_ position: Int) -> String {
        guard position < characters.count else { return "end of query" }
        if characters[position].isWhitespace { return "a space" }
        var end = position
        while end < characters.count, !characters[end].isWhitespace { end += 1 }
        return String(characters[position..<max(end, position + 1)])
    }

    private mutating func next() throws(QueryParseFailure) -> QueryToken {
        while index < characters.count, characters[index].isWhitespace { index += 1 }
        let start = index
        let column = start + 1
        guard index < characters.count else { return QueryToken(kind: .end, column: column, text: "end of query") }
        let c = characters[index]
        if c == "(" { index += 1; return QueryToken(kind: .openParen, column: column, text: "(") }
        if c == ")" { index += 1; return QueryToken(kind: .closeParen, column: column, text: ")") }
        if Self.isOpeningQuote(c) { return try phrase(exact: false, column: column) }
        if c == "=" {
            index += 1
            guard index < characters.count, !characters[index].isWhitespace, characters[index] != "(",
                  characters[index] != ")"
            else {
                throw QueryParseFailure(column: index + 1, message: "expected a word or phrase after =, found \(describe(index))")
            }
            if Self.isOpeningQuote(characters[index]) { return try phrase(exact: true, column: column) }
            return try word(exact: true, column: column, from: start)
        }
        if c == "-" {
            index += 1
            guard index < characters.count, !characters[index].isWhitespace, characters[index] != ")" else {
                throw QueryParseFailure(
                    column: index + 1, message: "expected a word, phrase or group after -, found \(describe(index))")
            }
            return QueryToken(kind: .minus, column: column, text: "-")
        }
        return try word(exact: false, column: column, from: start)
    }

    private mutating func phrase(exact: Bool, column: Int) throws(QueryParseFailure) -> QueryToken {
        let open = index
        index += 1
        let contentStart = index
        while index < characters.count, !Self.isClosingQuote(characters[index]) { index += 1 }
        guard index < characters.count else {
            throw QueryParseFailure(
                column: characters.count + 1,
                message: "expected a closing \" for the phrase opened at column \(open + 1), found end of query")
        }
        let text = String(characters[contentStart..<index])
        index += 1
        return QueryToken(kind: .phrase(text, exact: exact), column: column, text: "\"\(text)\"")
    }

    private mutating func word(exact: Bool, column: Int, from start: Int) throws(QueryParseFailure) -> QueryToken {
        let wordStart = index
        while index < characters.count, !Self.endsBareWord(characters[index]) { index += 1 }
        var text = String(characters[wordStart..<index])
        let written = String(characters[start..<index])
        if !exact {
            switch text {
            case "OR": return QueryToken(kind: .or, column: column, text: text)
            case "AND": return QueryToken(kind: .and, column: column, text: text)
            case "NOT": return QueryToken(kind: .not, column: column, text: text)
            case "NEAR", "ONEAR":
                throw QueryParseFailure(column: column, message: "expected \(text)/n with a distance n, found \(text)")
            default: break
            }
            for op in ["NEAR/", "ONEAR/"] where text.hasPrefix(op) {
                let digits = text.dropFirst(op.count)
                let digitsColumn = column + op.count
                guard let n = Int(digits), digits.allSatisfy(\.isASCII), n >= 1, n <= Self.maxDistance else {
                    throw QueryParseFailure(
                        column: digitsColumn,
                        message: "expected a distance from 1 to \(Self.maxDistance) after \(op), found \(digits.isEmpty ? "nothing" : String(digits))")
                }
                return QueryToken(kind: .near(n, ordered: op == "ONEAR/"), column: column, text: text)
            }
            if let colon = text.firstIndex(of: ":"), colon != text.startIndex {
                let name = text[text.startIndex..<colon]
                if name.allSatisfy({ $0.isLetter }) {
                    guard let field = QueryNode.Field(rawValue: name.lowercased()) else {
                        throw QueryParseFailure(column: column, message: "expected title: or body:, found \(name):")
                    }
                    index = wordStart + name.count + 1
                    guard index < characters.count, !characters[index].isWhitespace, characters[index] != ")" else {
                        throw QueryParseFailure(
                            column: index + 1, message: "expected a clause after \(name):, found \(describe(index))")
                    }
                    return QueryToken(kind: .field(field), column: column, text: "\(name):")
                }
            }
        }
        var prefix = false
        if let star = text.firstIndex(of: "*") {
            guard star == text.index(before: text.endIndex) else {
                throw QueryParseFailure(column: column, message: "expected * only at the end of a word, found \(written)")
            }
            text.removeLast()
            guard text.count >= Self.minPrefixLength else {
                throw QueryParseFailure(
                    column: column,
                    message: "expected a prefix of at least \(Self.minPrefixLength) characters before *, found \(written)")
            }
            prefix = true
        }
        return QueryToken(kind: .word(text, exact: exact, prefix: prefix), column: column, text: written)
    }
}

/// A syntax error before the topic id is known.
struct QueryParseFailure: Error {
    var column: Int
    var message: String
}

import FeedWatchMatching
import FeedWatchModel
import Testing

/// One bad query and the error `feedwatch check` must print for it.
struct ErrorCase: CustomTestStringConvertible, Sendable {
    var query: String
    var column: Int
    var message: String

    var testDescription: String { query.isEmpty ? "(empty)" : query }
}

@Suite("Query errors")
struct QueryErrorTests {
    @Test("Bad queries are reported with the column and what was expected", arguments: [
        ErrorCase(query: "", column: 1, message: "expected a word, phrase or group, found end of query"),
        ErrorCase(query: "   ", column: 4, message: "expected a word, phrase or group, found end of query"),
        ErrorCase(query: "\"ballistic missile", column: 19,
                  message: "expected a closing \" for the phrase opened at column 1, found end of query"),
        ErrorCase(query: "(missile OR rocket", column: 19,
                  message: "expected a closing ) for the group opened at column 1, found end of query"),
        ErrorCase(query: "missile)", column: 8, message: "expected a word, phrase, operator or end of query, found )"),
        ErrorCase(query: "()", column: 2, message: "expected a word, phrase or group, found )"),
        ErrorCase(query: "missile NEAR/0 test", column: 14,
                  message: "expected a distance from 1 to 100 after NEAR/, found 0"),
        ErrorCase(query: "missile ONEAR/x test", column: 15,
                  message: "expected a distance from 1 to 100 after ONEAR/, found x"),
        ErrorCase(query: "missile NEAR test", column: 9, message: "expected NEAR/n with a distance n, found NEAR"),
        ErrorCase(query: "sa*", column: 1, message: "expected a prefix of at least 3 characters before *, found sa*"),
        ErrorCase(query: "missile mis*sile", column: 9, message: "expected * only at the end of a word, found mis*sile"),
        ErrorCase(query: "foo:bar", column: 1, message: "expected title: or body:, found foo:"),
        ErrorCase(query: "title: missile", column: 7, message: "expected a clause after title:, found a space"),
        ErrorCase(query: "a AND b OR c", column: 9, message: "expected parentheses when mixing AND with OR, found OR"),
        ErrorCase(query: "a OR b AND c", column: 8, message: "expected parentheses when mixing AND with OR, found AND"),
        ErrorCase(query: "missile OR", column: 11, message: "expected a word, phrase or group, found end of query"),
        ErrorCase(query: "AND missile", column: 1, message: "expected a word, phrase or group, found AND"),
        ErrorCase(query: "-missile NEAR/3 test", column: 1, message: "expected a word, phrase or group before NEAR, found -"),
        ErrorCase(query: "missile NEAR/3 -test", column: 16, message: "expected a word, phrase or group after NEAR, found -"),
        ErrorCase(query: "missile -", column: 10, message: "expected a word, phrase or group after -, found end of query"),
        ErrorCase(query: "\"\"", column: 1, message: "expected words inside the quotes, found \"\""),
        ErrorCase(query: "missile &", column: 9, message: "expected a word, found &"),
        ErrorCase(query: "= missile", column: 2, message: "expected a word or phrase after =, found a space"),
    ])
    func syntaxErrors(_ row: ErrorCase) {
        let topic = Topic(id: "bad", name: "Bad", query: row.query)
        #expect(throws: QuerySyntaxError(topicID: "bad", column: row.column, message: row.message)) {
            _ = try TopicMatcher(topics: [topic])
        }
        #expect(TopicMatcher.validate([topic]).map(\.description)
            == ["topic bad: query column \(row.column): \(row.message)"])
    }

    @Test("Valid queries are not reported", arguments: [
        "missile", "a AND b AND c", "(a OR b) AND c", "a OR b c", "title:missile", "missile NEAR/100 test",
        "=\"exact phrase\" -word NOT other", "sanction*", "10:30", "U.S. sanctions",
    ])
    func validQueries(_ query: String) {
        #expect(TopicMatcher.validate([Topic(id: "ok", name: "OK", query: query)]).isEmpty)
    }

    @Test("An unknown language is reported without a query column")
    func unknownLanguage() {
        let topic = Topic(id: "t", name: "T", query: "missile", languages: ["en", "xx"])
        #expect(TopicMatcher.validate([topic]).map(\.description)
            == ["topic t: language: expected a language code such as en, de, fr, ar or fa, found xx"])
    }

    @Test("init throws the first broken topic in topic order, language errors included")
    func firstErrorInTopicOrder() {
        let topics = [
            Topic(id: "a", name: "A", query: "missile"),
            Topic(id: "b", name: "B", query: "(open"),
            Topic(id: "c", name: "C", query: "missile", languages: ["klingon"]),
        ]
        #expect(TopicMatcher.validate(topics).map(\.topicID) == ["b", "c"])
        #expect(throws: QuerySyntaxError(topicID: "b", column: 6,
                                         message: "expected a closing ) for the group opened at column 1, found end of query")) {
            _ = try TopicMatcher(topics: topics)
        }
    }

    @Test("validate collects every broken topic; init throws the first")
    func validateCollectsAll() {
        let topics = [
            Topic(id: "a", name: "A", query: "missile"),
            Topic(id: "b", name: "B", query: "\"open"),
            Topic(id: "c", name: "C", query: "x NEAR/0 y"),
        ]
        #expect(TopicMatcher.validate(topics).map(\.topicID) == ["b", "c"])
        #expect(throws: QuerySyntaxError.self) { _ = try TopicMatcher(topics: topics) }
        do {
            _ = try TopicMatcher(topics: topics)
        } catch {
            #expect(error.topicID == "b")
        }
    }
}

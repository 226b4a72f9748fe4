import FeedWatchMatching
import FeedWatchModel
import Testing

@Suite("Robustness")
struct RobustnessTests {
    /// A small deterministic generator, so failures reproduce.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test("Random queries either compile or report a column inside the query; none crash")
    func randomQueries() throws {
        let pieces = ["missile", "test", "OR", "AND", "NOT", "-", "(", ")", "\"", "=", "*", "NEAR/3", "ONEAR/0",
                      "title:", "body:", "foo:", "sa*", "sanction*", "é", "ك", "‌", "-fire", "test-fire", " ", "  "]
        var generator = Generator(state: 42)
        let document = MatchDocument(title: "Missile test", body: "A test-fire of a ballistic missile; sanctions.")
        for _ in 0..<2_000 {
            let query = (0..<(1 + generator.next(7))).map { _ in pieces[generator.next(pieces.count)] }.joined(separator: " ")
            let topic = Topic(id: "r", name: "R", query: query)
            let errors = TopicMatcher.validate([topic])
            if let error = errors.first {
                #expect((0...(query.count + 1)).contains(error.column), "\(query): \(error)")
                #expect(error.message.hasPrefix("expected"), "\(query): \(error)")
            } else {
                let matcher = try TopicMatcher(topics: [topic])
                _ = matcher.matches(document)
            }
        }
    }

    @Test("Odd text: decomposed accents, huge words, lone marks, empty fields, a large body")
    func oddText() throws {
        let long = String(repeating: "abcdefghij", count: 30)
        let matcher = try TopicMatcher(topics: [
            Topic(id: "accent", name: "A", query: "Téhéran"),
            Topic(id: "long", name: "L", query: long),
            Topic(id: "hyphen", name: "H", query: "\"a-b-c-d-e-f-g-h-i-j\""),
        ])
        #expect(matcher.matches(MatchDocument(title: "", body: "Te\u{301}he\u{301}ran")).map(\.topicID) == ["accent"])
        #expect(matcher.matches(MatchDocument(title: "", body: "x \(long.uppercased()) y")).map(\.topicID) == ["long"])
        #expect(matcher.matches(MatchDocument(title: "", body: "a-b-c-d-e-f-g-h-i-j")).map(\.topicID) == ["hyphen"])
        #expect(matcher.matches(MatchDocument(title: "", body: "")).isEmpty)
        #expect(matcher.matches(MatchDocument(title: "\u{301}\u{200C}-'", body: "- -- ' ’ \u{640}")).isEmpty)
        let large = String(repeating: "filler words without the topic ", count: 40_000) + "teheran"
        let hit = try #require(matcher.matches(MatchDocument(title: "", body: large)).first)
        #expect(hit.topicID == "accent")
        #expect(hit.snippets.first?.markedText.hasSuffix("«teheran»") == true)
    }

    @Test("Many topics sharing words are all found, in topic order")
    func sharedWords() throws {
        let topics = (0..<300).map { Topic(id: "t\($0)", name: "T", query: $0.isMultiple(of: 2) ? "missile" : "\"ballistic missile\"") }
        let matcher = try TopicMatcher(topics: topics)
        #expect(matcher.matches(MatchDocument(title: "", body: "a ballistic missile")).count == 300)
        #expect(matcher.matches(MatchDocument(title: "", body: "a missile")).map(\.topicID)
            == (0..<300).filter { $0.isMultiple(of: 2) }.map { "t\($0)" })
    }
}

import Foundation
import FeedWatchMatching
import FeedWatchModel
import Testing

@Suite("Topic matcher")
struct TopicMatcherTests {
    @Test("Topics with only negations are reported as unindexable, and still matched")
    func unindexable() throws {
        let matcher = try TopicMatcher(topics: [
            Topic(id: "ok", name: "OK", query: "missile"),
            Topic(id: "neg", name: "Neg", query: "-missile NOT rocket"),
            Topic(id: "mixed", name: "Mixed", query: "missile OR -rocket"),
        ])
        #expect(matcher.unindexableTopicIDs == ["neg", "mixed"])
        let hits = matcher.matches(MatchDocument(title: "Drones", body: "A drone flew over the city."))
        #expect(hits.map(\.topicID) == ["neg", "mixed"])
        #expect(hits.allSatisfy { $0.score == 0 && $0.snippets.count == 1 })
        #expect(matcher.matches(MatchDocument(title: "", body: "a missile")).map(\.topicID) == ["ok", "mixed"])
    }

    @Test("Title hits weigh more than body hits; repeated hits saturate")
    func scoring() throws {
        let matcher = try TopicMatcher(topics: [Topic(id: "t", name: "T", query: "missile")])
        func score(_ title: String, _ body: String) throws -> Double {
            try #require(matcher.matches(MatchDocument(title: title, body: body)).first).score
        }
        let oneBody = try score("News", "a missile")
        let oneTitle = try score("Missile", "news")
        let tenBody = try score("News", Array(repeating: "a missile", count: 10).joined(separator: " "))
        let hundredBody = try score("News", Array(repeating: "a missile", count: 100).joined(separator: " "))
        #expect(oneTitle > oneBody)
        #expect(tenBody > oneBody)
        #expect(tenBody < 3 * oneBody)
        #expect(hundredBody < 5)
        #expect(hundredBody - tenBody < tenBody - oneBody)
    }

    @Test("min_score drops weak matches", arguments: [(2.0, "News", "a missile", false), (2.0, "Missile", "news", true),
                                                        (0.0, "News", "a missile", true)])
    func minScore(_ minimum: Double, _ title: String, _ body: String, _ expected: Bool) throws {
        let matcher = try TopicMatcher(topics: [Topic(id: "t", name: "T", query: "missile", minScore: minimum)])
        #expect(!matcher.matches(MatchDocument(title: title, body: body)).isEmpty == expected)
    }

    @Test("feeds and tags limit which feeds a topic watches")
    func feedsAndTags() throws {
        let matcher = try TopicMatcher(topics: [
            Topic(id: "all", name: "All", query: "missile"),
            Topic(id: "feed", name: "Feed", query: "missile", feeds: ["https://a.example/feed"]),
            Topic(id: "tag", name: "Tag", query: "missile", tags: ["asia"]),
        ])
        let document = MatchDocument(title: "", body: "a missile")
        #expect(matcher.matches(document).map(\.topicID) == ["all", "feed", "tag"])
        #expect(matcher.matches(document, feedURL: "https://a.example/feed").map(\.topicID) == ["all", "feed"])
        #expect(matcher.matches(document, feedURL: "https://b.example/", feedTags: ["asia", "news"]).map(\.topicID)
            == ["all", "tag"])
        #expect(matcher.matches(document, feedURL: "https://b.example/", feedTags: ["europe"]).map(\.topicID) == ["all"])
    }

    @Test("Only topics anchored on the article's words are verified")
    func candidateSelection() throws {
        let topics = (0..<1_000).map { Topic(id: "t\($0)", name: "T", query: "\"alpha\($0) beta\($0)\"") }
        let matcher = try TopicMatcher(topics: topics)
        let hits = matcher.matches(MatchDocument(title: "", body: "x alpha7 beta7 y alpha8 z beta9"))
        #expect(hits.map(\.topicID) == ["t7"])
        #expect(matcher.statistics.documents == 1)
        #expect(matcher.statistics.candidates <= 3)
        #expect(matcher.unindexableTopicIDs.isEmpty)
    }

    @Test("Snippets are ~30 words around the densest hits, with hits marked and cut points shown")
    func snippets() throws {
        let filler = (1...60).map { "w\($0)" }.joined(separator: " ")
        let body = "\(filler) the ballistic missile test \(filler) another missile here \(filler)"
        let matcher = try TopicMatcher(topics: [Topic(id: "t", name: "T", query: "missile")])
        let hit = try #require(matcher.matches(MatchDocument(title: "Title", body: body)).first)
        #expect(hit.snippets.count == 2)
        let first = try #require(hit.snippets.first)
        #expect(first.markedText.hasPrefix("… "))
        #expect(first.markedText.hasSuffix(" …"))
        #expect(first.markedText.contains("the ballistic «missile» test"))
        #expect(first.plainText.split(separator: " ").count <= 32)
        #expect(hit.snippets[1].markedText.contains("another «missile» here"))
    }

    @Test("Evidence records which words matched where")
    func evidence() throws {
        let matcher = try TopicMatcher(topics: [
            Topic(id: "t", name: "T", query: "\"ballistic missile\" OR (Téhéran NEAR/3 test)"),
        ])
        let hit = try #require(matcher.matches(MatchDocument(
            title: "Ballistic missiles", body: "Téhéran said the test of a ballistic missile failed.")).first)
        #expect(hit.evidence == [
            MatchEvidence(field: .title, utf8Range: 0..<18, text: "Ballistic missiles"),
            MatchEvidence(field: .body, utf8Range: 0..<9, text: "Téhéran"),
            MatchEvidence(field: .body, utf8Range: 19..<23, text: "test"),
            MatchEvidence(field: .body, utf8Range: 29..<46, text: "ballistic missile"),
        ])
    }

    @Test("A title-only hit takes its snippet from the title")
    func titleSnippet() throws {
        let matcher = try TopicMatcher(topics: [Topic(id: "t", name: "T", query: "title:missile")])
        let hit = try #require(matcher.matches(MatchDocument(title: "Missile news", body: "Nothing here.")).first)
        #expect(hit.snippets.map(\.markedText) == ["«Missile» news"])
    }

    @Test("The JSON line has the shape of feedwatch match --json")
    func jsonLine() throws {
        let hit = TopicHit(topicID: "missile-tests", score: 2.5, snippets: [
            Snippet(parts: [.init(text: "… two ", highlighted: false), .init(text: "ballistic missile", highlighted: true),
                            .init(text: " \"tests\" …", highlighted: false)]),
        ])
        let line = MatchJSON.line(hit: hit, title: "Korea\ntest", link: "https://x.example/a", source: "feed.xml")
        #expect(line == #"{"topic":"missile-tests","title":"Korea\ntest","link":"https://x.example/a","source":"feed.xml","score":2.5,"snippets":["… two «ballistic missile» \"tests\" …"]}"#)
        let decoded = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(decoded?["score"] as? Double == 2.5)
        #expect(MatchJSON.line(hit: TopicHit(topicID: "t", score: 3, snippets: []), title: "", link: nil, source: "s")
            == #"{"topic":"t","title":"","link":null,"source":"s","score":3,"snippets":[]}"#)
    }

    @Test("Human output lists topic, score, title, link and marked snippets")
    func humanLines() {
        let hit = TopicHit(topicID: "sanctions", score: 1.67, snippets: [
            Snippet(parts: [.init(text: "prolong the ", highlighted: false), .init(text: "sanctions", highlighted: true)]),
        ])
        #expect(MatchText.lines(hit: hit, title: "EU extends measures", link: "https://x.example/eu")
            == ["sanctions  score 1.67  EU extends measures", "  https://x.example/eu", "  prolong the «sanctions»"])
        #expect(MatchText.lines(hit: TopicHit(topicID: "t", score: 4, snippets: []), title: "T", link: nil)
            == ["t  score 4.0  T"])
        #expect(MatchText.lines(hit: TopicHit(topicID: "t", score: 2.5, snippets: []), title: "T", link: "")
            == ["t  score 2.5  T"])
    }

    @Test("Concurrent callers get the same answers as a single caller")
    func concurrentMatching() async throws {
        let matcher = try TopicMatcher(topics: seedTopics)
        let documents = (0..<200).map { index in
            MatchDocument(title: "Report \(index)", body: index.isMultiple(of: 2) ? "new sanctions \(index)" : "missiles were tested")
        }
        let expected = documents.map { matcher.matches($0).map(\.topicID) }
        let results = await withTaskGroup(of: (Int, [String]).self) { group in
            for (index, document) in documents.enumerated() {
                group.addTask { (index, matcher.matches(document).map(\.topicID)) }
            }
            var results = Array(repeating: [String](), count: documents.count)
            for await (index, ids) in group { results[index] = ids }
            return results
        }
        #expect(results == expected)
    }
}

import FeedWatchMatching
import FeedWatchModel
import FeedWatchTestSupport
import Testing

/// The seed topics: these exact queries must reproduce `expected-topics.json`.
let seedTopics = [
    Topic(id: "missile-tests", name: "Missile tests",
          query: #""ballistic missile" OR "missile test" OR (missile NEAR/5 (test OR launch OR fire))"#),
    Topic(id: "sanctions", name: "Sanctions", query: #"sanction* OR embargo OR "asset freeze""#),
]

@Suite("Seed corpus", .requires(SeedCorpus.requirement))
struct SeedCorpusTests {
    @Test("RSS 2.0 seed items reproduce expected-topics.json exactly")
    func rssSeedMatchesExpected() throws {
        let matcher = try TopicMatcher(topics: seedTopics)
        let expected = try SeedCorpus.expected()
        let items = try SeedCorpus.rssItems()
        #expect(items.count == 8)
        #expect(Set(items.map(\.title)) == Set(expected.keys))
        for item in items {
            let hits = matcher.matches(MatchDocument(title: item.title, body: item.body))
            #expect(Set(hits.map(\.topicID)) == expected[item.title], "\(item.title)")
            for hit in hits {
                #expect(hit.score > 0)
                #expect((1...3).contains(hit.snippets.count), "\(item.title) \(hit.topicID)")
                #expect(hit.snippets.allSatisfy { $0.parts.contains(where: \.highlighted) })
            }
        }
    }

    @Test("Atom 1.0 seed entries reproduce expected-topics.json exactly")
    func atomSeedMatchesExpected() throws {
        let matcher = try TopicMatcher(topics: seedTopics)
        let expected = try SeedCorpus.expected()
        let entries = try SeedCorpus.atomEntries()
        #expect(entries.count == 8)
        #expect(Set(entries.map(\.title)) == Set(expected.keys))
        for entry in entries {
            let hits = matcher.matches(MatchDocument(title: entry.title, body: entry.body))
            #expect(Set(hits.map(\.topicID)) == expected[entry.title], "\(entry.title)")
        }
    }

    @Test("The plain-text article (first line the title) is about missile tests and sanctions")
    func textArticle() throws {
        let matcher = try TopicMatcher(topics: seedTopics)
        let article = try SeedCorpus.textArticle()
        let hits = matcher.matches(MatchDocument(title: article.title, body: article.body))
        #expect(hits.map(\.topicID) == ["missile-tests", "sanctions"])
    }

    @Test("Description and content together give the same topics")
    func descriptionPlusContent() throws {
        let matcher = try TopicMatcher(topics: seedTopics)
        let expected = try SeedCorpus.expected()
        for item in try SeedCorpus.rssItems() {
            let hits = matcher.matches(MatchDocument(title: item.title, body: item.description + "\n" + item.content))
            #expect(Set(hits.map(\.topicID)) == expected[item.title], "\(item.title)")
        }
    }

    @Test("The long article's snippets show the strongest hits, marked")
    func khameneiSnippets() throws {
        let matcher = try TopicMatcher(topics: seedTopics)
        let item = try #require(try SeedCorpus.rssItems().first { $0.title.hasPrefix("Khamenei") })
        let hit = try #require(matcher.matches(MatchDocument(title: item.title, body: item.body))
            .first { $0.topicID == "missile-tests" })
        #expect(hit.snippets.count == 3)
        #expect(hit.snippets.contains { $0.markedText.contains("«ballistic missile»") })
        for snippet in hit.snippets {
            let words = snippet.plainText.split(whereSeparator: \.isWhitespace).count
            #expect(words <= 34, "\(snippet.markedText)")
        }
    }
}

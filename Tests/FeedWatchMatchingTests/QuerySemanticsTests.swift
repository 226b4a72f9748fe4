import FeedWatchMatching
import FeedWatchModel
import Testing

/// One row of the semantics table: does `query` match an article with this title and body?
struct SemanticsCase: CustomTestStringConvertible, Sendable {
    var query: String
    var title: String = ""
    var body: String
    var matches: Bool
    var languages: [String] = ["en"]

    var testDescription: String { "\(query) \(matches ? "~" : "!~") \(title)|\(body)" }
}

private func matches(_ row: SemanticsCase) throws -> Bool {
    let matcher = try TopicMatcher(topics: [Topic(id: "t", name: "t", query: row.query, languages: row.languages)])
    return !matcher.matches(MatchDocument(title: row.title, body: row.body)).isEmpty
}

@Suite("Query semantics")
struct QuerySemanticsTests {
    @Test("Words match by stem, case- and diacritic-insensitively", arguments: [
        SemanticsCase(query: "missile", body: "Two missiles were fired.", matches: true),
        SemanticsCase(query: "missile", body: "Two rockets were fired.", matches: false),
        SemanticsCase(query: "test", body: "It was tested yesterday.", matches: true),
        SemanticsCase(query: "test", body: "Testing continues.", matches: true),
        SemanticsCase(query: "test", body: "His last testament.", matches: false),
        SemanticsCase(query: "Téhéran", body: "Back in TEHERAN today.", matches: true),
        SemanticsCase(query: "teheran", body: "Téhéran", matches: true),
        SemanticsCase(query: "tehran", body: "Téhéran", matches: false),
        SemanticsCase(query: "Iran", body: "Iran’s oil exports", matches: true),
        SemanticsCase(query: "Iran", body: "Iranian oil exports", matches: false),
        SemanticsCase(query: "Paris", body: "«Paris» (France)", matches: true),
        SemanticsCase(query: "90,000", body: "in front of 90,000 fans", matches: true),
        SemanticsCase(query: "90,000", body: "in front of 90 000 fans", matches: false),
    ])
    func stemmedWords(_ row: SemanticsCase) throws { #expect(try matches(row) == row.matches) }

    @Test("=exact, \"phrases\", =\"exact phrases\" and prefix*", arguments: [
        SemanticsCase(query: "=IRGC", body: "the irgc said", matches: true),
        SemanticsCase(query: "=missile", body: "Missile", matches: true),
        SemanticsCase(query: "=missile", body: "missiles", matches: false),
        SemanticsCase(query: "\"ballistic missile\"", body: "two ballistic missiles", matches: true),
        SemanticsCase(query: "\"ballistic missile\"", body: "missile, ballistic", matches: false),
        SemanticsCase(query: "\"ballistic missile\"", body: "ballistic and missile", matches: false),
        SemanticsCase(query: "=\"ballistic missiles\"", body: "Ballistic Missiles", matches: true),
        SemanticsCase(query: "=\"ballistic missiles\"", body: "ballistic missile", matches: false),
        SemanticsCase(query: "=\"iran's\"", body: "Iran’s oil", matches: true),
        SemanticsCase(query: "=\"iran's\"", body: "Iran oil", matches: false),
        SemanticsCase(query: "sanction*", body: "Sanctioned oligarch", matches: true),
        SemanticsCase(query: "sanction*", body: "sanitation works", matches: false),
        SemanticsCase(query: "Téh*", body: "teheran", matches: true),
        SemanticsCase(query: "“ballistic missile”", body: "ballistic missiles", matches: true),
    ])
    func exactPhrasesPrefixes(_ row: SemanticsCase) throws { #expect(try matches(row) == row.matches) }

    @Test("AND by juxtaposition, OR, NOT/-, parentheses", arguments: [
        SemanticsCase(query: "missile launch", body: "the launch of a missile", matches: true),
        SemanticsCase(query: "missile launch", body: "a missile", matches: false),
        SemanticsCase(query: "missile AND launch", body: "the launch of a missile", matches: true),
        SemanticsCase(query: "missile AND launch", body: "the launch", matches: false),
        SemanticsCase(query: "missile OR rocket", body: "a rocket", matches: true),
        SemanticsCase(query: "missile OR rocket", body: "a drone", matches: false),
        SemanticsCase(query: "missile or rocket", body: "a rocket", matches: false),
        SemanticsCase(query: "missile -command", body: "Missile Command remake", matches: false),
        SemanticsCase(query: "missile -command", body: "missile test", matches: true),
        SemanticsCase(query: "missile NOT command", body: "Missile Command remake", matches: false),
        SemanticsCase(query: "missile NOT command", body: "missile test", matches: true),
        SemanticsCase(query: "missile NOT (command OR arcade)", body: "missile arcade", matches: false),
        SemanticsCase(query: "(missile OR rocket) test", body: "rocket test", matches: true),
        SemanticsCase(query: "(missile OR rocket) test", body: "rocket drone", matches: false),
        SemanticsCase(query: "missile OR rocket test", body: "missile test", matches: true),
        SemanticsCase(query: "missile OR rocket test", body: "missile", matches: false),
        SemanticsCase(query: "-missile", body: "a drone", matches: true),
        SemanticsCase(query: "-missile", body: "a missile", matches: false),
    ])
    func booleanOperators(_ row: SemanticsCase) throws { #expect(try matches(row) == row.matches) }

    @Test("NEAR/n (either order) and ONEAR/n (in order), never across fields", arguments: [
        SemanticsCase(query: "missile NEAR/2 test", body: "test of missile", matches: true),
        SemanticsCase(query: "missile NEAR/2 test", body: "missile was never really tested", matches: false),
        SemanticsCase(query: "missile NEAR/4 test", body: "missile was never really tested", matches: true),
        SemanticsCase(query: "missile ONEAR/3 test", body: "missile was tested", matches: true),
        SemanticsCase(query: "missile ONEAR/3 test", body: "tested a missile", matches: false),
        SemanticsCase(query: "\"ballistic missile\" NEAR/3 (test OR launch)", body: "launched a ballistic missile",
                      matches: true),
        SemanticsCase(query: "\"ballistic missile\" NEAR/3 (test OR launch)",
                      body: "a ballistic missile was shown at the parade before the launch", matches: false),
        SemanticsCase(query: "missile NEAR/3 test", title: "missile", body: "test", matches: false),
        SemanticsCase(query: "missile NEAR/1 test", body: "missile test", matches: true),
        SemanticsCase(query: "missile NEAR/1 test", body: "missile a test", matches: false),
    ])
    func proximity(_ row: SemanticsCase) throws { #expect(try matches(row) == row.matches) }

    @Test("title: and body: limit a clause to one field", arguments: [
        SemanticsCase(query: "title:missile", title: "Missile news", body: "nothing", matches: true),
        SemanticsCase(query: "title:missile", title: "News", body: "a missile", matches: false),
        SemanticsCase(query: "body:missile", title: "Missile", body: "nothing", matches: false),
        SemanticsCase(query: "body:missile", title: "News", body: "a missile", matches: true),
        SemanticsCase(query: "title:(missile OR rocket) body:test", title: "Rocket", body: "a test", matches: true),
        SemanticsCase(query: "title:(missile OR rocket) body:test", title: "Test", body: "rocket", matches: false),
        SemanticsCase(query: "title:\"ballistic missile\"", title: "Ballistic missiles", body: "", matches: true),
    ])
    func fields(_ row: SemanticsCase) throws { #expect(try matches(row) == row.matches) }

    @Test("Hyphenated words match joined and split forms", arguments: [
        SemanticsCase(query: "test-fire", body: "they test-fired two", matches: true),
        SemanticsCase(query: "test-fire", body: "a test fire", matches: true),
        SemanticsCase(query: "test-fire", body: "a testfire", matches: true),
        SemanticsCase(query: "test-fire", body: "test and fire", matches: false),
        SemanticsCase(query: "testfire", body: "North Korea test-fires", matches: true),
        SemanticsCase(query: "\"test fire\"", body: "North Korea test‑fires", matches: true),
        SemanticsCase(query: "\"test-fire missile\"", body: "a testfire missile", matches: true),
        SemanticsCase(query: "\"testfire missile\"", body: "a test-fire missile", matches: true),
        SemanticsCase(query: "\"testfire missile\"", body: "a test-fire of a missile", matches: false),
        SemanticsCase(query: "agni-v", body: "Agni-V missile", matches: true),
        SemanticsCase(query: "agni-v", body: "Agni missile", matches: false),
    ])
    func hyphens(_ row: SemanticsCase) throws { #expect(try matches(row) == row.matches) }

    @Test("Arabic and Persian are normalised", arguments: [
        SemanticsCase(query: "كتاب", body: "این کتاب", matches: true, languages: ["fa"]),
        SemanticsCase(query: "علي", body: "علی", matches: true, languages: ["fa"]),
        SemanticsCase(query: "کتاب", body: "كـتـاب", matches: true, languages: ["fa"]),
        SemanticsCase(query: "کتاب", body: "کِتاب", matches: true, languages: ["fa"]),
        SemanticsCase(query: "میخواهم", body: "می‌خواهم", matches: true, languages: ["fa"]),
        SemanticsCase(query: "کتاب", body: "کتب", matches: false, languages: ["fa"]),
        SemanticsCase(query: "موشک", body: "آزمایش موشک بالستیک", matches: true, languages: ["fa"]),
        SemanticsCase(query: "\"موشک بالستیک\"", body: "آزمایش موشک بالستیک", matches: true, languages: ["fa"]),
    ])
    func arabicPersian(_ row: SemanticsCase) throws { #expect(try matches(row) == row.matches) }

    @Test("Other scripts: ideographs are words, symbols separate words, case folding beyond ASCII", arguments: [
        SemanticsCase(query: "東京", body: "東京で会議", matches: true, languages: ["ja"]),
        SemanticsCase(query: "東京", body: "京東", matches: false, languages: ["ja"]),
        SemanticsCase(query: "missile", body: "missile🚀test", matches: true),
        SemanticsCase(query: "\"missile test\"", body: "missile🚀test", matches: true),
        SemanticsCase(query: "istanbul", body: "İSTANBUL", matches: true),
        SemanticsCase(query: "straße", body: "STRASSE", matches: true, languages: ["de"]),
        SemanticsCase(query: "Ракета", body: "ракета", matches: true, languages: ["ru"]),
        SemanticsCase(query: "Ракета", body: "ракеты", matches: true, languages: ["ru"]),
        SemanticsCase(query: "Ракета", body: "самолёт", matches: false, languages: ["ru"]),
        SemanticsCase(query: "ἀθῆναι", body: "ΑΘΗΝΑΙ", matches: true, languages: ["el"]),
        SemanticsCase(query: "U.S. sanctions", body: "new u.s. sanctions", matches: true),
        SemanticsCase(query: "=\"u.s\"", body: "the US said", matches: false),
    ])
    func otherScripts(_ row: SemanticsCase) throws { #expect(try matches(row) == row.matches) }

    @Test("Languages choose the stemmer; without one words are only folded", arguments: [
        SemanticsCase(query: "Häuser", body: "das Haus", matches: true, languages: ["de"]),
        SemanticsCase(query: "Häuser", body: "das Haus", matches: false, languages: ["en"]),
        SemanticsCase(query: "missiles", body: "a missile", matches: false, languages: ["fa"]),
        SemanticsCase(query: "missiles", body: "a missile", matches: true, languages: ["fa", "en"]),
        SemanticsCase(query: "missiles", body: "a missile", matches: true, languages: ["english"]),
    ])
    func languages(_ row: SemanticsCase) throws { #expect(try matches(row) == row.matches) }
}

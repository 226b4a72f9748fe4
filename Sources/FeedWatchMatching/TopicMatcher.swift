public import FeedWatchModel
import Foundation

/// Matches documents against many topics: each query is compiled once; per document the
/// candidate topics come from an inverted index over the document's words and are then
/// verified on word positions.
///
/// The query language:
/// - `missile` — any word with the same stem in the topic's languages (Snowball; default English),
///   case- and diacritic-insensitive; `=IRGC` — that word form only; `sanction*` — a prefix (≥ 3 characters).
/// - `"ballistic missile"` — consecutive words, each stemmed; `="exact phrase"` — without stemming.
/// - `a b` — both; `a OR b` — either (OR binds tighter than the implicit AND; an explicit `AND`
///   mixed with `OR` needs parentheses); `-a` or `NOT a` — must not match; `( … )` groups.
/// - `a NEAR/5 b` — at most 5 words apart (adjacent words are 1 apart), either order;
///   `a ONEAR/5 b` — `a` first. Operands: words, phrases or groups. n is 1…100.
/// - `title:…`, `body:…` — limit a clause to one field.
/// - `test-fire` also matches `test fire` and `testfire`; apostrophes stay inside words (`Iran’s`);
///   Arabic-script text is normalised for every language (alef forms → ا, ة → ه, ي/ى → ی, ك → ک,
///   ؤ → و, ئ → ی, tatweel and harakat dropped, Persian and Arabic-Indic digits read as digits); a
///   ZWNJ splits a Persian word like a hyphen (`موشک‌ها` has the words `موشک`, `ها` and `موشکها`).
/// - `fa` and `ar` words are lightly stemmed (Persian plural and adjective suffixes; Arabic
///   light10 prefixes and suffixes); in a topic with several languages each query word is
///   analysed by the languages its script fits (Arabic-script words by `fa`/`ar`, others by the rest).
/// - An article's declared language (`MatchDocument.language`) narrows that for a topic listing it:
///   words written in its script are analysed by it alone (declared `fa`: Persian, not also Arabic).
///
/// Thread-safe: calls on one matcher (and its copies) are serialised, since the analyzer's
/// word cache and Snowball stemmers are shared state; build one matcher per thread to match in parallel.
public struct TopicMatcher: Sendable {
    private let engine: MatcherEngine

    /// Compiles every topic's query once. Throws the first syntax error (use `validate` to collect all).
    public init(topics: [Topic]) throws(QuerySyntaxError) {
        engine = try MatcherEngine(topics: topics)
    }

    /// All topics matching the document, each with score and 1–3 snippets (~30 words around the strongest hits, hits highlighted).
    public func matches(_ document: MatchDocument) -> [TopicHit] {
        engine.matches(document, feedURL: nil, feedTags: [])
    }

    /// All topics watching this feed that match the document.
    ///
    /// A topic with `feeds` only applies to those feed URLs, one with `tags` only to feeds with one of
    /// those tags. Without a `feedURL` (ad-hoc matching, e.g. `feedwatch match FILE`) no topic is filtered out.
    public func matches(_ document: MatchDocument, feedURL: String? = nil, feedTags: [String] = []) -> [TopicHit] {
        engine.matches(document, feedURL: feedURL, feedTags: feedTags)
    }

    /// The matcher's candidate step alone: whether the document contains the required terms of
    /// some topic watching this feed, so that a full match (e.g. on the article's full text) may
    /// pay off. Cheaper than `matches`: no positions are verified and no snippets built.
    public func hasCandidates(_ document: MatchDocument, feedURL: String? = nil, feedTags: [String] = []) -> Bool {
        engine.hasCandidates(document, feedURL: feedURL, feedTags: feedTags)
    }

    /// The tokens each side produced: the topic's query words and a trial text's words, each with
    /// the index keys it is looked up by (`feedwatch topics test --text`); nil for an unknown topic.
    /// With `language`, the text is analysed as an article declared in that language (`MatchDocument.language`).
    public func analysis(
        ofTopic id: String, text: String, language: String? = nil
    ) -> (query: [AnalysedWord], text: [AnalysedWord])? {
        engine.analysis(topicID: id, text: text, language: language)
    }

    /// Syntax (and language) errors of every topic, for `feedwatch check`.
    public static func validate(_ topics: [Topic]) -> [QuerySyntaxError] {
        MatcherEngine.validate(topics)
    }

    /// Topics with no indexable term (e.g. only negations), reported at config load.
    /// They are still matched, but against every document.
    public var unindexableTopicIDs: [String] { engine.unindexableTopicIDs }

    /// Counters since the matcher was built: documents matched and candidate topics verified.
    public var statistics: MatcherStatistics { engine.statistics }
}

/// Work done by a `TopicMatcher`, for metrics and benchmarks.
public struct MatcherStatistics: Sendable, Hashable {
    /// Documents passed to `matches`.
    public var documents: Int = 0
    /// Candidate topics picked by the index (anchored on a word of the document).
    public var candidates: Int = 0
    /// Candidates whose required words all occur, verified on positions.
    public var verified: Int = 0
    /// Topic hits returned.
    public var hits: Int = 0
    /// Distinct query keys (stems, exact forms, prefixes) in the index.
    public var indexKeys: Int = 0
}

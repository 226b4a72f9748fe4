import FeedWatchModel
import Foundation

/// Matches documents against many topics: each query is compiled once; per document the
/// candidate topics come from an inverted index over the document's words and are then
/// verified on word positions.
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

    /// Syntax (and language) errors of every topic, for `feedwatch check`.
    public static func validate(_ topics: [Topic]) -> [QuerySyntaxError] {
        var errors: [QuerySyntaxError] = []
        for topic in topics {
            do throws(QuerySyntaxError) {
                _ = try MatcherEngine(topics: [topic])
            } catch {
                errors.append(error)
            }
        }
        return errors
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

/// The compiled topics, the candidate index and the analyzer, with scratch space reused across documents.
final class MatcherEngine: @unchecked Sendable {
    private let topics: [CompiledTopic]
    private let index: CandidateIndex
    private let keyCount: Int
    /// Guards everything below (the analyzer is not thread-safe; the scratch arrays are reused).
    private let lock = NSLock()
    private let state: AnalysisState
    private var occurrences: [Occurrence] = []
    private var sorted: [Occurrence] = []
    private var distinctKeys: [Int32] = []
    private var titleWords: [Range<Int32>] = []
    private var bodyWords: [Range<Int32>] = []
    private var lower: [Int32]
    private var upper: [Int32]
    private var keyStamps: [UInt32]
    private var topicStamps: [UInt32]
    private var generation: UInt32 = 0
    private var counters = MatcherStatistics()

    init(topics: [Topic]) throws(QuerySyntaxError) {
        var languages: [TopicLanguage] = []
        var topicLanguages: [[Int]] = []
        for topic in topics {
            var indices: [Int] = []
            for name in topic.languages.isEmpty ? ["en"] : topic.languages {
                guard let language = TopicLanguage.named(name) else {
                    throw QuerySyntaxError(
                        topicID: topic.id, column: 0,
                        message: "language: expected a language code such as en, de, fr, ar or fa, found \(name)")
                }
                let index = languages.firstIndex(of: language) ?? { languages.append(language); return languages.count - 1 }()
                if !indices.contains(index) { indices.append(index) }
            }
            topicLanguages.append(indices)
        }
        let state = AnalysisState(languages: languages)
        var compiled: [CompiledTopic] = []
        for (topic, languageIndices) in zip(topics, topicLanguages) {
            do throws(QueryParseFailure) {
                let parsed = try QueryParser.parse(topic.query)
                let root = try QueryCompiler(state: state, languageIndices: languageIndices).compile(parsed)
                compiled.append(CompiledTopic(
                    id: topic.id, root: root, minScore: topic.minScore, feeds: Set(topic.feeds),
                    tags: Set(topic.tags), isIndexable: root.anchors != nil))
            } catch {
                throw QuerySyntaxError(topicID: topic.id, column: error.column, message: error.message)
            }
        }
        self.state = state
        self.topics = compiled
        keyCount = state.vocabulary.count
        index = CandidateIndex(roots: compiled.map(\.root), keyCount: keyCount)
        lower = Array(repeating: 0, count: keyCount)
        upper = Array(repeating: 0, count: keyCount)
        keyStamps = Array(repeating: 0, count: keyCount)
        topicStamps = Array(repeating: 0, count: compiled.count)
        counters.indexKeys = keyCount
    }

    var unindexableTopicIDs: [String] { index.unindexable.map { topics[Int($0)].id } }

    var statistics: MatcherStatistics {
        lock.lock()
        defer { lock.unlock() }
        return counters
    }

    private func applies(_ topic: CompiledTopic, feedURL: String?, feedTags: [String]) -> Bool {
        guard let feedURL else { return true }
        if !topic.feeds.isEmpty, !topic.feeds.contains(feedURL) { return false }
        if !topic.tags.isEmpty, !feedTags.contains(where: topic.tags.contains) { return false }
        return true
    }

    /// Spans sorted by position, duplicates (the same words reached through two clauses) removed.
    private static func distinct(_ spans: [Span]) -> [Span] {
        var spans = spans
        spans.sort { $0.start != $1.start ? $0.start < $1.start : $0.end < $1.end }
        var result: [Span] = []
        result.reserveCapacity(spans.count)
        for span in spans where result.last != span { result.append(span) }
        return result
    }

    func matches(_ document: MatchDocument, feedURL: String?, feedTags: [String]) -> [TopicHit] {
        lock.lock()
        defer { lock.unlock() }
        generation &+= 1
        if generation == 0 {
            keyStamps = Array(repeating: 0, count: keyCount)
            topicStamps = Array(repeating: 0, count: topics.count)
            generation = 1
        }
        // Work on local copies (moved out, so no copy happens) to keep exclusivity checks off the hot loops.
        var occurrences = self.occurrences, sorted = self.sorted, distinctKeys = self.distinctKeys
        var titleWords = self.titleWords, bodyWords = self.bodyWords
        var lower = self.lower, upper = self.upper, keyStamps = self.keyStamps, topicStamps = self.topicStamps
        self.occurrences = []; self.sorted = []; self.distinctKeys = []; self.titleWords = []; self.bodyWords = []
        self.lower = []; self.upper = []; self.keyStamps = []; self.topicStamps = []
        defer {
            self.occurrences = occurrences; self.sorted = sorted; self.distinctKeys = distinctKeys
            self.titleWords = titleWords; self.bodyWords = bodyWords
            self.lower = lower; self.upper = upper; self.keyStamps = keyStamps; self.topicStamps = topicStamps
        }
        let generation = self.generation

        state.collect(title: document.title, body: document.body, into: &occurrences, titleWords: &titleWords,
                      bodyWords: &bodyWords)
        // Group occurrences by key with a counting sort (stable: positions stay in order within a key).
        distinctKeys.removeAll(keepingCapacity: true)
        for occurrence in occurrences {
            let key = Int(occurrence.key)
            if keyStamps[key] != generation {
                keyStamps[key] = generation
                upper[key] = 0
                distinctKeys.append(occurrence.key)
            }
            upper[key] += 1
        }
        var offset: Int32 = 0
        for key in distinctKeys {
            lower[Int(key)] = offset
            offset += upper[Int(key)]
            upper[Int(key)] = lower[Int(key)]
        }
        sorted.removeAll(keepingCapacity: true)
        if let first = occurrences.first { sorted.append(contentsOf: repeatElement(first, count: occurrences.count)) }
        for occurrence in occurrences {
            let key = Int(occurrence.key)
            sorted[Int(upper[key])] = occurrence
            upper[key] += 1
        }

        // Candidates: topics anchored on a key of the article whose required words all occur.
        var candidates: [Int32] = []
        var checked = 0
        index.offsets.withUnsafeBufferPointer { offsets in
            index.topicList.withUnsafeBufferPointer { topicList in
                index.groupOffsets.withUnsafeBufferPointer { groupOffsets in
                    index.groupKeyOffsets.withUnsafeBufferPointer { groupKeyOffsets in
                        index.groupKeys.withUnsafeBufferPointer { groupKeys in
                            for key in distinctKeys {
                                for slot in Int(offsets[Int(key)])..<Int(offsets[Int(key) + 1]) {
                                    let topic = Int(topicList[slot])
                                    guard topicStamps[topic] != generation else { continue }
                                    topicStamps[topic] = generation
                                    checked += 1
                                    var complete = true
                                    for group in Int(groupOffsets[topic])..<Int(groupOffsets[topic + 1]) where complete {
                                        complete = false
                                        for keySlot in Int(groupKeyOffsets[group])..<Int(groupKeyOffsets[group + 1])
                                        where keyStamps[Int(groupKeys[keySlot])] == generation {
                                            complete = true
                                            break
                                        }
                                    }
                                    if complete { candidates.append(Int32(topic)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        candidates += index.unindexable
        candidates.sort()

        var found: [(topic: Int, spans: [Span], score: Double)] = []
        do {
            let postings = Postings(occurrences: sorted, lower: lower, upper: upper, stamps: keyStamps,
                                    generation: generation)
            for candidate in candidates {
                let topic = topics[Int(candidate)]
                guard applies(topic, feedURL: feedURL, feedTags: feedTags),
                      let evidence = postings.evaluate(topic.root)
                else { continue }
                let spans = Self.distinct(evidence)
                let score = Scoring.score(spans)
                if score >= topic.minScore { found.append((Int(candidate), spans, score)) }
            }
        }
        counters.documents += 1
        counters.candidates += checked + index.unindexable.count
        counters.verified += candidates.count
        counters.hits += found.count
        guard !found.isEmpty else { return [] }

        let title = SnippetBuilder.FieldText(bytes: Array(document.title.utf8), words: titleWords, base: 0)
        let body = SnippetBuilder.FieldText(bytes: Array(document.body.utf8), words: bodyWords,
                                            base: AnalysisState.bodyBase)
        return found.map { hit in
            TopicHit(topicID: topics[hit.topic].id, score: hit.score,
                     snippets: SnippetBuilder.snippets(for: hit.spans, title: title, body: body))
        }
    }
}

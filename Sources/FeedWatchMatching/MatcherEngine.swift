import FeedWatchModel
import Foundation

/// Per-document working memory, reused across documents (sized by key and topic counts).
struct MatchScratch {
    /// Key-carrying words in document order, then grouped by key in `sorted`.
    var occurrences: [Occurrence] = []
    var sorted: [Occurrence] = []
    var distinctKeys: [Int32] = []
    var titleWords: [Range<Int32>] = []
    var bodyWords: [Range<Int32>] = []
    /// Per key: `sorted[lower[key]..<upper[key]]`, valid when `keyStamps[key] == generation`.
    var lower: [Int32]
    var upper: [Int32]
    var keyStamps: [UInt32]
    /// Per topic: already considered for this document when equal to `generation`.
    var topicStamps: [UInt32]
    var candidates: [Int32] = []

    init(keyCount: Int, topicCount: Int) {
        lower = Array(repeating: 0, count: keyCount)
        upper = Array(repeating: 0, count: keyCount)
        keyStamps = Array(repeating: 0, count: keyCount)
        topicStamps = Array(repeating: 0, count: topicCount)
    }

    /// Groups `occurrences` by key into `sorted` with a counting sort (stable: positions stay in order).
    mutating func groupByKey(generation: UInt32) {
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
    }

    /// Fills `candidates` (sorted) with the topics anchored on a key of the document whose required
    /// words all occur, plus the unindexable ones. Returns how many anchored topics were looked at.
    mutating func selectCandidates(_ index: CandidateIndex, generation: UInt32) -> Int {
        candidates.removeAll(keepingCapacity: true)
        var considered = 0
        for key in distinctKeys {
            for slot in Int(index.offsets[Int(key)])..<Int(index.offsets[Int(key) + 1]) {
                let topic = Int(index.topicList[slot])
                guard topicStamps[topic] != generation else { continue }
                topicStamps[topic] = generation
                considered += 1
                if hasRequiredWords(index, topic: topic, generation: generation) { candidates.append(Int32(topic)) }
            }
        }
        candidates += index.unindexable
        candidates.sort()
        return considered + index.unindexable.count
    }

    private func hasRequiredWords(_ index: CandidateIndex, topic: Int, generation: UInt32) -> Bool {
        for group in Int(index.groupOffsets[topic])..<Int(index.groupOffsets[topic + 1]) {
            var present = false
            for slot in Int(index.groupKeyOffsets[group])..<Int(index.groupKeyOffsets[group + 1])
            where keyStamps[Int(index.groupKeys[slot])] == generation {
                present = true
                break
            }
            if !present { return false }
        }
        return true
    }
}

/// The compiled topics, the candidate index and the analyzer, with scratch space reused across documents.
final class MatcherEngine: @unchecked Sendable {
    private let topics: [CompiledTopic]
    private let index: CandidateIndex
    /// Guards everything below (the analyzer is not thread-safe; the scratch space is reused).
    private let lock = NSLock()
    private let state: AnalysisState
    private var scratch: MatchScratch
    private var generation: UInt32 = 0
    private var counters = MatcherStatistics()
    /// Declared language tag → index into the analyzer's languages (-1: none of them); bounded.
    private var declaredLanguages: [String: Int] = [:]
    private static let maxDeclaredLanguages = 1024

    init(topics: [Topic]) throws(QuerySyntaxError) {
        let compilation = Self.compile(topics)
        if let error = compilation.errors.first { throw error }
        state = compilation.state
        self.topics = compilation.topics
        let keyCount = state.vocabulary.count
        index = CandidateIndex(roots: compilation.topics.map(\.root), keyCount: keyCount)
        scratch = MatchScratch(keyCount: keyCount, topicCount: compilation.topics.count)
        counters.indexKeys = keyCount
    }

    /// Every topic's syntax and language errors (one per broken topic), sharing one analyzer.
    static func validate(_ topics: [Topic]) -> [QuerySyntaxError] {
        compile(topics).errors
    }

    /// The language given by a topic as a name or code, or the error naming it.
    private static func language(_ name: String, of topic: Topic) -> Result<TopicLanguage, QuerySyntaxError> {
        guard let language = TopicLanguage.named(name) else {
            return .failure(QuerySyntaxError(
                topicID: topic.id, column: 0,
                message: "language: expected a language code such as en, de, fr, ar or fa, found \(name)"))
        }
        return .success(language)
    }

    /// Compiles topics against one shared analyzer (one stemmer per language in use); broken topics are
    /// left out and their errors returned in topic order.
    private static func compile(
        _ topics: [Topic]
    ) -> (state: AnalysisState, topics: [CompiledTopic], errors: [QuerySyntaxError]) {
        var languages: [TopicLanguage] = []
        var errors: [QuerySyntaxError] = []
        var topicLanguages: [[Int]?] = []
        for topic in topics {
            var indices: [Int]? = []
            for name in topic.languages.isEmpty ? ["en"] : topic.languages {
                switch language(name, of: topic) {
                case .failure(let error):
                    errors.append(error)
                    indices = nil
                case .success(let language):
                    if !languages.contains(language) { languages.append(language) }
                    if let index = languages.firstIndex(of: language), indices?.contains(index) == false {
                        indices?.append(index)
                    }
                }
                if indices == nil { break }
            }
            topicLanguages.append(indices)
        }
        let state = AnalysisState(languages: languages)
        var compiled: [CompiledTopic] = []
        for (topic, languageIndices) in zip(topics, topicLanguages) {
            guard let languageIndices else { continue }
            do throws(QueryParseFailure) {
                let parsed = try QueryParser.parse(topic.query)
                let root = try QueryCompiler(state: state, languageIndices: languageIndices).compile(parsed)
                compiled.append(CompiledTopic(
                    id: topic.id, root: root, minScore: topic.minScore, feeds: Set(topic.feeds),
                    tags: Set(topic.tags), query: parsed, languageIndices: languageIndices))
            } catch {
                errors.append(QuerySyntaxError(topicID: topic.id, column: error.column, message: error.message))
            }
        }
        // Report in topic order (language errors were found in a first pass).
        let order = Dictionary(topics.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        errors.sort { (order[$0.topicID] ?? 0) < (order[$1.topicID] ?? 0) }
        return (state, compiled, errors)
    }

    /// A topic's query words and a trial text's words as the analyzer sees them, the text declared in `language`.
    func analysis(topicID: String, text: String, language: String?) -> (query: [AnalysedWord], text: [AnalysedWord])? {
        lock.lock()
        defer { lock.unlock() }
        guard let topic = topics.first(where: { $0.id == topicID }) else { return nil }
        // Only a language the topic lists narrows its analysis (as in `CompiledTopic.root(declared:)`).
        let declared = languageIndex(language).flatMap { topic.languageIndices.contains($0) ? $0 : nil }
        return (state.explain(topic.query, languageIndices: topic.languageIndices, declared: declared),
                state.explain(text, mode: .stemmed, languageIndices: Array(state.languages.indices), isArticle: true,
                              declared: declared))
    }

    /// The analyzer's index of a declared language tag (by its primary subtag: `fa-IR` is `fa`),
    /// or nil when undeclared or not one of the topics' languages. Call under the lock.
    private func languageIndex(_ tag: String?) -> Int? {
        guard let tag, !tag.isEmpty else { return nil }
        if let cached = declaredLanguages[tag] { return cached < 0 ? nil : cached }
        let primary = LanguageTag.primarySubtag(tag)
        let index = TopicLanguage.named(primary).flatMap { language in state.languages.firstIndex { $0.code == language.code } }
        if declaredLanguages.count >= Self.maxDeclaredLanguages { declaredLanguages.removeAll(keepingCapacity: true) }
        declaredLanguages[tag] = index ?? -1
        return index
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

    /// The candidate step alone: whether any indexable topic watching this feed has its required
    /// words in the document. Topics without indexable terms are left out: they would make every
    /// document a candidate.
    func hasCandidates(_ document: MatchDocument, feedURL: String?, feedTags: [String]) -> Bool {
        withCandidates(of: document) { scratch, _, _, _ in
            let unindexable = Set(index.unindexable)
            return scratch.candidates.contains { candidate in
                !unindexable.contains(candidate) && applies(topics[Int(candidate)], feedURL: feedURL, feedTags: feedTags)
            }
        }
    }

    /// Analyses `document` under the lock and picks its candidate topics, then runs `body`
    /// with the scratch space, how many topics the index considered, and the generation stamp.
    private func withCandidates<T>(of document: MatchDocument, _ body: (inout MatchScratch, Int, UInt32, Int?) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        generation &+= 1
        if generation == 0 {
            scratch = MatchScratch(keyCount: state.vocabulary.count, topicCount: topics.count)
            generation = 1
        }
        // Work on a local copy (moved out, so nothing is copied): keeps exclusivity checks off the hot loops.
        var scratch = self.scratch
        self.scratch = MatchScratch(keyCount: 0, topicCount: 0)
        defer { self.scratch = scratch }
        state.collect(title: document.title, body: document.body, into: &scratch.occurrences,
                      titleWords: &scratch.titleWords, bodyWords: &scratch.bodyWords)
        scratch.groupByKey(generation: generation)
        let considered = scratch.selectCandidates(index, generation: generation)
        return body(&scratch, considered, generation, languageIndex(document.language))
    }

    func matches(_ document: MatchDocument, feedURL: String?, feedTags: [String]) -> [TopicHit] {
        withCandidates(of: document) { scratch, considered, generation, declared in
            var found: [(topic: Int, spans: [Span], score: Double)] = []
            do {
                let postings = Postings(occurrences: scratch.sorted, lower: scratch.lower, upper: scratch.upper,
                                        stamps: scratch.keyStamps, generation: generation)
                for candidate in scratch.candidates {
                    let topic = topics[Int(candidate)]
                    guard applies(topic, feedURL: feedURL, feedTags: feedTags),
                          let evidence = postings.evaluate(topic.root(declared: declared))
                    else { continue }
                    let spans = Self.distinct(evidence)
                    let score = Scoring.score(spans)
                    if score >= topic.minScore { found.append((Int(candidate), spans, score)) }
                }
            }
            counters.documents += 1
            counters.candidates += considered
            counters.verified += scratch.candidates.count
            counters.hits += found.count
            guard !found.isEmpty else { return [] }

            let title = SnippetBuilder.FieldText(bytes: Array(document.title.utf8), words: scratch.titleWords, base: 0)
            let body = SnippetBuilder.FieldText(bytes: Array(document.body.utf8), words: scratch.bodyWords,
                                                base: AnalysisState.bodyBase)
            return found.map { hit in
                TopicHit(topicID: topics[hit.topic].id, score: hit.score,
                         snippets: SnippetBuilder.snippets(for: hit.spans, title: title, body: body),
                         evidence: hit.spans.map { span in
                             span.isTitle ? title.evidence(span) : body.evidence(span)
                         })
            }
        }
    }
}

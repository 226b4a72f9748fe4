/// One article word carrying a query key, located by position and bytes.
struct Occurrence {
    var key: Int32
    /// Positions; body positions start at `AnalysisState.bodyBase`, so fields never look adjacent.
    var start: Int32
    var end: Int32
    /// UTF-8 offsets in the field.
    var byteStart: Int32
    var byteEnd: Int32
}

/// The analyzer shared by queries and articles: tokenizer, stemmers, the query key vocabulary
/// and the word cache. Not thread-safe; `MatcherEngine` owns one and uses it under its lock.
final class AnalysisState {
    /// First position of body words; titles are numbered from 0.
    static let bodyBase: Int32 = 1 << 24
    /// Most words analysed per field (the rest of a huge body is ignored).
    static let maxTokensPerField = (1 << 23)
    /// Most UTF-8 bytes analysed per field.
    static let maxFieldBytes = 8 << 20

    let tokenizer = Tokenizer()
    let languages: [TopicLanguage]
    private let stemmers: [WordStemmer]
    private(set) var vocabulary: [String: Int32] = [:]
    private var prefixLengths: Set<Int> = []
    private var maxPrefixLength = 0
    private var cache = TermCache()

    init(languages: [TopicLanguage]) {
        self.languages = languages
        stemmers = languages.map(WordStemmer.init)
    }

    static func exactKey(_ folded: String) -> String { "=" + folded }
    static func prefixKey(_ folded: String) -> String { "*" + folded }
    static func stemKey(language: Int, stem: String) -> String { "\(language):" + stem }

    /// The id of a query key, adding it when new (compile time only).
    func internKey(_ key: String) -> Int32 {
        if let id = vocabulary[key] { return id }
        let id = Int32(vocabulary.count)
        vocabulary[key] = id
        return id
    }

    func notePrefix(length: Int) {
        prefixLengths.insert(length)
        maxPrefixLength = max(maxPrefixLength, length)
    }

    /// The stem of a folded word in one of `languages` (the word itself without a stemmer).
    func stem(_ folded: String, language: Int) -> String {
        stemmers[language].stem(folded)
    }

    /// Tokenizes text into folded words, for queries and snippets.
    func analyse(_ text: String) -> [(folded: String, token: RawToken)] {
        var text = text
        var result: [(folded: String, token: RawToken)] = []
        text.withUTF8 { bytes in
            _ = tokenizer.tokenize(bytes, firstPosition: 0, maxTokens: Self.maxTokensPerField) { word, token in
                result.append((String(decoding: word, as: UTF8.self), token))
            }
        }
        return result
    }

    /// Every query key a folded article word carries: its exact form, its stems, its prefixes.
    private func keys(forFolded word: String) -> [Int32] {
        var keys: [Int32] = []
        if let key = vocabulary[Self.exactKey(word)] { keys.append(key) }
        for language in languages.indices {
            if let key = vocabulary[Self.stemKey(language: language, stem: stem(word, language: language))],
               !keys.contains(key) {
                keys.append(key)
            }
        }
        if maxPrefixLength > 0 {
            var length = 0
            for index in word.indices {
                length += 1
                if length > maxPrefixLength { break }
                if prefixLengths.contains(length),
                   let key = vocabulary[Self.prefixKey(String(word[...index]))] {
                    keys.append(key)
                }
            }
        }
        return keys
    }

    /// Appends every key-carrying word of the document to `occurrences` (title first, each field in
    /// position order) and the byte range of every word to `titleWords` / `bodyWords` (for snippets).
    func collect(
        title: String, body: String, into occurrences: inout [Occurrence], titleWords: inout [Range<Int32>],
        bodyWords: inout [Range<Int32>]
    ) {
        occurrences.removeAll(keepingCapacity: true)
        titleWords.removeAll(keepingCapacity: true)
        bodyWords.removeAll(keepingCapacity: true)
        collect(title, base: 0, cache: &cache, into: &occurrences, words: &titleWords)
        collect(body, base: Self.bodyBase, cache: &cache, into: &occurrences, words: &bodyWords)
    }

    private func collect(
        _ text: String, base: Int32, cache: inout TermCache, into occurrences: inout [Occurrence],
        words: inout [Range<Int32>]
    ) {
        var text = text
        text.withUTF8 { bytes in
            let capped = UnsafeBufferPointer(rebasing: bytes.prefix(Self.maxFieldBytes))
            tokenizer.tokenize(capped, firstPosition: base, maxTokens: Self.maxTokensPerField) { word, token in
                if !token.isJoined { words.append(token.byteStart..<token.byteEnd) }
                let hash = TermCache.hash(word)
                let range = cache.lookup(word, hash: hash)
                    ?? cache.insert(word, hash: hash, keys: keys(forFolded: String(decoding: word, as: UTF8.self)))
                for index in range {
                    occurrences.append(Occurrence(key: cache.keyIDs[index], start: token.position,
                                                  end: token.lastPosition, byteStart: token.byteStart,
                                                  byteEnd: token.byteEnd))
                }
            }
        }
    }
}

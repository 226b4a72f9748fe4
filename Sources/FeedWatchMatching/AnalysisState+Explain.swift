/// One word as the analyzer sees it, for `feedwatch topics test --text`.
public struct AnalysedWord: Sendable, Hashable {
    /// The word as written.
    public var written: String
    /// The folded word (case, diacritics and Arabic-script forms unified).
    public var folded: String
    /// True for the joined form of a hyphen or ZWNJ group (`موشکها` for `موشک‌ها`), listed after its parts.
    public var isJoined: Bool
    /// The index keys the word carries: `=folded` for the exact form, `*prefix`, and `code:stem` per language.
    public var keys: [String]
}

extension AnalysisState {
    /// Each word of `text` with the keys it is looked up by: a query word (in `mode`) with the stems of
    /// the topic languages its script fits, or an article word (`isArticle`) with its exact form too.
    /// `declared`: the analyzer index of the text's declared language, narrowing the stems of the
    /// words written in its script to that language's (nil: undeclared, or not one of the topic's).
    func explain(
        _ text: String, mode: QueryNode.WordMode, languageIndices: [Int], isArticle: Bool, declared: Int? = nil
    ) -> [AnalysedWord] {
        let utf8 = Array(text.utf8)
        return analyse(text).map { folded, token in
            let written = String(decoding: utf8[Int(token.byteStart)..<Int(token.byteEnd)], as: UTF8.self)
            var keys: [String] = isArticle ? [Self.exactKey(folded)] : []
            switch mode {
            case .exact:
                if !isArticle { keys.append(Self.exactKey(folded)) }
            case .prefix:
                keys.append(Self.prefixKey(folded))
            case .stemmed:
                var fitting = languageIndices.filter { languages[$0].fits(folded) }
                if let declared, languages[declared].admits(folded) { fitting = [declared] }
                for language in fitting.isEmpty ? languageIndices : fitting {
                    let key = "\(languages[language].code):" + stem(folded, language: language)
                    if !keys.contains(key) { keys.append(key) }
                }
            }
            return AnalysedWord(written: written, folded: folded, isJoined: token.isJoined, keys: keys)
        }
    }

    /// Every word of a parsed query, analysed as the compiler analyses it.
    func explain(_ node: QueryNode, languageIndices: [Int], declared: Int? = nil) -> [AnalysedWord] {
        switch node {
        case .word(let text, let mode, _):
            return explain(text, mode: mode, languageIndices: languageIndices, isArticle: false, declared: declared)
        case .phrase(let text, let exact, _):
            return explain(text, mode: exact ? .exact : .stemmed, languageIndices: languageIndices, isArticle: false,
                           declared: declared)
        case .and(let children), .or(let children):
            return children.flatMap { explain($0, languageIndices: languageIndices, declared: declared) }
        case .not(let child), .field(_, let child):
            return explain(child, languageIndices: languageIndices, declared: declared)
        case .near(let left, let right, _, _):
            return explain(left, languageIndices: languageIndices, declared: declared)
                + explain(right, languageIndices: languageIndices, declared: declared)
        }
    }
}

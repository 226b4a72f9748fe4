import FeedWatchModel

/// Which fields a clause looks at.
struct FieldMask: OptionSet, Hashable {
    let rawValue: UInt8
    static let title = FieldMask(rawValue: 1)
    static let body = FieldMask(rawValue: 2)
    static let all: FieldMask = [.title, .body]
}

/// One analysed query word: the index keys any of which an article word must carry.
struct Leaf {
    var keys: [Int32]
    var fields: FieldMask
    /// Length of the folded word: a proxy for rarity when choosing candidate anchors.
    var weight: Int
    /// For each topic language whose script the word is written in: the word's one key in an
    /// article declared in that language (`keys` holds the stems of every fitting language).
    var declaredKeys: [(language: Int, key: Int32)] = []

    /// The leaf as it reads an article declared in `language`, or nil when that changes nothing.
    func narrowed(to language: Int) -> Leaf? {
        guard let declared = declaredKeys.first(where: { $0.language == language }), keys != [declared.key] else { return nil }
        var leaf = self
        leaf.keys = [declared.key]
        return leaf
    }
}

/// A query compiled to index keys, evaluated on word positions.
indirect enum CompiledNode {
    case term(Leaf)
    case phrase([Leaf])
    case and([CompiledNode])
    case or([CompiledNode])
    case not(CompiledNode)
    case near(CompiledNode, CompiledNode, distance: Int32, ordered: Bool)

    /// Keys of which at least one must occur in any matching article, or nil when there is no
    /// such set (a pure negation): the topic is then a candidate for every article.
    var anchors: (keys: [Int32], weight: Int)? {
        switch self {
        case .term(let leaf):
            return (leaf.keys, leaf.weight)
        case .phrase(let leaves):
            guard let best = leaves.max(by: { $0.weight < $1.weight }) else { return nil }
            return (best.keys, best.weight)
        case .and(let children):
            return Self.best(children.compactMap(\.anchors))
        case .near(let left, let right, _, _):
            return Self.best([left.anchors, right.anchors].compactMap { $0 })
        case .or(let children):
            var keys: [Int32] = []
            var weight = Int.max
            for child in children {
                guard let anchors = child.anchors else { return nil }
                keys += anchors.keys
                weight = min(weight, anchors.weight)
            }
            return keys.isEmpty ? nil : (Array(Set(keys)).sorted(), weight)
        case .not:
            return nil
        }
    }

    /// The node as it reads an article declared in `language` (each stemmed word written in that
    /// language's script analysed by that language alone), or nil when that changes nothing.
    func narrowed(to language: Int) -> CompiledNode? {
        func children(_ nodes: [CompiledNode]) -> [CompiledNode]? {
            let narrowed = nodes.map { $0.narrowed(to: language) }
            guard narrowed.contains(where: { $0 != nil }) else { return nil }
            return zip(nodes, narrowed).map { $1 ?? $0 }
        }
        switch self {
        case .term(let leaf):
            return leaf.narrowed(to: language).map(CompiledNode.term)
        case .phrase(let leaves):
            let narrowed = leaves.map { $0.narrowed(to: language) }
            guard narrowed.contains(where: { $0 != nil }) else { return nil }
            return .phrase(zip(leaves, narrowed).map { $1 ?? $0 })
        case .and(let nodes):
            return children(nodes).map(CompiledNode.and)
        case .or(let nodes):
            return children(nodes).map(CompiledNode.or)
        case .not(let child):
            return child.narrowed(to: language).map(CompiledNode.not)
        case .near(let left, let right, let distance, let ordered):
            guard let sides = children([left, right]) else { return nil }
            return .near(sides[0], sides[1], distance: distance, ordered: ordered)
        }
    }

    /// The required child with the fewest keys, then the longest (rarest) words.
    private static func best(_ options: [(keys: [Int32], weight: Int)]) -> (keys: [Int32], weight: Int)? {
        options.min { a, b in
            a.keys.count != b.keys.count ? a.keys.count < b.keys.count : a.weight > b.weight
        }
    }
}

/// A topic ready to match: its compiled query and the filters from its configuration.
struct CompiledTopic {
    var id: String
    var root: CompiledNode
    var minScore: Double
    var feeds: Set<String>
    var tags: Set<String>
    /// The parsed query and the topic's languages (indices into the analyzer's), to explain its analysis.
    var query: QueryNode
    var languageIndices: [Int]
    /// `root` as it reads articles declared in one of the topic's languages, for those where that differs.
    var declaredRoots: [(language: Int, root: CompiledNode)] = []

    init(
        id: String, root: CompiledNode, minScore: Double, feeds: Set<String>, tags: Set<String>, query: QueryNode,
        languageIndices: [Int]
    ) {
        self.id = id
        self.root = root
        self.minScore = minScore
        self.feeds = feeds
        self.tags = tags
        self.query = query
        self.languageIndices = languageIndices
        declaredRoots = languageIndices.compactMap { language in root.narrowed(to: language).map { (language, $0) } }
    }

    /// The compiled query for an article declared in the analyzer's language `language` (nil:
    /// undeclared, or a language the analyzer does not know): `root` unless the topic lists it.
    @inline(__always)
    func root(declared language: Int?) -> CompiledNode {
        guard let language, !declaredRoots.isEmpty else { return root }
        for declared in declaredRoots where declared.language == language { return declared.root }
        return root
    }
}

/// Turns parsed queries into compiled nodes, interning every key the queries use.
struct QueryCompiler {
    /// Maximum number of joined/split variants generated for one phrase with hyphenated words.
    static let maxVariants = 8

    let state: AnalysisState
    /// Indices into `state.languages` of the topic's languages.
    let languageIndices: [Int]

    func compile(_ node: QueryNode, fields: FieldMask = .all) throws(QueryParseFailure) -> CompiledNode {
        switch node {
        case .word(let text, let mode, let column):
            return try analysed(text, mode: mode, fields: fields, column: column, written: text)
        case .phrase(let text, let exact, let column):
            return try analysed(text, mode: exact ? .exact : .stemmed, fields: fields, column: column,
                                written: "\"\(text)\"")
        case .and(let children):
            var compiled: [CompiledNode] = []
            for child in children { compiled.append(try compile(child, fields: fields)) }
            return .and(compiled)
        case .or(let children):
            var compiled: [CompiledNode] = []
            for child in children { compiled.append(try compile(child, fields: fields)) }
            return .or(compiled)
        case .not(let child):
            return .not(try compile(child, fields: fields))
        case .near(let left, let right, let distance, let ordered):
            return .near(try compile(left, fields: fields), try compile(right, fields: fields),
                         distance: Int32(distance), ordered: ordered)
        case .field(let field, let child):
            return try compile(child, fields: fields.intersection(field == .title ? .title : .body))
        }
    }

    private func leaf(_ folded: String, mode: QueryNode.WordMode, fields: FieldMask) -> Leaf {
        var keys: [Int32] = []
        var declaredKeys: [(language: Int, key: Int32)] = []
        switch mode {
        case .exact:
            keys.append(state.internKey(AnalysisState.exactKey(folded)))
        case .prefix:
            keys.append(state.internKey(AnalysisState.prefixKey(folded)))
            state.notePrefix(length: folded.count)
        case .stemmed:
            // Each word is analysed by the topic's languages of its script (`sanction* OR تحریم OR عقوبات`
            // with `["en", "fa", "ar"]`), or by all of them when none fits.
            let fitting = languageIndices.filter { state.languages[$0].fits(folded) }
            for language in fitting.isEmpty ? languageIndices : fitting {
                let key = state.internKey(AnalysisState.stemKey(language: language, stem: state.stem(folded, language: language)))
                if !keys.contains(key) { keys.append(key) }
            }
            // In an article declared in a topic language of the word's script, only that language's stem counts.
            for language in languageIndices where state.languages[language].admits(folded) {
                let key = state.internKey(AnalysisState.stemKey(language: language, stem: state.stem(folded, language: language)))
                declaredKeys.append((language, key))
            }
        }
        return Leaf(keys: keys, fields: fields, weight: folded.utf8.count, declaredKeys: declaredKeys)
    }

    /// Analyses written text exactly like article text and builds a term, phrase or hyphen alternatives.
    private func analysed(
        _ text: String, mode: QueryNode.WordMode, fields: FieldMask, column: Int, written: String
    ) throws(QueryParseFailure) -> CompiledNode {
        let tokens = state.analyse(text)
        let parts = tokens.filter { !$0.token.isJoined }
        guard let last = parts.last else {
            let what = written.hasPrefix("\"") ? "words inside the quotes" : "a word"
            throw QueryParseFailure(column: column, message: "expected \(what), found \(written)")
        }
        if mode == .prefix, last.folded.count < QueryLexer.minPrefixLength {
            throw QueryParseFailure(
                column: column,
                message: "expected a prefix of at least \(QueryLexer.minPrefixLength) characters before *, found \(written)*")
        }
        func leafFor(_ folded: String, isLast: Bool) -> Leaf {
            leaf(folded, mode: mode == .prefix && !isLast ? .stemmed : mode, fields: fields)
        }
        let lastPosition = last.token.position
        // Each variant is a sequence of (folded word, covers last position) choosing split or joined forms.
        var variants: [[Leaf]] = [[]]
        var position = parts[0].token.position
        while position <= lastPosition {
            let split = parts.first { $0.token.position == position }
            let joined = tokens.first { $0.token.isJoined && $0.token.position == position }
            if let joined, variants.count * 2 <= Self.maxVariants {
                let end = joined.token.lastPosition
                let splitLeaves = parts.filter { $0.token.position >= position && $0.token.position <= end }
                    .map { leafFor($0.folded, isLast: $0.token.position == lastPosition) }
                let joinedLeaf = leafFor(joined.folded, isLast: end == lastPosition)
                variants = variants.flatMap { [$0 + splitLeaves, $0 + [joinedLeaf]] }
                position = end + 1
            } else {
                if let split {
                    let leaf = leafFor(split.folded, isLast: position == lastPosition)
                    variants = variants.map { $0 + [leaf] }
                }
                position += 1
            }
        }
        let nodes: [CompiledNode] = variants.map { $0.count == 1 ? .term($0[0]) : .phrase($0) }
        return nodes.count == 1 ? nodes[0] : .or(nodes)
    }
}

import FeedWatchModel

/// Picks the page's main content and renders it as text (the Readability approach):
/// boilerplate elements are removed, each paragraph scores its ancestors by length and
/// commas, scores are discounted by link density, and the best block plus its
/// article-like siblings is kept.
struct ContentScorer {
    private let tree: PageTree
    private let title: String?
    /// `removed[i]`: node `i` (and so its subtree) is boilerplate.
    private var removed: [Bool]
    /// Characters of visible text under each node, and those inside links.
    private var textLength: [Int]
    private var linkLength: [Int]
    private var commas: [Int]
    private var score: [Double]
    private var scored: [Bool]

    /// Elements that are never article text.
    private static let droppedTags: Set<String> = [
        "nav", "header", "footer", "aside", "form", "button", "input", "select", "textarea", "label", "menu",
        "dialog", "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "head",
        "title", "meta", "link", "amp-sidebar", "amp-analytics", "amp-social-share",
    ]
    /// ARIA landmarks that are chrome, not content.
    private static let droppedRoles: Set<String> = [
        "navigation", "banner", "contentinfo", "complementary", "search", "dialog", "menu", "menubar", "alert",
    ]
    /// Class/id words (prefixes) marking boilerplate: widgets, comments, related links.
    private static let negativeStems = [
        "comment", "disqus", "share", "sharing", "social", "related", "sidebar", "breadcrumb", "newsletter",
        "subscri", "signup", "cookie", "consent", "gdpr", "popup", "modal", "advert", "sponsor", "promo", "widget",
        "navbar", "navigation", "menu", "footer", "masthead", "pagination", "pager", "byline", "respond", "repl",
        "outbrain", "taboola", "recommend", "trending", "popular", "follow", "login", "search", "toolbar",
        "screen-reader", "skip", "mobile", "banner", "dateline", "timestamp",
    ]
    /// Class/id words that must match exactly (too short to use as prefixes).
    private static let negativeWords: Set<String> = [
        "ad", "ads", "nav", "meta", "tags", "tag", "more", "print", "hidden", "header", "author", "bio", "sr",
        "rss", "cat", "categories", "entry-meta", "post-meta",
    ]
    private static let positiveStems = ["article", "body", "content", "entry", "main", "post", "story", "text", "prose", "blog"]
    /// Words that name the content itself: a class name with one of them ("mobile-article",
    /// "content-sidebar") is not boilerplate unless it also has a hard-negative word.
    private static let strongPositiveStems = ["article", "body", "content", "main", "story"]
    /// Boilerplate whatever else the class name says ("article-comments", "story-share").
    private static let hardNegativeStems = [
        "comment", "disqus", "share", "sharing", "social", "related", "newsletter", "subscri", "cookie", "advert",
        "sponsor", "promo", "outbrain", "taboola", "recommend",
    ]

    private static let blockTags: Set<String> = [
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "table", "tr", "td",
        "th", "section", "article", "header", "footer", "aside", "nav", "figure", "figcaption", "hr", "dl", "dt",
        "dd", "address", "main", "details", "summary", "form", "fieldset", "br", "tbody", "thead",
    ]

    init(tree: PageTree, useClassHints: Bool, title: String?) {
        self.tree = tree
        self.title = title.map(Self.normalised)
        let count = tree.nodes.count
        removed = [Bool](repeating: false, count: count)
        textLength = [Int](repeating: 0, count: count)
        linkLength = [Int](repeating: 0, count: count)
        commas = [Int](repeating: 0, count: count)
        score = [Double](repeating: 0, count: count)
        scored = [Bool](repeating: false, count: count)
        markRemoved(useClassHints: useClassHints)
        measure()
    }

    // MARK: Removal and measuring

    private mutating func markRemoved(useClassHints: Bool) {
        for (index, node) in tree.nodes.enumerated() {
            if node.parent >= 0, removed[node.parent] {
                removed[index] = true
                continue
            }
            guard !node.isText else { continue }
            if Self.droppedTags.contains(node.tag) || node.attribute("hidden") != nil
                || node.attribute("aria-hidden")?.lowercased() == "true"
                || Self.hidesByStyle(node.attribute("style"))
                || node.attribute("role").map({ Self.droppedRoles.contains($0.lowercased()) }) == true {
                // Even an <article>'s own <header> goes: it holds the headline and byline, which are
                // metadata (PageMetadata finds them), not body text.
                removed[index] = true
            } else if useClassHints, node.tag != "body", node.tag != "html", node.tag != "article", node.tag != "main",
                      Self.looksLikeBoilerplate(node) {
                // <body>, <article> and <main> are never dropped for a class name: themes put
                // layout classes ("has-sidebar") on them.
                removed[index] = true
            }
        }
    }

    private static func hidesByStyle(_ style: String?) -> Bool {
        guard let style = style?.lowercased() else { return false }
        let compact = style.filter { $0 != " " }
        return compact.contains("display:none") || compact.contains("visibility:hidden")
    }

    /// Whether the node's class or id names boilerplate and none of them names content alone.
    static func looksLikeBoilerplate(_ node: PageTree.Node) -> Bool {
        var names: [Substring] = []
        if let classes = node.attribute("class") { names += classes.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) }
        if let id = node.attribute("id") { names.append(Substring(id)) }
        var negative = false
        var positive = false
        for name in names {
            let lower = name.lowercased()
            if negativeWords.contains(lower) {
                negative = true
                continue
            }
            let words = lower.split(whereSeparator: { $0 == "-" || $0 == "_" })
            let hardNegative = words.contains { word in hardNegativeStems.contains { word.hasPrefix($0) } }
            let strongPositive = words.contains { word in strongPositiveStems.contains { word.hasPrefix($0) } }
            let softNegative = words.contains { word in
                negativeWords.contains(String(word)) || negativeStems.contains { word.hasPrefix($0) }
            }
            let isNegative = hardNegative || (softNegative && !strongPositive)
            let isPositive = words.contains { word in positiveStems.contains { word.hasPrefix($0) } }
            if isNegative { negative = true } else if isPositive { positive = true }
        }
        return negative && !positive
    }

    /// Bottom-up sums of visible text: descendants have larger indices, so one reverse pass does it.
    private mutating func measure() {
        for index in tree.nodes.indices.reversed() where !removed[index] {
            let node = tree.nodes[index]
            if node.isText {
                let visible = Self.visibleLength(node.text)
                textLength[index] = visible
                commas[index] = node.text.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: ",") ? 1 : 0) }
            }
            if node.tag == "a" { linkLength[index] = textLength[index] }
            guard node.parent >= 0 else { continue }
            textLength[node.parent] += textLength[index]
            linkLength[node.parent] += linkLength[index]
            commas[node.parent] += commas[index]
        }
    }

    /// Characters after folding whitespace runs to one.
    private static func visibleLength(_ text: String) -> Int {
        var count = 0
        var inSpace = true
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                if !inSpace { count += 1 }
                inSpace = true
            } else {
                count += 1
                inSpace = false
            }
        }
        return inSpace && count > 0 ? count - 1 : count
    }

    private func linkDensity(_ index: Int) -> Double {
        textLength[index] == 0 ? 0 : Double(linkLength[index]) / Double(textLength[index])
    }

    // MARK: Scoring

    /// A paragraph-like node: `p`, `pre`, `td`, `blockquote`, or a `div` holding no block element.
    private func isParagraph(_ index: Int) -> Bool {
        let node = tree.nodes[index]
        switch node.tag {
        case "p", "pre", "td", "blockquote": return true
        case "div", "section":
            // <br> separates lines, not blocks: a div of text and <br>s is one paragraph-like block.
            return !node.children.contains {
                !tree.nodes[$0].isText && tree.nodes[$0].tag != "br" && Self.blockTags.contains(tree.nodes[$0].tag)
            }
        default: return false
        }
    }

    private func baseScore(_ index: Int) -> Double {
        let node = tree.nodes[index]
        var value: Double
        switch node.tag {
        case "div", "article", "main": value = 5
        case "pre", "td", "blockquote", "section": value = 3
        case "address", "ol", "ul", "dl", "dd", "dt", "li", "form": value = -3
        case "h1", "h2", "h3", "h4", "h5", "h6", "th": value = -5
        default: value = 0
        }
        if Self.looksLikeBoilerplate(node) { value -= 25 }
        let names = ((node.attribute("class") ?? "") + " " + (node.attribute("id") ?? "")).lowercased()
        if Self.positiveStems.contains(where: { names.contains($0) }) { value += 25 }
        if node.tag == "article" || node.attribute("itemprop")?.lowercased() == "articlebody" { value += 10 }
        return value
    }

    private mutating func scoreParagraphs() {
        for index in tree.nodes.indices where !removed[index] && !tree.nodes[index].isText && isParagraph(index) {
            let length = textLength[index]
            guard length >= 25 else { continue }
            let contentScore = 1 + Double(commas[index]) + Double(min(length / 100, 3))
            var ancestor = tree.nodes[index].parent
            var level = 0
            while ancestor >= 0, level < 5 {
                if !scored[ancestor] {
                    scored[ancestor] = true
                    score[ancestor] = baseScore(ancestor)
                }
                let divider = level == 0 ? 1.0 : level == 1 ? 2.0 : Double(level * 3)
                score[ancestor] += contentScore / divider
                ancestor = tree.nodes[ancestor].parent
                level += 1
            }
        }
    }

    /// The best-scoring block after the link-density discount, or nil for a page with no paragraph.
    private mutating func topCandidate() -> Int? {
        scoreParagraphs()
        var best: Int?
        var bestScore = -Double.infinity
        for index in tree.nodes.indices where scored[index] && !removed[index] {
            let adjusted = score[index] * (1 - linkDensity(index))
            score[index] = adjusted
            if adjusted > bestScore {
                bestScore = adjusted
                best = index
            }
        }
        return best
    }

    // MARK: Rendering

    /// The article text, or "" when nothing qualifies.
    mutating func render() -> String {
        guard let top = topCandidate() else { return "" }
        let topScore = score[top]
        let threshold = max(10, topScore * 0.2)
        var parts: [Int] = [top]
        let parent = tree.nodes[top].parent
        if parent >= 0 {
            parts = []
            let topClass = tree.nodes[top].attribute("class")
            for sibling in tree.nodes[parent].children where !removed[sibling] {
                if sibling == top {
                    parts.append(sibling)
                    continue
                }
                let node = tree.nodes[sibling]
                guard !node.isText else { continue }
                var bonus = 0.0
                if let topClass, !topClass.isEmpty, node.attribute("class") == topClass { bonus = topScore * 0.2 }
                if scored[sibling], score[sibling] + bonus >= threshold {
                    parts.append(sibling)
                } else if node.tag == "p" {
                    let length = textLength[sibling]
                    let density = linkDensity(sibling)
                    if (length > 80 && density < 0.25) || (length > 0 && length <= 80 && density == 0 && endsSentence(sibling)) {
                        parts.append(sibling)
                    }
                }
            }
        }
        let writer = TextWriter()
        for part in parts { write(part, into: writer) }
        return writer.finish()
    }

    private func endsSentence(_ index: Int) -> Bool {
        var last: Character?
        collectText(index) { text in
            if let character = text.last(where: { !$0.isWhitespace }) { last = character }
        }
        return last == "." || last == "!" || last == "?" || last == "\u{201D}"
    }

    private func collectText(_ index: Int, _ body: (String) -> Void) {
        var stack = [index]
        while let current = stack.popLast() {
            guard !removed[current] else { continue }
            let node = tree.nodes[current]
            if node.isText { body(node.text) } else { stack.append(contentsOf: node.children.reversed()) }
        }
    }

    /// Whether a node inside the chosen content is still clutter: a link list, a repeated headline.
    private func isClutter(_ index: Int) -> Bool {
        let node = tree.nodes[index]
        if node.tag == "h1" || node.tag == "h2", let title, textLength[index] > 0 {
            var text = ""
            collectText(index) { text += $0 }
            if Self.normalised(text) == title { return true }
        }
        switch node.tag {
        case "p", "a", "span", "em", "strong", "b", "i": return false
        default:
            let length = textLength[index]
            return length > 0 && length < 400 && linkDensity(index) > 0.5
        }
    }

    /// Writes a subtree as text with paragraph breaks, skipping removed nodes and clutter.
    private func write(_ root: Int, into writer: TextWriter) {
        // Stack of (node, entering): a block is closed with a paragraph break on the way out.
        var stack: [(Int, Bool)] = [(root, true)]
        while let (index, entering) = stack.popLast() {
            let node = tree.nodes[index]
            if !entering {
                writer.requestBreak(.paragraph)
                continue
            }
            guard !removed[index] else { continue }
            if node.isText {
                writer.appendText(node.text)
                continue
            }
            if node.tag == "br" {
                writer.requestLineBreakPromotingRepeats()
                continue
            }
            if isClutter(index) { continue }
            let block = Self.blockTags.contains(node.tag)
            if block {
                writer.requestBreak(.paragraph)
                stack.append((index, false))
            }
            stack.append(contentsOf: node.children.reversed().map { ($0, true) })
        }
    }

    /// Lower-cased letters and digits only, for comparing headlines.
    static func normalised(_ text: String) -> String {
        String(text.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil }
            .map(Character.init))
    }
}

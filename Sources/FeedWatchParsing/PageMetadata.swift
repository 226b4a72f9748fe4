import Foundation
import FeedWatchModel

/// Title, byline, date, canonical URL and language of a page, from the places publishers
/// put them: JSON-LD, Open Graph and other `<meta>` tags, `<link rel=canonical>`, `<time>`,
/// `rel=author`/`itemprop=author`, and `<html lang>`.
struct PageMetadata {
    var title: String?
    var byline: String?
    var published: Date?
    var canonicalURL: String?
    var language: String?

    /// JSON-LD blocks larger than this are skipped: metadata is small, a huge block is not worth decoding.
    private static let maxJSONLDBytes = 256 << 10

    init(tree: PageTree, pageURL: String?) {
        var metaByKey: [String: String] = [:]
        var canonical: String?
        var documentTitle: String?
        var firstHeading: String?
        var firstTime: String?
        var pubdateTime: String?
        var authorElement: String?
        var linkedData = LinkedData()
        for (index, node) in tree.nodes.enumerated() where !node.isText {
            switch node.tag {
            case "meta":
                let key = (node.attribute("property") ?? node.attribute("name") ?? node.attribute("itemprop")
                    ?? node.attribute("http-equiv"))?.lowercased()
                if let key, let content = node.attribute("content")?.trimmingASCIIWhitespace(), !content.isEmpty,
                   metaByKey[key] == nil {
                    metaByKey[key] = content
                }
            case "link":
                let rel = node.attribute("rel")?.lowercased().split(separator: " ") ?? []
                if rel.contains("canonical"), canonical == nil, let href = node.attribute("href"), !href.isEmpty {
                    canonical = href
                }
            case "title" where documentTitle == nil:
                documentTitle = Self.text(of: index, in: tree)
            case "h1" where firstHeading == nil:
                firstHeading = Self.text(of: index, in: tree)
            case "time":
                let value = node.attribute("datetime") ?? Self.text(of: index, in: tree)
                if firstTime == nil { firstTime = value }
                if pubdateTime == nil, node.attribute("pubdate") != nil
                    || node.attribute("itemprop")?.lowercased() == "datepublished" {
                    pubdateTime = value
                }
            case "script":
                if node.text.utf8.count <= Self.maxJSONLDBytes { linkedData.read(node.text) }
            default:
                break
            }
            if authorElement == nil, node.tag != "meta", node.tag != "link",
               node.attribute("rel")?.lowercased() == "author" || node.attribute("itemprop")?.lowercased() == "author"
                || (node.attribute("class")?.lowercased().split(separator: " ").contains { $0 == "byline" || $0 == "author" } ?? false) {
                let text = Self.text(of: index, in: tree)
                if !text.isEmpty, text.count <= 120 { authorElement = text }
            }
        }

        title = Self.firstNonEmpty(metaByKey["og:title"], linkedData.headline, metaByKey["twitter:title"], firstHeading,
                                   documentTitle.map(Self.withoutSiteName))
        let metaAuthor = metaByKey["author"].flatMap { $0.hasPrefix("http") ? nil : $0 }
        let articleAuthor = metaByKey["article:author"].flatMap { $0.hasPrefix("http") ? nil : $0 }
        byline = Self.firstNonEmpty(linkedData.author, metaAuthor, articleAuthor, metaByKey["byl"], metaByKey["dc.creator"],
                                    authorElement).map(Self.withoutBy)
        let dateCandidates = [
            metaByKey["article:published_time"], linkedData.datePublished, metaByKey["datepublished"],
            metaByKey["date"], metaByKey["pubdate"], metaByKey["publishdate"], metaByKey["dc.date.issued"],
            metaByKey["dc.date"], metaByKey["parsely-pub-date"], metaByKey["sailthru.date"], pubdateTime, firstTime,
            metaByKey["og:updated_time"],
        ]
        published = dateCandidates.lazy.compactMap { $0 }.compactMap { FeedDates.parse($0) }.first
        if let link = Self.firstNonEmpty(canonical, metaByKey["og:url"], linkedData.url) {
            canonicalURL = URLResolver.resolve(link, against: pageURL)
        }
        let htmlLang = tree.nodes.first { $0.tag == "html" }?.attribute("lang")
        let locale = metaByKey["og:locale"].map { $0.replacingOccurrences(of: "_", with: "-") }
        language = Self.firstNonEmpty(htmlLang, metaByKey["content-language"], metaByKey["language"], locale)
    }

    /// Visible text under `index`, whitespace folded.
    static func text(of index: Int, in tree: PageTree) -> String {
        let writer = TextWriter()
        var stack = [index]
        while let current = stack.popLast() {
            let node = tree.nodes[current]
            if node.isText { writer.appendText(node.text) } else if node.tag != "script" {
                writer.requestBreak(.space)
                stack.append(contentsOf: node.children.reversed())
            }
        }
        return writer.finish()
    }

    private static func firstNonEmpty(_ values: String?...) -> String? {
        for value in values {
            if let value = value?.trimmingASCIIWhitespace(), !value.isEmpty { return value }
        }
        return nil
    }

    /// "Headline - Site" / "Headline | Site" → "Headline", when the headline part is the longer one.
    static func withoutSiteName(_ title: String) -> String {
        for separator in [" | ", " - ", " – ", " — ", " :: "] {
            if let range = title.range(of: separator, options: .backwards) {
                let head = title[..<range.lowerBound]
                if head.count > title[range.upperBound...].count { return String(head) }
            }
        }
        return title
    }

    static func withoutBy(_ byline: String) -> String {
        let trimmed = byline.trimmingASCIIWhitespace()
        for prefix in ["By ", "by ", "BY "] where trimmed.hasPrefix(prefix) {
            return String(trimmed.dropFirst(prefix.count)).trimmingASCIIWhitespace()
        }
        return trimmed
    }
}

/// The article facts in JSON-LD (`NewsArticle`, `Article`, `BlogPosting`…), including inside `@graph`.
private struct LinkedData {
    var headline: String?
    var author: String?
    var datePublished: String?
    var url: String?

    private static let articleTypes: Set<String> = [
        "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
        "webpage", "scholarlyarticle", "techarticle", "liveblogposting",
    ]

    mutating func read(_ json: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]) else {
            return
        }
        visit(object, depth: 0)
    }

    private mutating func visit(_ object: Any, depth: Int) {
        guard depth < 6 else { return }
        if let array = object as? [Any] {
            for element in array { visit(element, depth: depth + 1) }
            return
        }
        guard let dictionary = object as? [String: Any] else { return }
        if let graph = dictionary["@graph"] { visit(graph, depth: depth + 1) }
        let types: [String] = (dictionary["@type"] as? String).map { [$0] } ?? (dictionary["@type"] as? [String]) ?? []
        guard types.contains(where: { Self.articleTypes.contains($0.lowercased()) }) else { return }
        let isWebPage = types.allSatisfy { $0.lowercased() == "webpage" }
        if headline == nil || !isWebPage { headline = (dictionary["headline"] as? String) ?? headline }
        if datePublished == nil { datePublished = dictionary["datePublished"] as? String }
        if url == nil, !isWebPage { url = (dictionary["url"] as? String) ?? (dictionary["mainEntityOfPage"] as? String) }
        if author == nil { author = Self.name(dictionary["author"]) }
    }

    private static func name(_ value: Any?) -> String? {
        if let text = value as? String { return text }
        if let person = value as? [String: Any] { return person["name"] as? String }
        if let people = value as? [Any] {
            let names = people.compactMap { name($0) }
            return names.isEmpty ? nil : names.joined(separator: ", ")
        }
        return nil
    }
}

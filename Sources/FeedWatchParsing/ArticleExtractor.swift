public import Foundation
import FeedWatchModel

/// What full-text extraction found on an article page.
public struct ExtractedArticle: Sendable, Hashable, Codable {
    /// The headline (Open Graph, JSON-LD, the page's `<h1>`, else `<title>` without the site name).
    public var title: String?
    /// The author line, without a leading "By".
    public var byline: String?
    /// When the article was published (meta tags, Open Graph, JSON-LD, else the first `<time>`).
    public var published: Date?
    /// The page's canonical URL (`<link rel=canonical>`, else `og:url`), absolute.
    public var canonicalURL: String?
    /// The page language (`<html lang>`, `Content-Language`, `og:locale`), e.g. `en` or `en-US`.
    public var language: String?
    /// The article body as plain text, paragraphs separated by a blank line.
    public var text: String
    /// True when the text was cut at `ExtractionLimits.maxTextBytes` or the page at `maxNodes`.
    public var truncated: Bool

    public init(
        title: String? = nil, byline: String? = nil, published: Date? = nil, canonicalURL: String? = nil,
        language: String? = nil, text: String, truncated: Bool = false
    ) {
        self.title = title
        self.byline = byline
        self.published = published
        self.canonicalURL = canonicalURL
        self.language = language
        self.text = text
        self.truncated = truncated
    }
}

/// The bounds extraction works within; each one has a reason to exist.
public struct ExtractionLimits: Sendable, Hashable {
    /// Pages larger than this are refused unparsed (a real article page is rarely over 2 MB).
    public var maxInputBytes: Int = 8 << 20
    /// At most this many nodes are read from the parsed page; the rest is ignored.
    public var maxNodes: Int = 300_000
    /// Less body text than this (in characters) means the page holds no discernible article.
    public var minTextLength: Int = 200
    /// The extracted text is cut (at a paragraph end when possible) beyond this many UTF-8 bytes.
    public var maxTextBytes: Int = 512 << 10

    public init(maxInputBytes: Int = 8 << 20, maxNodes: Int = 300_000, minTextLength: Int = 200, maxTextBytes: Int = 512 << 10) {
        self.maxInputBytes = maxInputBytes
        self.maxNodes = maxNodes
        self.minTextLength = minTextLength
        self.maxTextBytes = maxTextBytes
    }
}

/// Why extraction gave up on a page; `message` is meant to be stored on the article and shown.
public struct ExtractionError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable {
        /// The body is not an HTML document (binary, JSON, a PDF, an image…).
        case notHTML
        /// The body is larger than `maxInputBytes`.
        case tooLarge
        /// The page parsed but no block of it reads like an article.
        case noArticle
        /// libxml2 produced no document.
        case unparseable
        /// The page could not be fetched (set by the caller, not by the extractor).
        case fetchFailed
    }

    public var code: Code
    /// The reason in plain words, e.g. "the page is application/pdf, not HTML".
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "extract: \(message)" }
}

/// Finds the main article of an HTML page: libxml2's HTML parser, then a Readability-style
/// scoring of blocks by text length, commas and link density, with navigation, headers,
/// footers, asides, share widgets, comments, scripts and forms removed first.
///
/// Pure: no I/O, no logging; the caller fetches the page.
public enum ArticleExtractor {
    /// Extracts the article from `bytes`.
    /// - Parameters:
    ///   - url: the page's URL, to resolve a relative canonical link.
    ///   - contentType: the HTTP `Content-Type`, used for the charset and to refuse non-HTML.
    public static func extract(
        _ bytes: [UInt8], url: String? = nil, contentType: String? = nil, limits: ExtractionLimits = ExtractionLimits()
    ) throws(ExtractionError) -> ExtractedArticle {
        guard bytes.count <= limits.maxInputBytes else {
            throw ExtractionError(
                code: .tooLarge,
                message: "the page is \(bytes.count) bytes, over the limit of \(limits.maxInputBytes) bytes")
        }
        try refuseNonHTML(bytes, contentType: contentType)
        let (prepared, encoding) = prepare(bytes, contentType: contentType)
        guard let tree = PageTree.parse(prepared, encoding: encoding, maxNodes: limits.maxNodes) else {
            throw ExtractionError(code: .unparseable, message: "the HTML parser produced no document")
        }
        let metadata = PageMetadata(tree: tree, pageURL: url)
        // First with class/id heuristics; a page whose wrapper carries a "sidebar"-ish class
        // can lose everything that way, so retry without them before giving up.
        var strict = ContentScorer(tree: tree, useClassHints: true, title: metadata.title)
        var content = strict.render()
        if content.count < limits.minTextLength {
            var relaxedScorer = ContentScorer(tree: tree, useClassHints: false, title: metadata.title)
            let relaxed = relaxedScorer.render()
            if relaxed.count > content.count { content = relaxed }
        }
        guard content.count >= limits.minTextLength else {
            throw ExtractionError(
                code: .noArticle,
                message: "no discernible article: the longest block of text has \(content.count) characters "
                    + "(at least \(limits.minTextLength) needed)")
        }
        let (text, cut) = truncate(content, maxBytes: limits.maxTextBytes)
        // Control characters never leave the parser (see ControlCharacters).
        return ExtractedArticle(
            title: ControlCharacters.strip(metadata.title), byline: ControlCharacters.strip(metadata.byline),
            published: metadata.published, canonicalURL: ControlCharacters.strip(metadata.canonicalURL),
            language: ControlCharacters.strip(metadata.language), text: ControlCharacters.strip(text),
            truncated: cut || tree.truncated)
    }

    /// Refuses bodies that are evidently not HTML, so a PDF or an image never reaches libxml2.
    private static func refuseNonHTML(_ bytes: [UInt8], contentType: String?) throws(ExtractionError) {
        if let contentType {
            let type = contentType.split(separator: ";").first.map { String($0).trimmingASCIIWhitespace().lowercased() } ?? ""
            let htmlish = type.isEmpty || type.contains("html") || type == "text/plain" || type.hasSuffix("/xml")
                || type == "application/octet-stream"
            if !htmlish {
                throw ExtractionError(code: .notHTML, message: "the page is \(type), not HTML")
            }
        }
        let head = bytes.prefix(4096)
        if head.contains(0) {
            throw ExtractionError(code: .notHTML, message: "the page is binary data, not HTML")
        }
        if head.starts(with: Array("%PDF".utf8)) {
            throw ExtractionError(code: .notHTML, message: "the page is a PDF document, not HTML")
        }
        // HTML has a tag near the top; JSON, plain text and the like do not.
        guard let firstTag = head.firstIndex(of: UInt8(ascii: "<")), firstTag - head.startIndex < 2048 else {
            throw ExtractionError(code: .notHTML, message: "the page has no HTML markup")
        }
        if let root = rootElementName(head), ["rss", "feed", "rdf:rdf", "opml", "urlset", "sitemapindex"].contains(root) {
            throw ExtractionError(code: .notHTML, message: "the page is an XML document (<\(root)>), not an article page")
        }
    }

    /// The name of the first element, skipping the XML declaration, doctype, comments and
    /// processing instructions; lower-cased.
    private static func rootElementName(_ head: ArraySlice<UInt8>) -> String? {
        var index = head.startIndex
        while let open = head[index...].firstIndex(of: UInt8(ascii: "<")) {
            let next = head.index(after: open)
            guard next < head.endIndex else { return nil }
            if head[next] == UInt8(ascii: "?") || head[next] == UInt8(ascii: "!") {
                guard let close = head[next...].firstIndex(of: UInt8(ascii: ">")) else { return nil }
                index = head.index(after: close)
                continue
            }
            let name = head[next...].prefix { byte in
                byte != UInt8(ascii: ">") && byte != UInt8(ascii: "/") && !byte.isASCIIWhitespace
            }
            return String(decoding: name, as: UTF8.self).lowercased()
        }
        return nil
    }

    /// UTF-8 bytes for libxml2, or the declared encoding when it is neither UTF-8 nor Latin-1.
    private static func prepare(_ bytes: [UInt8], contentType: String?) -> ([UInt8], String?) {
        var body = bytes
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body.removeFirst(3) }
        let declared = contentType.flatMap(EncodingSniffer.charset(fromContentType:)) ?? metaCharset(body)
        if let declared, !EncodingSniffer.isUTF8Family(declared.lowercased()),
           !EncodingSniffer.isLatin1Family(declared.lowercased()) {
            return (body, declared)
        }
        if EncodingSniffer.isValidUTF8(body) { return (body, "UTF-8") }
        if let declared, EncodingSniffer.isUTF8Family(declared.lowercased()) {
            return (EncodingSniffer.repairUTF8(body).bytes, "UTF-8")
        }
        // Browsers read undeclared or Latin-1 pages that are not UTF-8 as Windows-1252.
        return (EncodingSniffer.transcodeWindows1252(body), "UTF-8")
    }

    /// `charset=` from a `<meta>` in the first 2 KiB, as browsers pre-scan it.
    private static func metaCharset(_ bytes: [UInt8]) -> String? {
        let head = String(decoding: bytes.prefix(2048), as: UTF8.self).lowercased()
        guard let range = head.range(of: "charset=") else { return nil }
        let value = head[range.upperBound...].drop { $0 == "\"" || $0 == "'" || $0 == " " }
        let name = value.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        return name.isEmpty ? nil : String(name)
    }

    /// Cuts `text` to at most `maxBytes` UTF-8 bytes, at the last paragraph break when there is one.
    private static func truncate(_ text: String, maxBytes: Int) -> (String, Bool) {
        guard text.utf8.count > maxBytes else { return (text, false) }
        let bytes = Array(text.utf8)
        var end = maxBytes
        // Never cut inside a UTF-8 sequence: step back over continuation bytes.
        while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        var cut = end
        var index = end - 1
        while index > 0 {
            if bytes[index] == 0x0A, bytes[index - 1] == 0x0A {
                cut = index - 1
                break
            }
            index -= 1
        }
        return (String(decoding: bytes[..<cut], as: UTF8.self), true)
    }
}

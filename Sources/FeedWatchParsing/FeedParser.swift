public import FeedWatchModel

/// Bounds on what one parse may consume; a document beyond them fails with `.limitExceeded`.
public struct ParseLimits: Sendable, Hashable {
    /// The largest document accepted, in bytes.
    public var maxBytes: Int
    /// The deepest element nesting accepted.
    public var maxDepth: Int
    /// The largest single text node accepted, in bytes.
    public var maxTextBytes: Int
    /// The most items or entries read from one document. A document with more is not an
    /// error: the first ones are kept, reading stops there, and a warning says so. (A
    /// hostile feed of empty items would otherwise cost hundreds of bytes of model per few
    /// bytes of input.)
    public var maxEntries: Int
    /// The most attributes on one element (namespace declarations included), and the most
    /// attribute defaults a DTD declares. libxml2 2.9.14 compares each attribute of a tag
    /// with every earlier one: 300,000 of them cost it 20 seconds. Real feeds use at most 14.
    public var maxAttributes: Int
    /// The most namespace bindings in scope at once. libxml2 looks each prefix up by walking
    /// them all, and checks each new one against them all. Real feeds declare a dozen.
    public var maxNamespaces: Int
    /// The most distinct names (elements, attributes, prefixes, namespace URIs, entities) in
    /// one document. libxml2 2.9.14 interns every name in a table that stops growing at a few
    /// thousand buckets, so each new name costs more than the last: 200,000 of them took it
    /// half a second, 400,000 nearly two. Real feeds use a few hundred.
    public var maxNames: Int

    /// Defaults sized for real feeds: 32 MiB documents, 256 levels, 8 MiB per text node,
    /// 50,000 entries (the largest real feeds, podcast archives, hold a few thousand), 128
    /// attributes per element, 128 namespaces in scope, 10,000 distinct names.
    public init(maxBytes: Int = 32 * 1024 * 1024, maxDepth: Int = 256, maxTextBytes: Int = 8 * 1024 * 1024,
                maxEntries: Int = 50_000, maxAttributes: Int = 128, maxNamespaces: Int = 128,
                maxNames: Int = 10_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxTextBytes = maxTextBytes
        self.maxEntries = maxEntries
        self.maxAttributes = maxAttributes
        self.maxNamespaces = maxNamespaces
        self.maxNames = maxNames
    }

    /// The warning of a document cut short at `maxEntries`.
    var entryLimitWarning: String {
        "read the first \(maxEntries) items or entries (the limit) and skipped the rest of the document"
    }
}

/// The feed parser: RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed into one `ParsedFeed`. Every
/// XML document is read by libxml2 (`SAXDriver`), bounded by `ParseLimits`.
public enum FeedParser {
    /// Parses a feed document; format detected from content.
    ///
    /// - Parameters:
    ///   - documentURL: where the document came from; the base for relative URLs.
    ///   - httpContentType: the `Content-Type` header, for its `charset`.
    /// - Throws: `ParseError` with `.notAFeed` (HTML page, JSON error body, empty or binary
    ///   input), `.limitExceeded` or `.malformed`.
    public static func parse(_ bytes: [UInt8], documentURL: String? = nil, httpContentType: String? = nil,
                             limits: ParseLimits = ParseLimits()) throws(ParseError) -> ParsedFeed {
        var feed = try parse(bytes, documentURL: documentURL, httpContentType: httpContentType, limits: limits,
                             decodeWhileReading: true)
        ControlCharacters.strip(&feed)
        return feed
    }

    /// `decodeWhileReading: false` keeps the whole tree and decodes every item at the end; the
    /// tests hold both ways to the same result.
    static func parse(_ bytes: [UInt8], documentURL: String?, httpContentType: String?, limits: ParseLimits,
                      decodeWhileReading: Bool) throws(ParseError) -> ParsedFeed {
        guard bytes.count <= limits.maxBytes else {
            throw ParseError(code: .limitExceeded,
                             message: "document is \(bytes.count) bytes, more than the limit of \(limits.maxBytes)")
        }
        var prepared = EncodingSniffer.prepare(bytes, httpContentType: httpContentType)
        var warnings = prepared.warnings

        guard let first = prepared.bytes.firstIndex(where: { !$0.isASCIIWhitespace }) else {
            throw ParseError(code: .notAFeed, message: "not a feed: empty")
        }
        let lead = prepared.bytes[first]
        if lead == UInt8(ascii: "{") || lead == UInt8(ascii: "[") {
            return try JSONFeedDecoder.decode(prepared.bytes, documentURL: documentURL, warnings: warnings,
                                              limits: limits)
        }
        guard let start = markupStart(prepared.bytes, from: first) else {
            throw ParseError(code: .notAFeed, message: "not a feed: \(describeNonMarkup(prepared.bytes))")
        }
        if start > first {
            warnings.append("skipped \(start - first) byte(s) of junk before the XML markup")
        } else if first > 0 && prepared.bytes[first...].starts(with: Array("<?xml".utf8)) {
            warnings.append("skipped whitespace before the XML declaration")
        }
        if start > 0 { prepared.bytes.removeSubrange(0..<start) }

        if let repair = EntityRepair.repair(prepared.bytes) {
            prepared.bytes = repair.bytes
            if repair.htmlEntities > 0 {
                warnings.append("replaced \(repair.htmlEntities) HTML named entit\(repair.htmlEntities == 1 ? "y" : "ies") that XML does not define")
            }
            if repair.bareAmpersands > 0 {
                warnings.append("escaped \(repair.bareAmpersands) bare '&'")
            }
            if repair.undefinedEntities > 0 {
                warnings.append("kept \(repair.undefinedEntities) undefined entit\(repair.undefinedEntities == 1 ? "y" : "ies") as text")
            }
        }
        let makeStream = { decodeWhileReading ? EntryStream(documentURL: documentURL) : nil }
        var result = SAXDriver.parse(prepared.bytes, encoding: prepared.libxmlEncoding,
                                     declaredEncodingTrusted: prepared.followDeclaration, baseURL: documentURL,
                                     limits: limits, stream: makeStream())
        if result.root == nil && result.limitError == nil && (prepared.followDeclaration || prepared.libxmlEncoding != nil) {
            // libxml2 could not decode the declared encoding: read the bytes as UTF-8 instead.
            warnings.append("could not decode the declared encoding; read as UTF-8")
            result = SAXDriver.parse(EncodingSniffer.forceUTF8(prepared.bytes), encoding: nil,
                                     declaredEncodingTrusted: false, baseURL: documentURL, limits: limits,
                                     stream: makeStream())
        }
        let stream = result.stream
        if let limitError = result.limitError { throw limitError }
        if result.entryLimitReached {
            warnings.append(limits.entryLimitWarning)
        }
        // Element handles do not retain their document: keep it alive until decoding is done.
        let document = result.document
        defer { withExtendedLifetime(document) {} }
        guard let root = result.root else {
            throw ParseError(code: .notAFeed, message: "not a feed: no XML element could be read")
        }
        if result.errorCount > 0 {
            warnings.append(contentsOf: result.errors.map { "XML: " + $0 })
            if result.errorCount > result.errors.count {
                warnings.append("XML: … and \(result.errorCount - result.errors.count) more error(s)")
            }
        }

        var context = DecodeContext(documentURL: documentURL, warnings: warnings)
        let feed: ParsedFeed
        switch (root.name, root.ns) {
        case ("rss", _), ("RDF", .rdf), ("channel", _):
            feed = RSSDecoder.decode(root, stream: stream, context: &context)
        case ("feed", .atom10), ("feed", .atom03), ("feed", .none):
            feed = AtomDecoder.decode(root, stream: stream, context: &context)
        case ("html", _), ("HTML", _):
            throw FeedLinkFinder.notAFeedError(forHTML: bytes, documentURL: documentURL)
        default:
            throw ParseError(code: .notAFeed,
                             message: "not a feed: an XML document whose root element is <\(root.name)>"
                                + (root.namespace.isEmpty ? "" : " in namespace \(root.namespace)"))
        }
        return feed
    }

    /// Where the markup starts: `first` if it is `<`, else the first `<` that opens a feed
    /// or a declaration within the first 4 KiB (leading junk); nil when there is none.
    private static func markupStart(_ bytes: [UInt8], from first: Int) -> Int? {
        if bytes[first] == UInt8(ascii: "<") { return first }
        let window = bytes[first..<min(bytes.count, first + 4096)]
        var index = window.startIndex
        while let open = window[index...].firstIndex(of: UInt8(ascii: "<")) {
            let rest = window[(open + 1)...]
            for marker in ["?xml", "rss", "feed", "rdf:RDF", "RDF", "!DOCTYPE", "html", "HTML"]
            where rest.starts(with: Array(marker.utf8)) {
                return open
            }
            index = open + 1
        }
        return nil
    }

    private static func describeNonMarkup(_ bytes: [UInt8]) -> String {
        let head = bytes.prefix(512)
        let controls = head.filter { $0 < 0x20 && !$0.isASCIIWhitespace }.count
        if controls > 0 || !EncodingSniffer.isValidUTF8(Array(head.prefix(400))) {
            return "binary data (\(bytes.count) bytes)"
        }
        let text = String(decoding: head.prefix(60), as: UTF8.self)
        return "plain text starting \"\(HTMLText.foldWhitespace(text))\""
    }
}

/// What decoders share while decoding one document.
struct DecodeContext {
    var documentURL: String?
    var warnings: [String]

    /// Records a recovery; the list is capped so a hostile document cannot grow it unbounded.
    mutating func warn(_ message: String) {
        if warnings.count < 100 { warnings.append(message) }
    }
}

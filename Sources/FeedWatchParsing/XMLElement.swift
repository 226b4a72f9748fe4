import FeedWatchModel

/// Namespace URIs the decoders look for.
enum XMLNamespace {
    static let atom10 = "http://www.w3.org/2005/Atom"
    static let atom03 = "http://purl.org/atom/ns#"
    static let rss10 = "http://purl.org/rss/1.0/"
    static let rss090 = "http://my.netscape.com/rdf/simple/0.9/"
    static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let content = "http://purl.org/rss/1.0/modules/content/"
    static let dc = "http://purl.org/dc/elements/1.1/"
    static let dcterms = "http://purl.org/dc/terms/"
    static let media = "http://search.yahoo.com/mrss/"
    static let itunes = "http://www.itunes.com/dtds/podcast-1.0.dtd"
    static let slash = "http://purl.org/rss/1.0/modules/slash/"
    static let xml = "http://www.w3.org/XML/1998/namespace"
    static let xhtml = "http://www.w3.org/1999/xhtml"
    static let wfw = "http://wellformedweb.org/CommentAPI/"
    static let sy = "http://purl.org/rss/1.0/modules/syndication/"

    /// Well-known prefixes, used when a feed forgets to declare them (`<dc:creator>` without
    /// `xmlns:dc`), which libxml2 reports as an error and then passes on without a namespace.
    static func forUndeclaredPrefix(_ prefix: String) -> String? {
        switch prefix {
        case "atom": return atom10
        case "content": return content
        case "dc": return dc
        case "dcterms": return dcterms
        case "media": return media
        case "itunes": return itunes
        case "slash": return slash
        case "rdf": return rdf
        case "xhtml": return xhtml
        case "wfw": return wfw
        case "sy": return sy
        default: return nil
        }
    }
}

/// The namespaces the decoders care about, resolved once per distinct URI so that element
/// tests compare a byte instead of a 40-character string.
enum NS: UInt8 {
    case none, atom10, atom03, rss10, rss090, rdf, content, dc, dcterms, media, itunes, slash, xml, xhtml, wfw, sy, other

    init(uri: String) {
        switch uri {
        case "": self = .none
        case XMLNamespace.atom10: self = .atom10
        case XMLNamespace.atom03: self = .atom03
        case XMLNamespace.rss10: self = .rss10
        case XMLNamespace.rss090: self = .rss090
        case XMLNamespace.rdf: self = .rdf
        case XMLNamespace.content: self = .content
        case XMLNamespace.dc: self = .dc
        case XMLNamespace.dcterms: self = .dcterms
        case XMLNamespace.media: self = .media
        case XMLNamespace.itunes: self = .itunes
        case XMLNamespace.slash: self = .slash
        case XMLNamespace.xml: self = .xml
        case XMLNamespace.xhtml: self = .xhtml
        case XMLNamespace.wfw: self = .wfw
        case XMLNamespace.sy: self = .sy
        default: self = .other
        }
    }

    /// RSS extensions; an element in any other namespace is read as core RSS, because real
    /// feeds put core elements in odd default namespaces.
    var isRSSExtension: Bool {
        switch self {
        case .none, .rss10, .rss090, .other: return false
        default: return true
        }
    }
}

/// One attribute of an element, namespace-resolved.
struct XMLAttribute {
    let name: String
    /// "" when the attribute has no namespace (the usual case).
    let namespace: String
    let value: String
}

/// The character data of a whole document in one buffer. Most elements' text is a single
/// contiguous run of it, so the tree needs no array (and no free) per element: allocating
/// and freeing those arrays was a third of the parse time on large feeds.
final class TextArena {
    @exclusivity(unchecked) var bytes: [UInt8] = []
}

/// A compact element tree built from libxml2's SAX events. Feeds are small (bounded by
/// `ParseLimits.maxBytes`), and a tree lets each decoder look ahead and re-serialise mixed
/// content (XHTML in Atom, unescaped HTML in RSS descriptions) without a second parse.
final class XMLElement {
    let name: String
    /// "" when the element has no namespace.
    let namespace: String
    /// `namespace`, classified.
    let ns: NS
    let attributes: [XMLAttribute]
    // Unchecked exclusivity: the tree is built and read by one thread, never with
    // overlapping accesses, and the dynamic checks were a measurable share of parse time.
    @exclusivity(unchecked) var children: [XMLElement] = []
    private let arena: TextArena
    private var textStart = 0
    private var textEnd = 0
    /// The element's text when it is not one run of the arena (mixed content).
    @exclusivity(unchecked) private var spilled: [UInt8]?
    /// Containers (item, channel…) keep no whitespace-only text: it is layout, never content.
    let dropsWhitespace: Bool
    /// Where in the parent's `text` this element starts, for re-serialising mixed content.
    let textOffset: Int
    /// The effective `xml:base` (already resolved against the ancestors' bases), if any.
    let base: String?
    /// The effective `xml:lang`, if any.
    let lang: String?

    init(name: String, namespace: String, ns: NS, attributes: [XMLAttribute], textOffset: Int, base: String?,
         lang: String?, arena: TextArena, dropsWhitespace: Bool) {
        self.arena = arena
        self.dropsWhitespace = dropsWhitespace
        self.name = name
        self.namespace = namespace
        self.ns = ns
        self.attributes = attributes
        self.textOffset = textOffset
        self.base = base
        self.lang = lang
    }

    /// The element's own character data, concatenated; children sit between its bytes at
    /// their `textOffset` (counted from `text.startIndex`).
    var text: ArraySlice<UInt8> {
        if let spilled { return spilled[...] }
        return arena.bytes[textStart..<textEnd]
    }

    var textCount: Int { spilled?.count ?? (textEnd - textStart) }

    func appendText(_ bytes: UnsafeBufferPointer<UInt8>) {
        if spilled != nil {
            spilled!.append(contentsOf: bytes)
        } else if textStart == textEnd {
            textStart = arena.bytes.count
            arena.bytes.append(contentsOf: bytes)
            textEnd = arena.bytes.count
        } else if textEnd == arena.bytes.count {
            arena.bytes.append(contentsOf: bytes)
            textEnd = arena.bytes.count
        } else {
            var copy = Array(arena.bytes[textStart..<textEnd])
            copy.append(contentsOf: bytes)
            spilled = copy
        }
    }

    /// The value of an un-namespaced attribute (or one in `namespace`).
    func attribute(_ name: String, namespace: String = "") -> String? {
        for attribute in attributes where attribute.name == name && attribute.namespace == namespace {
            return attribute.value
        }
        return nil
    }

    /// The element's character data, trimmed; nil when empty.
    var trimmedText: String? {
        let text = self.text
        var start = text.startIndex
        var end = text.endIndex
        while start < end && text[start].isASCIIWhitespace { start += 1 }
        while end > start && text[end - 1].isASCIIWhitespace { end -= 1 }
        return start < end ? String(decoding: text[start..<end], as: UTF8.self) : nil
    }

    /// The element's text when it has no child elements, else its inner markup serialised
    /// as (X)HTML: what a feed meant when it put unescaped HTML inside a text element.
    var innerMarkup: String {
        if children.isEmpty { return String(decoding: text, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(textCount * 2)
        appendInner(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Descendants (and self) called `name` that pass `filter`, in document order, without
    /// looking inside a match.
    func descendants(named name: String, where filter: (XMLElement) -> Bool) -> [XMLElement] {
        var found: [XMLElement] = []
        collect(named: name, where: filter, into: &found)
        return found
    }

    // Recursion is bounded by ParseLimits.maxDepth; no temporary arrays of children, which
    // for a 20,000-item channel were large enough to make every free consolidate the heap.
    private func collect(named name: String, where filter: (XMLElement) -> Bool, into found: inout [XMLElement]) {
        if self.name == name && filter(self) {
            found.append(self)
            return
        }
        for child in children { child.collect(named: name, where: filter, into: &found) }
    }

    /// Whether the element has child elements (mixed or element content).
    var hasChildElements: Bool { !children.isEmpty }

    private func appendInner(to out: inout [UInt8]) {
        let text = self.text
        let base = text.startIndex
        var position = 0
        for child in children {
            if child.textOffset > position {
                XMLElement.appendEscaped(text[(base + position)..<(base + child.textOffset)], to: &out)
                position = child.textOffset
            }
            child.appendOuter(to: &out)
        }
        if position < text.count { XMLElement.appendEscaped(text[(base + position)...], to: &out) }
    }

    private func appendOuter(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "<"))
        out.append(contentsOf: name.utf8)
        for attribute in attributes where attribute.namespace.isEmpty {
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: attribute.name.utf8)
            out.append(contentsOf: "=\"".utf8)
            XMLElement.appendEscaped(attribute.value.utf8, to: &out, quote: true)
            out.append(UInt8(ascii: "\""))
        }
        if children.isEmpty && textCount == 0 && XMLElement.voidElements.contains(name) {
            out.append(contentsOf: " />".utf8)
            return
        }
        out.append(UInt8(ascii: ">"))
        appendInner(to: &out)
        out.append(contentsOf: "</".utf8)
        out.append(contentsOf: name.utf8)
        out.append(UInt8(ascii: ">"))
    }

    /// HTML elements that never have content, written as `<br />` rather than `<br></br>`.
    private static let voidElements: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    ]

    private static func appendEscaped<C: Collection>(_ bytes: C, to out: inout [UInt8], quote: Bool = false)
    where C.Element == UInt8 {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "\"") where quote: out.append(contentsOf: "&quot;".utf8)
            default: out.append(byte)
            }
        }
    }
}

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

/// The local names the item and entry decoders switch over; `other` for the rest.
enum ElementName: UInt8 {
    case title, link, guid, description, pubDate, author, category, comments, enclosure
    case updated, published, id, summary, content, issued, created, modified, other

    /// Looked up once per distinct name in a document (a switch over the names compared
    /// Strings one case after another).
    init(_ name: String) {
        self = Self.byName[name] ?? .other
    }

    private static let byName: [String: ElementName] = [
        "title": .title, "link": .link, "guid": .guid, "description": .description, "pubDate": .pubDate,
        "author": .author, "category": .category, "comments": .comments, "enclosure": .enclosure,
        "updated": .updated, "published": .published, "id": .id, "summary": .summary,
        "content": .content, "issued": .issued, "created": .created, "modified": .modified,
    ]
}

/// The namespaces the decoders care about, resolved once per distinct URI so that element
/// tests compare a byte instead of a 40-character string.
enum NS: UInt8 {
    case none, atom10, atom03, rss10, rss090, rdf, content, dc, dcterms, media, itunes, slash, xml, xhtml, wfw, sy, other

    /// One hash lookup per distinct URI in a document (a switch compared the URI with each
    /// known one in turn: thousands of instructions for an unknown namespace).
    init(uri: String) {
        self = Self.byURI[uri] ?? Self.variant(uri)
    }

    /// Atom's namespace as feeds misspell it: https, a trailing slash, other case, or one of
    /// the pre-1.0 drafts (`http://purl.org/atom/ns#draft-ietf-atompub-format-08`), which
    /// feedparser reads as Atom too.
    private static func variant(_ uri: String) -> NS {
        let lower = uri.lowercased()
        if lower.contains("://www.w3.org/2005/atom") { return .atom10 }
        if lower.contains("://purl.org/atom/ns") { return .atom03 }
        return .other
    }

    private static let byURI: [String: NS] = [
        "": .none, XMLNamespace.atom10: .atom10, XMLNamespace.atom03: .atom03, XMLNamespace.rss10: .rss10,
        XMLNamespace.rss090: .rss090, XMLNamespace.rdf: .rdf, XMLNamespace.content: .content, XMLNamespace.dc: .dc,
        XMLNamespace.dcterms: .dcterms, XMLNamespace.media: .media, XMLNamespace.itunes: .itunes,
        XMLNamespace.slash: .slash, XMLNamespace.xml: .xml, XMLNamespace.xhtml: .xhtml, XMLNamespace.wfw: .wfw,
        XMLNamespace.sy: .sy,
    ]

    /// RSS extensions; an element in any other namespace is read as core RSS, because real
    /// feeds put core elements in odd default namespaces.
    var isRSSExtension: Bool {
        switch self {
        case .none, .rss10, .rss090, .other: return false
        default: return true
        }
    }
}

/// The element tree of one parsed document, stored flat: one record per element in document
/// order, names and namespace URIs interned, all character data and attribute values in two
/// byte arenas. An object per element (and an array of children each) made allocating and
/// freeing the tree about a third of the parse time on large feeds; records in one array cost
/// neither, and `XMLElement` is a two-word handle into them.
final class XMLDocument {
    struct Record {
        var name: Int32
        var namespace: Int32
        var ns: NS
        /// Containers (item, channel…) keep no whitespace-only text: it is layout, never content.
        var dropsWhitespace: Bool
        var firstChild: Int32 = -1
        var lastChild: Int32 = -1
        var nextSibling: Int32 = -1
        var childCount: Int32 = 0
        /// While building: index into `spills` when the text is not one run of the text buffer
        /// (mixed content), else -1. Always -1 after `finish()`.
        var spill: Int32 = -1
        var attributeStart: Int32
        var attributeCount: Int32
        /// Indexes into `strings` of the effective (resolved) `xml:base` and `xml:lang`; -1 for none.
        var base: Int32
        var lang: Int32
        /// For an item or entry decoded while the document was read (see `EntryStream`): its
        /// slot there; the record then stands for the decoded entry and keeps no children or text.
        var entrySlot: Int32 = -1
        var textStart = 0
        var textEnd = 0
        /// Where in the parent's text this element starts, for re-serialising mixed content.
        var textOffset: Int
    }

    /// How far the document's buffers reached when an element opened: dropping that element's
    /// subtree cuts them back to here.
    struct Mark {
        var record: Int32
        var attributes: Int
        var attributeBytes: Int
        var textLength: Int
        var spills: Int
        var strings: Int
    }

    struct Attribute {
        var name: Int32
        var namespace: Int32
        var valueStart: Int
        var valueEnd: Int
    }

    // Unchecked exclusivity: built and read by one thread, never with overlapping accesses,
    // and the dynamic checks were a measurable share of parse time.
    @exclusivity(unchecked) var records = UnmanagedBuffer<Record>(capacity: 256)
    @exclusivity(unchecked) var attributes = UnmanagedBuffer<Attribute>()
    /// The character data of the whole document, in one manually grown buffer (an Array's
    /// `append` cost a hundred instructions per SAX text event). Most elements' text is one
    /// contiguous run of it; `finish()` moves the rest (mixed content, spilled) in too, so
    /// every element's text is one run once the tree is built.
    @exclusivity(unchecked) private var textBuffer: UnmanagedBuffer<UInt8>
    /// Whether text and attribute values are valid UTF-8 by construction: true when the
    /// parser read bytes that were validated or transcoded to UTF-8 before libxml2 saw them.
    /// When libxml2 decodes a declared encoding itself, an encoding it cannot decode lets
    /// raw bytes through (found by the fuzzer), and Strings are then made with validation.
    var textIsValidUTF8 = false
    var textStorage: UnsafeMutablePointer<UInt8> { textBuffer.baseAddress }
    var textLength: Int { textBuffer.count }
    @exclusivity(unchecked) private var spills: [[UInt8]] = []
    /// Raw attribute values (libxml2 writes `&` as `&#38;` in them), decoded on access.
    @exclusivity(unchecked) var attributeBytes = UnmanagedBuffer<UInt8>(capacity: 1024)
    /// Interned element and attribute local names.
    @exclusivity(unchecked) var names = UnmanagedBuffer<String>(capacity: 64)
    /// Per interned name: which of the names the item decoders switch over it is.
    @exclusivity(unchecked) var nameKinds = UnmanagedBuffer<ElementName>(capacity: 64)
    /// Interned namespace URIs and their classification; index 0 is "no namespace".
    @exclusivity(unchecked) var namespaceURIs = UnmanagedBuffer<String>()
    @exclusivity(unchecked) var namespaceKinds = UnmanagedBuffer<NS>()
    /// `xml:base` and `xml:lang` values.
    @exclusivity(unchecked) var strings = UnmanagedBuffer<String>()

    init(textCapacity: Int = 4096) {
        textBuffer = UnmanagedBuffer(capacity: max(textCapacity, 64))
        namespaceURIs.append("")
        namespaceKinds.append(.none)
    }

    deinit {
        textBuffer.deallocate()
        records.deallocate()
        attributes.deallocate()
        attributeBytes.deallocate()
        names.deallocate()
        nameKinds.deallocate()
        namespaceURIs.deallocate()
        namespaceKinds.deallocate()
        strings.deallocate()
    }

    /// The first element (the root), or nil when the document had none.
    var root: XMLElement? { records.isEmpty ? nil : XMLElement(document: self, index: 0) }

    /// An attribute's value as a String.
    func attributeValue(_ attribute: Attribute) -> String {
        let bytes = attributeBytes.elements(attribute.valueStart..<attribute.valueEnd)
        let value = string(bytes)
        // Without entity substitution libxml2 passes `&amp;` in attributes as `&#38;`.
        return bytes.contains(UInt8(ascii: "&")) ? value.replacingAll("&#38;", with: "&") : value
    }

    @inline(__always)
    func textCount(_ index: Int) -> Int {
        let spill = records[index].spill
        return spill >= 0 ? spills[Int(spill)].count : records[index].textEnd - records[index].textStart
    }

    /// The common case of a SAX text event, small enough to inline into the callback: the
    /// element's text is empty or ends the buffer, the bytes fit the buffer and the limit,
    /// and the element keeps whitespace. Appends and returns true; false (nothing done) for
    /// everything else, which `appendText` handles.
    @inline(__always)
    func appendTextQuickly(_ bytes: UnsafeBufferPointer<UInt8>, to index: Int, limit: Int) -> Bool {
        let record = records[index]
        let length = textBuffer.count
        guard record.spill < 0, !record.dropsWhitespace, record.textStart == record.textEnd || record.textEnd == length,
              record.textEnd - record.textStart + bytes.count <= limit
        else { return false }
        textBuffer.append(contentsOf: bytes)
        if record.textStart == record.textEnd { records[index].textStart = length }
        records[index].textEnd = textBuffer.count
        return true
    }

    /// Appends `bytes` to the text of element `index`, unless that text would then be longer
    /// than `limit` bytes: false then, and nothing is appended.
    func appendText(_ bytes: UnsafeBufferPointer<UInt8>, to index: Int, limit: Int = .max) -> Bool {
        let spill = records[index].spill
        if spill >= 0 {
            guard spills[Int(spill)].count + bytes.count <= limit else { return false }
            spills[Int(spill)].append(contentsOf: bytes)
            return true
        }
        let start = records[index].textStart
        let end = records[index].textEnd
        guard end - start + bytes.count <= limit else { return false }
        if start == end {
            records[index].textStart = textLength
            textBuffer.append(contentsOf: bytes)
            records[index].textEnd = textLength
        } else if end == textLength {
            textBuffer.append(contentsOf: bytes)
            records[index].textEnd = textLength
        } else {
            // A child's text came in between (mixed content): continue in a copy of its own.
            var copy = Array(UnsafeBufferPointer(start: textStorage + start, count: end - start))
            copy.append(contentsOf: bytes)
            records[index].spill = Int32(spills.count)
            spills.append(copy)
        }
        return true
    }

    /// A String of text or attribute bytes of this document.
    @inline(__always)
    func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        textIsValidUTF8 ? String(knownValidUTF8: bytes) : String(decoding: bytes, as: UTF8.self)
    }

    /// Where the buffers stand just after element `record` was added.
    func mark(for record: Int32) -> Mark {
        Mark(record: record, attributes: attributes.count, attributeBytes: attributeBytes.count,
             textLength: textLength, spills: spills.count, strings: strings.count)
    }

    /// Replaces the subtree of the element `mark.record` (the last element opened at or
    /// after it, and just closed) by a stub standing for entry `slot` of the `EntryStream`:
    /// everything its descendants and its text took is given back, so a document of any
    /// number of items needs buffers for one item at a time. The element's own name,
    /// namespace and attributes stay, so decoders still see it where it was.
    func replaceSubtree(_ mark: Mark, withEntrySlot slot: Int32) {
        let index = Int(mark.record)
        records.removeLast(records.count - index - 1)
        records[index].firstChild = -1
        records[index].lastChild = -1
        records[index].childCount = 0
        records[index].spill = -1
        records[index].textStart = 0
        records[index].textEnd = 0
        records[index].entrySlot = slot
        attributes.removeLast(attributes.count - mark.attributes)
        attributeBytes.removeLast(attributeBytes.count - mark.attributeBytes)
        textBuffer.removeSuffix(from: mark.textLength)
        spills.removeLast(spills.count - mark.spills)
        strings.removeLast(strings.count - mark.strings)
    }

    /// Ends the build of the elements from `first` on (all of them by default): their
    /// spilled text joins the buffer, so each of their texts is one run.
    func finish(from first: Int = 0) {
        guard !spills.isEmpty else { return }
        for index in first..<records.count where records[index].spill >= 0 {
            let spilled = spills[Int(records[index].spill)]
            records[index].textStart = textLength
            spilled.withUnsafeBufferPointer { textBuffer.append(contentsOf: $0) }
            records[index].textEnd = textLength
            records[index].spill = -1
        }
        if first == 0 { spills = [] }
    }
}

/// An element of an `XMLDocument`: a handle that is only valid while its document is alive.
/// Handles hold the document unretained: one retain and release per handle copy was
/// measurable, and every handle lives inside one decode call during which the caller keeps
/// the document alive (`withExtendedLifetime`).
struct XMLElement: Equatable {
    /// The document. Reading it through an `unowned(unsafe)` property still retained and
    /// released it around every access (a few dozen atomic operations per item); `read`
    /// borrows it instead.
    private let reference: Unmanaged<XMLDocument>
    let index: Int32

    init(document: XMLDocument, index: Int32) {
        reference = .passUnretained(document)
        self.index = index
    }

    /// The document (a strong reference: for occasional use outside the hot accessors).
    var document: XMLDocument { reference.takeUnretainedValue() }

    /// Runs `body` with the document borrowed: no retain, no release.
    @inline(__always)
    private func read<Result>(_ body: (XMLDocument) -> Result) -> Result {
        reference._withUnsafeGuaranteedRef(body)
    }

    static func == (lhs: XMLElement, rhs: XMLElement) -> Bool {
        lhs.index == rhs.index && lhs.reference.toOpaque() == rhs.reference.toOpaque()
    }

    private var record: XMLDocument.Record { read { $0.records[Int(index)] } }

    var name: String { read { $0.names[Int($0.records[Int(index)].name)] } }
    /// "" when the element has no namespace.
    var namespace: String { read { $0.namespaceURIs[Int($0.records[Int(index)].namespace)] } }
    /// `namespace`, classified.
    var ns: NS { record.ns }
    /// The local name as one of the names decoders switch over (an integer comparison where
    /// comparing Strings cost a call per case).
    var knownName: ElementName { read { $0.nameKinds[Int($0.records[Int(index)].name)] } }
    /// The effective `xml:base` (already resolved against the ancestors' bases), if any.
    var base: String? {
        let base = record.base
        return base >= 0 ? read { $0.strings[Int(base)] } : nil
    }
    /// The effective `xml:lang`, if any.
    var lang: String? {
        let lang = record.lang
        return lang >= 0 ? read { $0.strings[Int(lang)] } : nil
    }
    /// Where in the parent's `text` this element starts, for re-serialising mixed content.
    var textOffset: Int { record.textOffset }
    /// The `EntryStream` slot of an item or entry already decoded while the document was
    /// read; nil for every other element.
    var streamedEntrySlot: Int? {
        let slot = record.entrySlot
        return slot >= 0 ? Int(slot) : nil
    }

    /// The child elements, in document order.
    var children: Children {
        let record = self.record
        return Children(reference: reference, first: record.firstChild, count: Int(record.childCount))
    }

    /// The element's own character data, concatenated; children sit between its bytes at
    /// their `textOffset`. Points into the document: valid while the document lives.
    var text: UnsafeBufferPointer<UInt8> {
        read { document in
            let record = document.records[Int(index)]
            return UnsafeBufferPointer(start: document.textStorage + record.textStart,
                                       count: record.textEnd - record.textStart)
        }
    }

    var textCount: Int { read { $0.textCount(Int(index)) } }

    /// The value of an un-namespaced attribute (or one in `namespace`).
    func attribute(_ name: String, namespace: String = "") -> String? {
        read { document in
            let record = document.records[Int(index)]
            let start = Int(record.attributeStart)
            for position in start..<(start + Int(record.attributeCount)) {
                let attribute = document.attributes[position]
                if document.names[Int(attribute.name)] == name
                    && document.namespaceURIs[Int(attribute.namespace)] == namespace {
                    return document.attributeValue(attribute)
                }
            }
            return nil
        }
    }

    /// The element's character data, trimmed; nil when empty.
    var trimmedText: String? {
        let text = trimmedBytes
        return text.isEmpty ? nil : read { $0.string(text) }
    }

    /// The element's character data without leading and trailing ASCII whitespace. Points
    /// into the document: valid while the document lives.
    var trimmedBytes: UnsafeBufferPointer<UInt8> {
        let text = self.text
        var start = text.startIndex
        var end = text.endIndex
        while start < end && text[start].isASCIIWhitespace { start += 1 }
        while end > start && text[end - 1].isASCIIWhitespace { end -= 1 }
        return UnsafeBufferPointer(rebasing: text[start..<end])
    }

    /// Whether the document's text is valid UTF-8 by construction (see `XMLDocument`), so
    /// that its bytes may become Strings without validation.
    var textIsValidUTF8: Bool { read { $0.textIsValidUTF8 } }

    /// The element's text when it has no child elements, else its inner markup serialised
    /// as (X)HTML: what a feed meant when it put unescaped HTML inside a text element.
    var innerMarkup: String {
        if !hasChildElements { return read { $0.string(text) } }
        var out: [UInt8] = []
        out.reserveCapacity(textCount * 2)
        appendInner(to: &out)
        return out.withUnsafeBufferPointer { bytes in read { $0.string(bytes) } }
    }

    /// The element's content as markup even when it is only text: `<` and `&` in the text
    /// escaped, so XHTML content whose text says "&lt;blink&gt;" keeps those words when it is
    /// read as HTML.
    var innerXML: String {
        if hasChildElements { return innerMarkup }
        var out: [UInt8] = []
        out.reserveCapacity(textCount + 16)
        XMLElement.appendEscaped(text, to: &out)
        return out.withUnsafeBufferPointer { bytes in read { $0.string(bytes) } }
    }

    /// Descendants (and self) called `name` that pass `filter`, in document order, without
    /// looking inside a match.
    func descendants(named name: String, where filter: (XMLElement) -> Bool) -> [XMLElement] {
        var found: [XMLElement] = []
        collect(named: name, where: filter, into: &found)
        return found
    }

    // Recursion is bounded by ParseLimits.maxDepth.
    private func collect(named name: String, where filter: (XMLElement) -> Bool, into found: inout [XMLElement]) {
        if self.name == name && filter(self) {
            found.append(self)
            return
        }
        for child in children { child.collect(named: name, where: filter, into: &found) }
    }

    /// Whether the element has child elements (mixed or element content).
    var hasChildElements: Bool { record.firstChild >= 0 }
    /// The record index of the first child element; -1 for none.
    var firstChildIndex: Int32 { record.firstChild }

    private func appendInner(to out: inout [UInt8]) {
        let text = self.text
        var position = 0
        for child in children {
            let offset = child.textOffset
            if offset > position {
                XMLElement.appendEscaped(UnsafeBufferPointer(rebasing: text[position..<offset]), to: &out)
                position = offset
            }
            child.appendOuter(to: &out)
        }
        if position < text.count { XMLElement.appendEscaped(UnsafeBufferPointer(rebasing: text[position...]), to: &out) }
    }

    private func appendOuter(to out: inout [UInt8]) {
        let name = self.name
        out.append(UInt8(ascii: "<"))
        out.append(contentsOf: name.utf8)
        let record = self.record
        let start = Int(record.attributeStart)
        let document = self.document
        for position in start..<(start + Int(record.attributeCount)) {
            let attribute = document.attributes[position]
            guard attribute.namespace == 0 else { continue }
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: document.names[Int(attribute.name)].utf8)
            out.append(contentsOf: "=\"".utf8)
            var value = document.attributeValue(attribute)
            value.withUTF8 { XMLElement.appendEscaped($0, to: &out, quote: true) }
            out.append(UInt8(ascii: "\""))
        }
        if !hasChildElements && textCount == 0 && XMLElement.voidElements.contains(name) {
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

    /// Appends `bytes` with `<`, `>`, `&` (and `"` in attribute values) escaped; the runs
    /// between them go in with one append each, not byte by byte.
    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8],
                                      quote: Bool = false) {
        var runStart = 0
        for index in 0..<bytes.count {
            let escaped: StaticString
            switch bytes[index] {
            case UInt8(ascii: "<"): escaped = "&lt;"
            case UInt8(ascii: ">"): escaped = "&gt;"
            case UInt8(ascii: "&"): escaped = "&amp;"
            case UInt8(ascii: "\"") where quote: escaped = "&quot;"
            default: continue
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            out.append(contentsOf: UnsafeBufferPointer(start: escaped.utf8Start, count: escaped.utf8CodeUnitCount))
            runStart = index + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
    }

    /// An element's children: a walk along the sibling links, no array.
    struct Children: Sequence {
        fileprivate let reference: Unmanaged<XMLDocument>
        let head: Int32
        let count: Int

        fileprivate init(reference: Unmanaged<XMLDocument>, first: Int32, count: Int) {
            self.reference = reference
            self.head = first
            self.count = count
        }

        var isEmpty: Bool { head < 0 }
        var first: XMLElement? { head < 0 ? nil : XMLElement(reference: reference, index: head) }

        func makeIterator() -> Iterator { Iterator(reference: reference, cursor: head) }

        struct Iterator: IteratorProtocol {
            fileprivate let reference: Unmanaged<XMLDocument>
            var cursor: Int32

            mutating func next() -> XMLElement? {
                guard cursor >= 0 else { return nil }
                let element = XMLElement(reference: reference, index: cursor)
                let current = cursor
                cursor = reference._withUnsafeGuaranteedRef { $0.records[Int(current)].nextSibling }
                return element
            }
        }
    }

    fileprivate init(reference: Unmanaged<XMLDocument>, index: Int32) {
        self.reference = reference
        self.index = index
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FeedWatchModel

/// A reader for what most feeds are: well-formed XML 1.0 with namespaces, in valid UTF-8,
/// without a DTD. It gives the `TreeBuilder` the events libxml2's SAX pass gives it for such
/// a document, without libxml2's costs for the general case (an encoding layer, a name
/// dictionary, a C callback per text run and per entity, text examined a byte at a time):
/// text is scanned eight bytes a step and element names are looked up by their bytes.
///
/// It declines (`.declined`; the caller then reads the whole document with libxml2) at the
/// first thing libxml2 would complain about or treat in a way of its own: a DOCTYPE (so
/// entity declarations — billion laughs, XXE — only ever meet libxml2 and its guards), any
/// well-formedness or namespace error, an entity other than XML's five and character
/// references, a name outside ASCII, an XML declaration other than version 1.0, a carriage
/// return inside CDATA, text directly inside a container element (libxml2's chunking of it
/// decides what is kept), nesting beyond libxml2's own depth limit. A document it reads
/// therefore gets the tree libxml2 would give it, and no warnings; `StrictXMLReaderTests`
/// hold the two readers to equal results over the real-world corpus and over documents made
/// to hit each rule, and the fuzz target compares them on every input.
struct StrictXMLReader {
    /// `declined(at:)` names the file and line that declined.
    enum Outcome: Equatable { case finished, declined(at: String) }

    /// Thrown to abandon the reading. Carries where it was thrown, for the tests' statistics
    /// of what sends real feeds to libxml2.
    struct Decline: Error {
        let file: StaticString
        let line: Int
        init(file: StaticString = #fileID, line: Int = #line) {
            self.file = file
            self.line = line
        }
    }

    /// Reads `bytes` into `builder`. `.finished` also when the builder stopped reading (a
    /// limit, or the entry limit): the builder then holds the result, as after libxml2.
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, into builder: TreeBuilder) -> Outcome {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return .declined(at: "empty document") }
        var reader = StrictXMLReader(input: base, count: bytes.count, builder: builder)
        defer { reader.deallocate() }
        do {
            try reader.readDocument()
            return .finished
        } catch {
            return .declined(at: "\(error.file):\(error.line)")
        }
    }

    /// Bounds libxml2 applies without `XML_PARSE_HUGE`; past them it reports an error, so the
    /// strict reader declines and leaves the document to it.
    static let libxmlMaxNameLength = 50_000
    static let libxmlMaxTokenLength = 10_000_000
    static let libxmlMaxDepth = 256
    /// More attributes on one element than this go to libxml2 (duplicate checks are quadratic).
    static let maxAttributes = 32

    let input: UnsafePointer<UInt8>
    let count: Int
    var index = 0
    let builder: TreeBuilder
    var names = KnownNames.shared.qualifiedNames.copy()
    /// Open elements: where each one's qualified name is in the input, and how many namespace
    /// bindings were in scope before its own.
    var open = UnmanagedBuffer<OpenElement>(capacity: 32)
    var bindings = UnmanagedBuffer<Binding>(capacity: 16)
    var pending = UnmanagedBuffer<PendingAttribute>(capacity: 16)
    /// Attribute values that needed decoding, for the element being read.
    var scratch = UnmanagedBuffer<UInt8>(capacity: 256)
    /// Prefix ids: 0 is no prefix, 1 `xml`, 2 `xmlns`.
    var prefixIDs: [String: Int32] = ["": 0, "xml": 1, "xmlns": 2]
    var xmlNamespace: Int32 = -1
    /// `nameByteKinds` and `textStops`, held here: reading a static costs a call per use.
    let nameByteKinds = StrictXMLReader.nameByteKindTable
    let textStops = StrictXMLReader.textStopSet
    /// Text that needed decoding, for the text node being read.
    var textScratch = UnmanagedBuffer<UInt8>(capacity: 4096)
    /// Whether the innermost open element is a container (see `containerText`).
    var inContainer = false

    struct OpenElement {
        var nameStart: Int
        var nameLength: Int
        var bindings: Int
    }

    struct Binding {
        var prefix: Int32
        var namespace: Int32
    }

    struct PendingAttribute {
        var name: QualifiedName
        var nameStart: Int
        var nameLength: Int
        /// The value: bytes of the input, or of `scratch` when it needed decoding.
        var inScratch: Bool
        var valueStart: Int
        var valueLength: Int
    }

    init(input: UnsafePointer<UInt8>, count: Int, builder: TreeBuilder) {
        self.input = input
        self.count = count
        self.builder = builder
    }

    func deallocate() {
        names.deallocate()
        open.deallocate()
        bindings.deallocate()
        pending.deallocate()
        scratch.deallocate()
        textScratch.deallocate()
    }

    // MARK: Document

    mutating func readDocument() throws(Decline) {
        if startsWith("<?xml"), count > 5, isSpace(input[5]) { try xmlDeclaration() }
        try miscellany()
        guard index + 1 < count, input[index] == UInt8(ascii: "<"), isNameStart(input[index + 1]) else { throw Decline() }
        index += 1
        try startTag()
        while !open.isEmpty {
            if builder.stopped { return }
            guard index < count else { throw Decline() }  // unclosed elements
            if input[index] != UInt8(ascii: "<") {
                try text()
                continue
            }
            guard index + 1 < count else { throw Decline() }
            switch input[index + 1] {
            case UInt8(ascii: "/"):
                try endTag()
            case UInt8(ascii: "!"):
                if startsWith("<!--") {
                    try comment()
                } else if startsWith("<![CDATA[") {
                    try characterData()
                } else {
                    throw Decline()
                }
            case UInt8(ascii: "?"):
                try processingInstruction()
            default:
                index += 1
                try startTag()
            }
        }
        if builder.stopped { return }
        try miscellany()
        guard index == count else { throw Decline() }  // content after the root element
    }

    /// `<?xml version="1.0" encoding="…" standalone="…"?>`, each part as libxml2 accepts it
    /// without a word. The encoding is not read: the bytes are UTF-8 by now.
    mutating func xmlDeclaration() throws(Decline) {
        index = 5
        skipSpace()
        guard startsWith("version") else { throw Decline() }
        index += 7
        try equals()
        let version = try quotedWord()
        guard version.count == 3, version[0] == UInt8(ascii: "1"), version[1] == UInt8(ascii: "."),
              version[2] == UInt8(ascii: "0") else { throw Decline() }
        var spaced = skipSpace()
        if startsWith("encoding") {
            guard spaced else { throw Decline() }
            index += 8
            try equals()
            let name = try quotedWord()
            guard let first = name.first, isLetter(first),
                  name.allSatisfy({ isLetter($0) || isDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_")
                                    || $0 == UInt8(ascii: "-") }) else { throw Decline() }
            spaced = skipSpace()
        }
        if startsWith("standalone") {
            guard spaced else { throw Decline() }
            index += 10
            try equals()
            let value = try quotedWord()
            guard value.elementsEqual("yes".utf8) || value.elementsEqual("no".utf8) else { throw Decline() }
            skipSpace()
        }
        guard startsWith("?>") else { throw Decline() }
        index += 2
    }

    mutating func equals() throws(Decline) {
        skipSpace()
        guard index < count, input[index] == UInt8(ascii: "=") else { throw Decline() }
        index += 1
        skipSpace()
    }

    /// A quoted value of the XML declaration (short, plain ASCII).
    mutating func quotedWord() throws(Decline) -> UnsafeBufferPointer<UInt8> {
        guard index < count, input[index] == UInt8(ascii: "\"") || input[index] == UInt8(ascii: "'") else {
            throw Decline()
        }
        let quote = input[index]
        let start = index + 1
        var end = start
        while end < count, end - start < 64, input[end] != quote {
            guard input[end] > 0x20, input[end] < 0x80 else { throw Decline() }
            end += 1
        }
        guard end < count, input[end] == quote else { throw Decline() }
        index = end + 1
        return UnsafeBufferPointer(start: input + start, count: end - start)
    }

    /// Whitespace, comments and processing instructions, before or after the root element.
    mutating func miscellany() throws(Decline) {
        while true {
            skipSpace()
            if startsWith("<!--") {
                try comment()
            } else if startsWith("<?") {
                try processingInstruction()
            } else {
                return
            }
        }
    }

    // MARK: Markup

    /// A start tag; `index` is just after its `<`.
    mutating func startTag() throws(Decline) {
        let nameStart = index
        let name = try qualifiedName()
        let nameLength = index - nameStart
        let bindingsBefore = bindings.count
        pending.removeLast(pending.count)
        scratch.removeLast(scratch.count)
        var selfClosing = false
        while true {
            let spaced = skipSpace()
            guard index < count else { throw Decline() }
            let byte = input[index]
            if byte == UInt8(ascii: ">") {
                index += 1
                break
            }
            if byte == UInt8(ascii: "/") {
                guard index + 1 < count, input[index + 1] == UInt8(ascii: ">") else { throw Decline() }
                index += 2
                selfClosing = true
                break
            }
            guard spaced else { throw Decline() }
            try attribute()
        }
        guard name.prefix != 2 else { throw Decline() }
        let namespace = try namespace(ofElementPrefix: name.prefix)
        if pending.count > 1 { try checkDuplicates() }
        if open.count >= Self.libxmlMaxDepth && builder.limits.maxDepth > Self.libxmlMaxDepth { throw Decline() }
        guard builder.canOpen(name: name.local, namespace: namespace, attributeCount: pending.count) else { return }
        // Namespace declarations stay in `pending` for the duplicate checks; libxml2 does not
        // report them as attributes.
        let attributeStart = builder.document.attributes.count
        for position in 0..<pending.count where pending[position].name.declares < 0 {
            let attribute = pending[position]
            let value = attribute.inScratch
                ? UnsafeBufferPointer(start: UnsafePointer(scratch.baseAddress) + attribute.valueStart,
                                      count: attribute.valueLength)
                : UnsafeBufferPointer(start: input + attribute.valueStart, count: attribute.valueLength)
            let attributeNamespace = try self.namespace(ofAttributePrefix: attribute.name.prefix)
            builder.appendAttribute(name: attribute.name.local, namespace: attributeNamespace, value: value)
        }
        builder.open(name: name.local, namespace: namespace, attributeStart: attributeStart)
        inContainer = builder.topDropsWhitespace
        open.append(OpenElement(nameStart: nameStart, nameLength: nameLength, bindings: bindingsBefore))
        if selfClosing { closeElement() }
    }

    /// One attribute (or namespace declaration) of the start tag being read.
    mutating func attribute() throws(Decline) {
        let nameStart = index
        let name = try qualifiedName()
        let nameLength = index - nameStart
        skipSpace()
        guard index < count, input[index] == UInt8(ascii: "=") else { throw Decline() }
        index += 1
        skipSpace()
        guard index < count, input[index] == UInt8(ascii: "\"") || input[index] == UInt8(ascii: "'") else {
            throw Decline()
        }
        let quote = input[index]
        index += 1
        var attribute = PendingAttribute(name: name, nameStart: nameStart, nameLength: nameLength, inScratch: false,
                                         valueStart: index, valueLength: 0)
        try attributeValue(quote: quote, into: &attribute)
        if name.declares >= 0 {
            try declareNamespace(prefix: name.declares, attribute)
        }
        pending.append(attribute)
        guard pending.count <= Self.maxAttributes else { throw Decline() }
    }

    /// An attribute value up to `quote`, as libxml2 reports it: references decoded except
    /// `&` (kept as `&#38;`, see `XMLDocument.attributeValue`), each tab, newline, carriage
    /// return or CRLF pair a space.
    mutating func attributeValue(quote: UInt8, into attribute: inout PendingAttribute) throws(Decline) {
        let start = index
        while index < count {
            let byte = input[index]
            if byte == quote {
                attribute.valueLength = index - start
                index += 1
                guard attribute.valueLength <= Self.libxmlMaxTokenLength else { throw Decline() }
                return
            }
            if byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte < 0x20 || byte == 0xEF { break }
            index += 1
        }
        // Needs decoding: continue in the scratch buffer.
        let scratchStart = scratch.count
        scratch.append(contentsOf: UnsafeBufferPointer(start: input + start, count: index - start))
        while index < count {
            let byte = input[index]
            switch byte {
            case quote:
                index += 1
                attribute.inScratch = true
                attribute.valueStart = scratchStart
                attribute.valueLength = scratch.count - scratchStart
                guard attribute.valueLength <= Self.libxmlMaxTokenLength else { throw Decline() }
                return
            case UInt8(ascii: "<"):
                throw Decline()
            case UInt8(ascii: "&"):
                let scalar = try reference()
                if scalar == "&" {
                    "&#38;".utf8.withContiguousStorageIfAvailable { scratch.append(contentsOf: $0) }
                } else {
                    Self.appendUTF8(scalar, to: &scratch)
                }
            case 0x0D:
                scratch.append(0x20)
                index += 1
                if index < count && input[index] == 0x0A { index += 1 }
            case 0x09, 0x0A:
                scratch.append(0x20)
                index += 1
            case 0xEF:
                try checkNotNonCharacter()
                scratch.append(byte)
                index += 1
            default:
                guard byte >= 0x20 else { throw Decline() }
                scratch.append(byte)
                index += 1
            }
        }
        throw Decline()
    }

    /// `xmlns="…"` or `xmlns:prefix="…"`: binds the prefix for this element and its content.
    mutating func declareNamespace(prefix: Int32, _ attribute: PendingAttribute) throws(Decline) {
        guard !attribute.inScratch, prefix != 1, prefix != 2 else { throw Decline() }
        let value = UnsafeBufferPointer(start: input + attribute.valueStart, count: attribute.valueLength)
        if value.isEmpty {
            // Undeclaring the default namespace is allowed; an empty prefixed one is not.
            guard prefix == 0 else { throw Decline() }
            bindings.append(Binding(prefix: 0, namespace: 0))
            return
        }
        // libxml2 warns about relative URIs and rejects malformed ones: accept only the plain
        // absolute form namespaces take (`http://purl.org/dc/elements/1.1/`, `urn:…`).
        guard isLetter(value[0]) else { throw Decline() }
        var sawColon = false
        var hashes = 0
        for byte in value {
            if byte == UInt8(ascii: ":") {
                sawColon = true
            } else if byte == UInt8(ascii: "#") {
                hashes += 1
            } else if !(isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                        || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~") || byte == UInt8(ascii: "/")) {
                throw Decline()
            }
        }
        guard sawColon, hashes <= 1 else { throw Decline() }
        let uri = String(knownValidUTF8: value)
        guard uri != XMLNamespace.xml, uri != "http://www.w3.org/2000/xmlns/" else { throw Decline() }
        bindings.append(Binding(prefix: prefix, namespace: builder.internNamespace(uri)))
    }

    /// Rejects an attribute name given twice, literally or once the prefixes are resolved,
    /// and a prefix declared twice on one element.
    func checkDuplicates() throws(Decline) {
        let attributes = pending.count
        guard attributes > 1 else { return }
        for first in 0..<(attributes - 1) {
            let a = pending[first]
            for second in (first + 1)..<attributes {
                let b = pending[second]
                if a.nameLength == b.nameLength
                    && memcmp(input + a.nameStart, input + b.nameStart, a.nameLength) == 0 { throw Decline() }
                // Same local name in namespaces that might be one: leave the judgement to libxml2.
                if a.name.local == b.name.local && a.name.prefix > 0 && b.name.prefix > 0 { throw Decline() }
            }
        }
    }

    /// An end tag; `index` is at its `<`.
    mutating func endTag() throws(Decline) {
        guard let top = open.last else { throw Decline() }
        index += 2
        guard index + top.nameLength <= count,
              memcmp(input + index, input + top.nameStart, top.nameLength) == 0 else { throw Decline() }
        index += top.nameLength
        skipSpace()
        guard index < count, input[index] == UInt8(ascii: ">") else { throw Decline() }
        index += 1
        closeElement()
    }

    mutating func closeElement() {
        guard let top = open.popLast() else { return }
        bindings.removeLast(bindings.count - top.bindings)
        builder.readerOffset = index
        builder.end()
        inContainer = builder.topDropsWhitespace
    }

    /// `<!-- … -->`; not reported (libxml2's SAX pass has no comment handler here either).
    mutating func comment() throws(Decline) {
        let start = index
        index += 4
        while index < count {
            let byte = input[index]
            if byte == UInt8(ascii: "-") && index + 1 < count && input[index + 1] == UInt8(ascii: "-") {
                // `--` may only end the comment.
                guard index + 2 < count, input[index + 2] == UInt8(ascii: ">") else { throw Decline() }
                index += 3
                guard index - start <= Self.libxmlMaxTokenLength else { throw Decline() }
                return
            }
            try checkCharacter(byte)
            index += 1
        }
        throw Decline()
    }

    /// `<?target …?>`; skipped. `xml` itself (a misplaced declaration) and targets libxml2
    /// warns about go to libxml2.
    mutating func processingInstruction() throws(Decline) {
        let start = index
        index += 2
        let targetStart = index
        guard index < count, isNameStart(input[index]) else { throw Decline() }
        while index < count, nameByteKinds[Int(input[index])] == 1 { index += 1 }
        let target = UnsafeBufferPointer(start: input + targetStart, count: index - targetStart)
        if target.count >= 3, target[0] | 0x20 == UInt8(ascii: "x"), target[1] | 0x20 == UInt8(ascii: "m"),
           target[2] | 0x20 == UInt8(ascii: "l") {
            guard target.elementsEqual("xml-stylesheet".utf8) || target.elementsEqual("xml-model".utf8) else {
                throw Decline()
            }
        }
        if startsWith("?>") {
            index += 2
            return
        }
        guard skipSpace() else { throw Decline() }
        while index + 1 < count {
            if input[index] == UInt8(ascii: "?") && input[index + 1] == UInt8(ascii: ">") {
                index += 2
                guard index - start <= Self.libxmlMaxTokenLength else { throw Decline() }
                return
            }
            try checkCharacter(input[index])
            index += 1
        }
        throw Decline()
    }

    /// `<![CDATA[ … ]]>`: its content is text.
    mutating func characterData() throws(Decline) {
        index += 9
        let start = index
        while true {
            index = scan(from: index, stops: Self.cdataStops)
            guard index < count else { throw Decline() }
            let byte = input[index]
            if byte == UInt8(ascii: "]") {
                if index + 2 < count && input[index + 1] == UInt8(ascii: "]") && input[index + 2] == UInt8(ascii: ">") {
                    break
                }
                index += 1
            } else if byte == 0xEF {
                try checkNotNonCharacter()
                index += 1
            } else if byte == 0x09 || byte == 0x0A {
                index += 1
            } else {
                // Other control characters, and carriage returns: libxml2's push parser passes
                // CDATA on without normalising line ends, unlike other text. Leave it to libxml2.
                throw Decline()
            }
        }
        guard index - start <= Self.libxmlMaxTokenLength else { throw Decline() }
        deliver(start, index)
        index += 3
    }

}

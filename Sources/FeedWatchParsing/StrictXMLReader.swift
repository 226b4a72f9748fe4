#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FeedWatchModel

/// Reads a document into a `TreeBuilder`: with `StrictXMLReader` when the document is UTF-8
/// that `EncodingSniffer` validated or transcoded, and with libxml2 (`SAXDriver`) when the
/// strict reader declines or the document must be decoded by libxml2.
enum XMLReading {
    /// Reads `bytes` (see `SAXDriver.parse` for `encoding` and `declaredEncodingTrusted`).
    /// `makeStream` is called once per attempt: a declined attempt's stream is discarded.
    /// `strict: false` reads every document with libxml2 (for tests and benchmarks).
    static func read(_ bytes: [UInt8], encoding: String?, declaredEncodingTrusted: Bool, baseURL: String?,
                     limits: ParseLimits, strict: Bool = true, makeStream: () -> EntryStream?) -> SAXResult {
        if strict && encoding == nil && !declaredEncodingTrusted {
            let (read, outcome) = readStrictly(bytes, baseURL: baseURL, limits: limits, makeStream: makeStream)
            if let read { return read }
            var result = SAXDriver.parse(bytes, encoding: encoding, declaredEncodingTrusted: declaredEncodingTrusted,
                                         baseURL: baseURL, limits: limits, stream: makeStream())
            result.strictOutcome = outcome
            return result
        }
        return SAXDriver.parse(bytes, encoding: encoding, declaredEncodingTrusted: declaredEncodingTrusted,
                               baseURL: baseURL, limits: limits, stream: makeStream())
    }

    /// Reads validated UTF-8 `bytes` with `StrictXMLReader` only: the result when it finished,
    /// nil when it declined; and the outcome either way.
    static func readStrictly(_ bytes: [UInt8], baseURL: String?, limits: ParseLimits,
                             makeStream: () -> EntryStream?) -> (SAXResult?, StrictXMLReader.Outcome) {
        let builder = TreeBuilder(limits: limits, baseURL: baseURL, documentSize: bytes.count, stream: makeStream())
        builder.document.textIsValidUTF8 = true
        let outcome = bytes.withUnsafeBufferPointer { StrictXMLReader.read($0, into: builder) }
        guard outcome == .finished else { return (nil, outcome) }
        var result = builder.result(errors: [], errorCount: 0)
        result.strictOutcome = outcome
        return (result, outcome)
    }
}

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
    enum Outcome: Equatable { case finished, declined(line: Int) }

    /// Thrown to abandon the reading. Carries the line of this file that declined, for the
    /// tests' statistics of what sends real feeds to libxml2.
    struct Decline: Error {
        let line: Int
        init(line: Int = #line) { self.line = line }
    }

    /// Reads `bytes` into `builder`. `.finished` also when the builder stopped reading (a
    /// limit, or the entry limit): the builder then holds the result, as after libxml2.
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, into builder: TreeBuilder) -> Outcome {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return .declined(line: #line) }
        var reader = StrictXMLReader(input: base, count: bytes.count, builder: builder)
        defer { reader.deallocate() }
        do {
            try reader.readDocument()
            return .finished
        } catch {
            return .declined(line: error.line)
        }
    }

    /// Bounds libxml2 applies without `XML_PARSE_HUGE`; past them it reports an error, so the
    /// strict reader declines and leaves the document to it.
    private static let libxmlMaxNameLength = 50_000
    private static let libxmlMaxTokenLength = 10_000_000
    private static let libxmlMaxDepth = 256
    /// More attributes on one element than this go to libxml2 (duplicate checks are quadratic).
    private static let maxAttributes = 32

    private let input: UnsafePointer<UInt8>
    private let count: Int
    private var index = 0
    private let builder: TreeBuilder
    private var names = KnownNames.shared.qualifiedNames.copy()
    /// Open elements: where each one's qualified name is in the input, and how many namespace
    /// bindings were in scope before its own.
    private var open = UnmanagedBuffer<OpenElement>(capacity: 32)
    private var bindings = UnmanagedBuffer<Binding>(capacity: 16)
    private var pending = UnmanagedBuffer<PendingAttribute>(capacity: 16)
    /// Attribute values that needed decoding, for the element being read.
    private var scratch = UnmanagedBuffer<UInt8>(capacity: 256)
    /// Prefix ids: 0 is no prefix, 1 `xml`, 2 `xmlns`.
    private var prefixIDs: [String: Int32] = ["": 0, "xml": 1, "xmlns": 2]
    private var xmlNamespace: Int32 = -1
    /// `nameByteKinds` and `textStops`, held here: reading a static costs a call per use.
    private let nameByteKinds = StrictXMLReader.nameByteKindTable
    private let textStops = StrictXMLReader.textStopSet
    /// Text that needed decoding, for the text node being read.
    private var textScratch = UnmanagedBuffer<UInt8>(capacity: 4096)
    /// Whether the innermost open element is a container (see `deliver`).
    private var inContainer = false

    private struct OpenElement {
        var nameStart: Int
        var nameLength: Int
        var bindings: Int
    }

    private struct Binding {
        var prefix: Int32
        var namespace: Int32
    }

    private struct PendingAttribute {
        var name: QualifiedName
        var nameStart: Int
        var nameLength: Int
        /// The value: bytes of the input, or of `scratch` when it needed decoding.
        var inScratch: Bool
        var valueStart: Int
        var valueLength: Int
    }

    private init(input: UnsafePointer<UInt8>, count: Int, builder: TreeBuilder) {
        self.input = input
        self.count = count
        self.builder = builder
    }

    private func deallocate() {
        names.deallocate()
        open.deallocate()
        bindings.deallocate()
        pending.deallocate()
        scratch.deallocate()
        textScratch.deallocate()
    }

    // MARK: Document

    private mutating func readDocument() throws(Decline) {
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
    private mutating func xmlDeclaration() throws(Decline) {
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

    private mutating func equals() throws(Decline) {
        skipSpace()
        guard index < count, input[index] == UInt8(ascii: "=") else { throw Decline() }
        index += 1
        skipSpace()
    }

    /// A quoted value of the XML declaration (short, plain ASCII).
    private mutating func quotedWord() throws(Decline) -> UnsafeBufferPointer<UInt8> {
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
    private mutating func miscellany() throws(Decline) {
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
    private mutating func startTag() throws(Decline) {
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
    private mutating func attribute() throws(Decline) {
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
    private mutating func attributeValue(quote: UInt8, into attribute: inout PendingAttribute) throws(Decline) {
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
    private mutating func declareNamespace(prefix: Int32, _ attribute: PendingAttribute) throws(Decline) {
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
    private func checkDuplicates() throws(Decline) {
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
    private mutating func endTag() throws(Decline) {
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

    private mutating func closeElement() {
        guard let top = open.popLast() else { return }
        bindings.removeLast(bindings.count - top.bindings)
        builder.readerOffset = index
        builder.end()
        inContainer = builder.topDropsWhitespace
    }

    /// `<!-- … -->`; not reported (libxml2's SAX pass has no comment handler here either).
    private mutating func comment() throws(Decline) {
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
    private mutating func processingInstruction() throws(Decline) {
        let start = index
        index += 2
        let targetStart = index
        guard index < count, isNameStart(input[index]) else { throw Decline() }
        while index < count, isNameCharacter(input[index]) { index += 1 }
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
    private mutating func characterData() throws(Decline) {
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
        try deliver(start, index)
        index += 3
    }

    // MARK: Text

    /// Character data up to the next `<`, passed to the builder in one piece.
    private mutating func text() throws(Decline) {
        if inContainer { return try containerText() }
        let start = index
        index = scan(from: index, stops: textStops)
        // The usual text node: nothing to decode before the next tag.
        if index < count && input[index] == UInt8(ascii: "<") {
            try deliver(start, index)
            return
        }
        // Otherwise decode it into `textScratch`.
        textScratch.removeLast(textScratch.count)
        var runStart = start
        while true {
            guard index < count else { break }
            let byte = input[index]
            // Tests in order of frequency: a switch compiled to a jump table whose indirect
            // jump the processor mispredicted at most stops.
            if byte == UInt8(ascii: "&") {
                Self.append(input, runStart, index, to: &textScratch)
                let scalar = try reference()
                Self.appendUTF8(scalar, to: &textScratch)
                runStart = index
            } else if byte == UInt8(ascii: "<") {
                break
            } else if byte == 0x0A || byte == 0x09 {
                index += 1
            } else if byte == UInt8(ascii: ">") {
                if index >= 2 && input[index - 1] == UInt8(ascii: "]") && input[index - 2] == UInt8(ascii: "]") {
                    throw Decline()  // `]]>` outside CDATA
                }
                index += 1
            } else if byte == 0x0D {
                // Line ends become newlines: CRLF drops the CR, a lone CR is a newline.
                Self.append(input, runStart, index, to: &textScratch)
                index += 1
                if index >= count || input[index] != 0x0A { textScratch.append(0x0A) }
                runStart = index
            } else if byte == 0xEF {
                try checkNotNonCharacter()
                index += 1
            } else {
                throw Decline()  // a control character
            }
            index = scan(from: index, stops: textStops)
        }
        Self.append(input, runStart, index, to: &textScratch)
        guard deliver(UnsafeBufferPointer(start: textScratch.baseAddress, count: textScratch.count)) else {
            throw Decline()
        }
    }

    // The appending helpers are static: a method of `self` writing into a buffer of `self`
    // made Swift copy the whole reader for each call.
    /// Text directly inside a container (an item, a channel, an RSS `author`). The builder
    /// keeps such text only in the pieces that are not all whitespace, so the pieces must be
    /// libxml2's: for ASCII text, libxml2 splits it at each reference and before each CRLF,
    /// and nowhere else (short of the boundary of a 256 KiB push chunk), and so does this.
    /// Other text makes libxml2's pieces depend on its buffers: declined.
    private mutating func containerText() throws(Decline) {
        // The usual case, layout between elements: whitespace up to the next tag, which the
        // builder would drop.
        var position = index
        while position < count, input[position] == 0x20 || input[position] == 0x0A || input[position] == 0x09 {
            position += 1
        }
        if position < count && input[position] == UInt8(ascii: "<") {
            index = position
            return
        }
        var runStart = index
        while true {
            index = scan(from: index, stops: textStops)
            guard index < count else { break }
            switch input[index] {
            case UInt8(ascii: "<"):
                try deliverASCIIPiece(runStart, index)
                return
            case UInt8(ascii: "&"):
                try deliverASCIIPiece(runStart, index)
                let scalar = try reference()
                textScratch.removeLast(textScratch.count)
                Self.appendUTF8(scalar, to: &textScratch)
                guard deliver(UnsafeBufferPointer(start: textScratch.baseAddress, count: textScratch.count)) else {
                    throw Decline()
                }
                runStart = index
            case UInt8(ascii: ">"):
                if index >= 2 && input[index - 1] == UInt8(ascii: "]") && input[index - 2] == UInt8(ascii: "]") {
                    throw Decline()
                }
                index += 1
            case 0x09, 0x0A:
                index += 1
            case 0x0D where index + 1 < count && input[index + 1] == 0x0A:
                // libxml2 ends a piece before CRLF and starts the next at its LF.
                try deliverASCIIPiece(runStart, index)
                index += 1
                runStart = index
            default:
                throw Decline()  // a lone carriage return, a control character, 0xEF
            }
        }
        try deliverASCIIPiece(runStart, index)
    }

    private func deliverASCIIPiece(_ start: Int, _ end: Int) throws(Decline) {
        var allWhitespace = true
        for position in start..<end {
            let byte = input[position]
            guard byte < 0x80 else { throw Decline() }
            if allWhitespace && !byte.isASCIIWhitespace { allWhitespace = false }
        }
        // The builder drops a container's whitespace-only pieces (the layout between items):
        // not passing them on is the same and saves the call.
        if allWhitespace { return }
        guard deliver(UnsafeBufferPointer(start: input + start, count: end - start)) else { throw Decline() }
    }

    @inline(__always)
    private static func append(_ input: UnsafePointer<UInt8>, _ start: Int, _ end: Int,
                               to buffer: inout UnmanagedBuffer<UInt8>) {
        if end > start { buffer.append(contentsOf: UnsafeBufferPointer(start: input + start, count: end - start)) }
    }

    /// Passes text from the input to the builder.
    @inline(__always)
    private func deliver(_ start: Int, _ end: Int) throws(Decline) {
        guard end > start else { return }
        guard deliver(UnsafeBufferPointer(start: input + start, count: end - start)) else { throw Decline() }
    }

    /// Passes text to the builder; false to decline (a limit stopped the builder is not a
    /// decline: the reading ends with the builder's error).
    @inline(__always)
    private func deliver(_ chunk: UnsafeBufferPointer<UInt8>) -> Bool {
        builder.characters(chunk)
        return true
    }


    /// A reference at `index` (`&`): XML's five named entities and character references;
    /// anything else (undeclared, or a character XML does not allow) goes to libxml2.
    private mutating func reference() throws(Decline) -> Unicode.Scalar {
        // `&lt;`, `&gt;` and `&amp;`, nearly every reference in escaped HTML, in one load.
        if index + 5 <= count {
            let word = UInt32(littleEndian: UnsafeRawPointer(input + index + 1).loadUnaligned(as: UInt32.self))
            switch word & 0x00FF_FFFF {
            case 0x3B_74_6C:  // "lt;"
                index += 4
                return "<"
            case 0x3B_74_67:  // "gt;"
                index += 4
                return ">"
            default:
                if word == 0x3B_70_6D_61 {  // "amp;"
                    index += 5
                    return "&"
                }
            }
        }
        var position = index + 1
        guard position < count else { throw Decline() }
        if input[position] == UInt8(ascii: "#") {
            position += 1
            var radix: UInt32 = 10
            if position < count && input[position] == UInt8(ascii: "x") {
                radix = 16
                position += 1
            }
            let digitsStart = position
            var value: UInt32 = 0
            while position < count, position - digitsStart < 8 {
                let byte = input[position]
                let digit: UInt32
                if isDigit(byte) {
                    digit = UInt32(byte - 0x30)
                } else if radix == 16, (byte | 0x20) >= 0x61, (byte | 0x20) <= 0x66 {
                    digit = UInt32((byte | 0x20) - 0x61 + 10)
                } else {
                    break
                }
                value = value * radix + digit
                position += 1
            }
            guard position > digitsStart, position < count, input[position] == UInt8(ascii: ";"),
                  Self.isXMLCharacter(value), let scalar = Unicode.Scalar(value) else { throw Decline() }
            index = position + 1
            return scalar
        }
        // The name, packed into an integer for one comparison per entity.
        var packed: UInt32 = 0
        let nameStart = position
        while position < count, position - nameStart < 4, isLetter(input[position]) {
            packed = packed << 8 | UInt32(input[position])
            position += 1
        }
        guard position < count, input[position] == UInt8(ascii: ";") else { throw Decline() }
        let scalar: Unicode.Scalar
        switch packed {
        case 0x6C74: scalar = "<"  // lt
        case 0x6774: scalar = ">"  // gt
        case 0x616D70: scalar = "&"  // amp
        case 0x71756F74: scalar = "\""  // quot
        case 0x61706F73: scalar = "'"  // apos
        default: throw Decline()
        }
        index = position + 1
        return scalar
    }

    /// XML 1.0's Char production.
    private static func isXMLCharacter(_ value: UInt32) -> Bool {
        value == 0x09 || value == 0x0A || value == 0x0D || (value >= 0x20 && value <= 0xD7FF)
            || (value >= 0xE000 && value <= 0xFFFD) || (value >= 0x10000 && value <= 0x10FFFF)
    }

    /// At a 0xEF byte: U+FFFE and U+FFFF are not XML characters.
    private func checkNotNonCharacter() throws(Decline) {
        if index + 2 < count && input[index + 1] == 0xBF && (input[index + 2] == 0xBE || input[index + 2] == 0xBF) {
            throw Decline()
        }
    }

    /// A byte of a comment or processing instruction: no control characters, no U+FFFE/FFFF.
    private func checkCharacter(_ byte: UInt8) throws(Decline) {
        if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D { throw Decline() }
        if byte == 0xEF { try checkNotNonCharacter() }
    }

    // MARK: Names and namespaces

    /// A qualified name at `index` (`local` or `prefix:local`, ASCII), interned.
    private mutating func qualifiedName() throws(Decline) -> QualifiedName {
        let start = index
        guard index < count, isNameStart(input[index]) else { throw Decline() }
        var colon = -1
        while index < count {
            let kind = nameByteKinds[Int(input[index])]
            if kind != 1 {
                guard kind == 2 else { break }
                guard colon < 0 else { throw Decline() }
                colon = index
            }
            index += 1
        }
        let length = index - start
        let key = QualifiedNameTable.key(input + start, length: length, available: count - start)
        guard length <= Self.libxmlMaxNameLength else { throw Decline() }
        if let known = names.find(input + start, key) { return known }
        if colon >= 0 {
            guard colon + 1 < index, isNameStart(input[colon + 1]) else { throw Decline() }
        }
        let qualified = String(knownValidUTF8: UnsafeBufferPointer(start: input + start, count: length))
        var name: QualifiedName
        if colon >= 0 {
            let prefix = String(knownValidUTF8: UnsafeBufferPointer(start: input + start, count: colon - start))
            let local = String(knownValidUTF8: UnsafeBufferPointer(start: input + colon + 1, count: index - colon - 1))
            name = QualifiedName(local: builder.internName(local), prefix: prefixID(prefix),
                                 declares: prefix == "xmlns" ? prefixID(local) : -1)
        } else {
            name = QualifiedName(local: builder.internName(qualified), prefix: 0,
                                 declares: qualified == "xmlns" ? 0 : -1)
        }
        names.insert(input + start, key, name)
        return name
    }

    private mutating func prefixID(_ prefix: String) -> Int32 {
        if let known = prefixIDs[prefix] { return known }
        let id = Int32(prefixIDs.count)
        prefixIDs[prefix] = id
        return id
    }

    /// The namespace of an element with prefix `prefix`: the binding in scope; none for no
    /// prefix and no default namespace; an undeclared prefix goes to libxml2.
    private mutating func namespace(ofElementPrefix prefix: Int32) throws(Decline) -> Int32 {
        if prefix == 1 { return xmlNamespaceIndex() }
        var position = bindings.count - 1
        while position >= 0 {
            if bindings[position].prefix == prefix { return bindings[position].namespace }
            position -= 1
        }
        guard prefix == 0 else { throw Decline() }
        return 0
    }

    /// The namespace of an attribute: none without a prefix (the default does not apply).
    private mutating func namespace(ofAttributePrefix prefix: Int32) throws(Decline) -> Int32 {
        prefix == 0 ? 0 : try namespace(ofElementPrefix: prefix)
    }

    private mutating func xmlNamespaceIndex() -> Int32 {
        if xmlNamespace < 0 { xmlNamespace = builder.internNamespace(XMLNamespace.xml) }
        return xmlNamespace
    }

    // MARK: Bytes

    /// For each byte: 1 for the bytes of an ASCII NCName after its first (`[A-Za-z0-9._-]`),
    /// 2 for `:`, 0 for the rest.
    nonisolated(unsafe) private static let nameByteKindTable: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        table.initialize(repeating: 0, count: 256)
        for byte in 0..<128 where isNameByte(UInt8(byte)) { table[byte] = 1 }
        table[Int(UInt8(ascii: ":"))] = 2
        return UnsafePointer(table)
    }()

    private static func isNameByte(_ byte: UInt8) -> Bool {
        let lower = byte | 0x20
        return (lower >= 0x61 && lower <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    /// Bytes that end a run of text: `<`, `&`, `>` (for `]]>`), 0xEF (for U+FFFE/FFFF) and
    /// every byte below 0x20 (control characters; tab and newline are let through after).
    private static let textStopSet = StopSet(equal: [UInt8(ascii: "<"), UInt8(ascii: "&"), UInt8(ascii: ">"), 0xEF])
    /// In CDATA: `]` (for `]]>`), 0xEF and control characters.
    private static let cdataStops = StopSet(equal: [UInt8(ascii: "]"), 0xEF, 0xEF, 0xEF])

    private struct StopSet {
        let patterns: (UInt64, UInt64, UInt64, UInt64)
        let bytes: (UInt8, UInt8, UInt8, UInt8)
        init(equal bytes: [UInt8]) {
            let ones: UInt64 = 0x0101_0101_0101_0101
            self.bytes = (bytes[0], bytes[1], bytes[2], bytes[3])
            patterns = (ones &* UInt64(bytes[0]), ones &* UInt64(bytes[1]), ones &* UInt64(bytes[2]),
                        ones &* UInt64(bytes[3]))
        }

        @inline(__always)
        func contains(_ byte: UInt8) -> Bool {
            byte < 0x20 || byte == bytes.0 || byte == bytes.1 || byte == bytes.2 || byte == bytes.3
        }
    }

    /// The index of the first byte at or after `start` in `stops`, or `count`: eight bytes a
    /// step (a mask per stop byte; the lowest set bit of their union is exact).
    @inline(__always)
    private func scan(from start: Int, stops: StopSet) -> Int {
        var position = start
        while position + 8 <= count {
            let word = ByteSearch.word(at: input + position)
            let hits = ByteSearch.bytesBelow(0x20, in: word)
                | ByteSearch.bytesBelow(1, in: word ^ stops.patterns.0)
                | ByteSearch.bytesBelow(1, in: word ^ stops.patterns.1)
                | ByteSearch.bytesBelow(1, in: word ^ stops.patterns.2)
                | ByteSearch.bytesBelow(1, in: word ^ stops.patterns.3)
            if hits != 0 { return position + hits.trailingZeroBitCount >> 3 }
            position += 8
        }
        while position < count {
            if stops.contains(input[position]) { return position }
            position += 1
        }
        return count
    }

    /// Skips XML whitespace; whether there was any.
    @discardableResult
    private mutating func skipSpace() -> Bool {
        let start = index
        while index < count, isSpace(input[index]) { index += 1 }
        return index > start
    }

    private func startsWith(_ literal: StaticString) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard index + length <= count else { return false }
        return memcmp(input + index, literal.utf8Start, length) == 0
    }

    private func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
    }

    private func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// `[A-Za-z_]`: an ASCII name's first byte (a colon may not start a qualified name).
    private func isNameStart(_ byte: UInt8) -> Bool { isLetter(byte) || byte == UInt8(ascii: "_") }

    /// `[A-Za-z0-9._-]`: the ASCII bytes of an NCName after the first.
    @inline(__always)
    private func isNameCharacter(_ byte: UInt8) -> Bool {
        // Bit n of the mask pair is set for the name bytes among 0–127.
        let low: UInt64 = 0x03FF_6000_0000_0000  // '-' '.' '0'…'9'
        let high: UInt64 = 0x07FF_FFFE_87FF_FFFE  // 'A'…'Z' '_' 'a'…'z'
        if byte < 64 { return (low >> UInt64(byte)) & 1 != 0 }
        if byte < 128 { return (high >> UInt64(byte - 64)) & 1 != 0 }
        return false
    }

    @inline(__always)
    private static func appendUTF8(_ scalar: Unicode.Scalar, to buffer: inout UnmanagedBuffer<UInt8>) {
        if scalar.isASCII {
            buffer.append(UInt8(truncatingIfNeeded: scalar.value))
        } else {
            for unit in UTF8.encode(scalar)! { buffer.append(unit) }
        }
    }
}

/// An interned qualified name: the local name's index in the document's names, the
/// prefix's id (0 none, 1 `xml`, 2 `xmlns`), and for a namespace declaration
/// (`xmlns`, `xmlns:p`) the id of the prefix it declares (0 for the default), else -1.
struct QualifiedName {
    var local: Int32
    var prefix: Int32
    var declares: Int32
}

/// Qualified names by their bytes in the input, which outlives the table: an open-addressing
/// table, a few dozen entries for a feed. A name's first sixteen bytes, loaded as two words,
/// are its hash and (with its length) its identity; longer names are compared in full.
struct QualifiedNameTable {
    /// A name's first sixteen bytes as two little-endian words (zero past its end), and a hash.
    struct Key {
        var first: UInt64
        var second: UInt64
        var length: Int
        var hash: Int
    }

    private struct Slot {
        var key: Key
        var bytes: UnsafePointer<UInt8>?
        var name: QualifiedName
    }

    private var slots: UnsafeMutablePointer<Slot>
    private var capacity = 64
    private var used = 0
    private static var empty: Slot {
        Slot(key: Key(first: 0, second: 0, length: 0, hash: 0), bytes: nil, name: QualifiedName(local: 0, prefix: 0, declares: -1))
    }

    init() {
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Self.empty, count: capacity)
    }

    /// A table of `names`, unprefixed, with the indexes they have in `names`: the template
    /// `KnownNames` keeps for the life of the process (its bytes are never freed).
    init(knownNames names: [String]) {
        capacity = 64
        while capacity < names.count * 4 { capacity *= 2 }
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Self.empty, count: capacity)
        for (index, name) in names.enumerated() {
            let utf8 = Array(name.utf8)
            // Sixteen bytes of padding: `key` reads whole words.
            let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: utf8.count + 16)
            bytes.initialize(repeating: 0, count: utf8.count + 16)
            bytes.update(from: utf8, count: utf8.count)
            let key = Self.key(bytes, length: utf8.count, available: utf8.count + 16)
            insert(bytes, key, QualifiedName(local: Int32(index), prefix: 0, declares: -1))
        }
    }

    /// A table of its own with the same entries.
    func copy() -> QualifiedNameTable {
        var copy = self
        copy.slots = .allocate(capacity: capacity)
        copy.slots.initialize(from: slots, count: capacity)
        return copy
    }

    func deallocate() {
        slots.deallocate()
    }

    /// The key of the `length` bytes at `bytes`, of which `available` may be read.
    @inline(__always)
    static func key(_ bytes: UnsafePointer<UInt8>, length: Int, available: Int) -> Key {
        var first: UInt64 = 0
        var second: UInt64 = 0
        if available >= 16 {
            first = ByteSearch.word(at: bytes)
            second = ByteSearch.word(at: bytes + 8)
            if length < 8 {
                first &= (1 << UInt64(8 * length)) &- 1
                second = 0
            } else if length < 16 {
                second &= (1 << UInt64(8 * (length - 8))) &- 1
            }
        } else {
            for offset in 0..<min(length, 16) {
                if offset < 8 {
                    first |= UInt64(bytes[offset]) << UInt64(8 * offset)
                } else {
                    second |= UInt64(bytes[offset]) << UInt64(8 * (offset - 8))
                }
            }
        }
        let mixed = (first &* 0x9E37_79B9_7F4A_7C15) ^ (second &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(length)
        return Key(first: first, second: second, length: length, hash: Int(truncatingIfNeeded: mixed ^ (mixed >> 29)))
    }

    @inline(__always)
    func find(_ bytes: UnsafePointer<UInt8>, _ key: Key) -> QualifiedName? {
        let mask = capacity - 1
        var position = key.hash & mask
        while let stored = slots[position].bytes {
            let candidate = slots[position].key
            if candidate.first == key.first && candidate.second == key.second && candidate.length == key.length
                && (key.length <= 16 || memcmp(stored, bytes, key.length) == 0) {
                return slots[position].name
            }
            position = (position + 1) & mask
        }
        return nil
    }

    mutating func insert(_ bytes: UnsafePointer<UInt8>, _ key: Key, _ name: QualifiedName) {
        if (used + 1) * 2 > capacity { grow() }
        let mask = capacity - 1
        var position = key.hash & mask
        while slots[position].bytes != nil { position = (position + 1) & mask }
        slots[position] = Slot(key: key, bytes: bytes, name: name)
        used += 1
    }

    private mutating func grow() {
        let old = slots
        let oldCapacity = capacity
        capacity *= 2
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Self.empty, count: capacity)
        used = 0
        for position in 0..<oldCapacity {
            if let bytes = old[position].bytes { insert(bytes, old[position].key, old[position].name) }
        }
        old.deallocate()
    }
}

internal import CLibXML2
import FeedWatchModel

/// What the SAX pass produced: the element tree (nil when no element was seen), libxml2's
/// complaints (which become warnings), and the first limit that was hit.
struct SAXResult {
    /// The tree; the caller keeps it alive while it uses `root` (see `XMLElement`).
    var document: XMLDocument
    var root: XMLElement? { document.root }
    var errors: [String]
    var errorCount: Int
    var limitError: ParseError?
    /// Reading stopped at `ParseLimits.maxEntries`: the tree holds the entries before it.
    var entryLimitReached = false
}

/// Runs libxml2's SAX2 push parser in recover mode over a UTF-8 (or libxml2-decodable)
/// document and builds an `XMLElement` tree. The only file that touches libxml2's XML parser.
enum SAXDriver {
    /// Secure options: recover broken feeds; never touch the network; CDATA as text.
    /// Never NOENT, DTDLOAD or HUGE (HUGE turns off libxml2's amplification guards).
    private static let baseOptions: Int32 = Int32(
        XML_PARSE_RECOVER.rawValue | XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue
            | XML_PARSE_COMPACT.rawValue)

    /// Feeds the document in slices so a stop requested from a callback (a limit) takes
    /// effect promptly rather than after libxml2 has consumed the whole buffer.
    private static let chunkSize = 256 * 1024

    /// Parses `bytes`. `encoding` forces a character encoding and ignores the document's own
    /// declaration (nil: bytes are UTF-8 already, or libxml2 decides from the declaration).
    /// Items and entries that `stream` decodes as they close leave only a stub in the tree.
    static func parse(_ bytes: [UInt8], encoding: String?, declaredEncodingTrusted: Bool, baseURL: String?,
                      limits: ParseLimits, stream: EntryStream? = nil) -> SAXResult {
        LibXML2.setUpOnce()
        let builder = TreeBuilder(limits: limits, baseURL: baseURL, documentSize: bytes.count, stream: stream)
        // Bytes libxml2 reads as UTF-8 without decoding them were validated or transcoded by
        // `EncodingSniffer` (callers pass them this way only then): libxml2 hands out
        // substrings of them and characters it encodes itself.
        builder.document.textIsValidUTF8 = encoding == nil && !declaredEncodingTrusted
        var handler = xmlSAXHandler()
        handler.initialized = UInt32(XML_SAX2_MAGIC)
        handler.startElementNs = saxStartElement
        handler.endElementNs = saxEndElement
        handler.characters = saxCharacters
        handler.ignorableWhitespace = saxCharacters
        handler.reference = saxReference
        handler.serror = saxError
        // Deliberately nil: entityDecl/getEntity (so no entity declared in a DTD is ever
        // expanded: billion laughs and XXE become inert), externalSubset and resolveEntity
        // (nothing is ever loaded), startDocument (no libxml2 tree is built).

        let userData = Unmanaged.passUnretained(builder).toOpaque()
        guard let ctxt = xmlCreatePushParserCtxt(&handler, userData, nil, 0, nil) else {
            return SAXResult(document: XMLDocument(), errors: ["parser: libxml2 could not create a parser"],
                             errorCount: 1, limitError: nil)
        }
        defer { xmlFreeParserCtxt(ctxt) }
        var options = baseOptions
        if let encoding {
            _ = xmlCtxtResetPush(ctxt, nil, 0, nil, encoding)
            options |= Int32(XML_PARSE_IGNORE_ENC.rawValue)
        } else if !declaredEncodingTrusted {
            options |= Int32(XML_PARSE_IGNORE_ENC.rawValue)
        }
        _ = xmlCtxtUseOptions(ctxt, options)
        builder.context = ctxt

        withExtendedLifetime(builder) {
            bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else {
                    _ = xmlParseChunk(ctxt, nil, 0, 1)
                    return
                }
                var offset = 0
                while offset < buffer.count && !builder.stopped {
                    let length = min(chunkSize, buffer.count - offset)
                    let pointer = UnsafeRawPointer(base + offset).assumingMemoryBound(to: CChar.self)
                    _ = xmlParseChunk(ctxt, pointer, Int32(length), 0)
                    offset += length
                }
                if !builder.stopped { _ = xmlParseChunk(ctxt, nil, 0, 1) }
            }
        }
        builder.context = nil
        builder.document.finish()
        var errors = builder.errors
        if builder.impliedCloses > 0 {
            errors.append("\(builder.impliedCloses) item(s) or entr(ies) started before the previous one was closed")
        }
        return SAXResult(document: builder.document, errors: errors,
                         errorCount: builder.errorCount + builder.impliedCloses, limitError: builder.limitError,
                         entryLimitReached: builder.entryLimitReached)
    }
}

/// Process-wide libxml2 set-up, done once.
enum LibXML2 {
    private static let setUp: Void = {
        xmlInitParser()
        // XML_PARSE_NONET does not block file:// — refuse every external entity outright.
        xmlSetExternalEntityLoader(denyAllEntityLoader)
    }()

    static func setUpOnce() { _ = setUp }
}

private func denyAllEntityLoader(_ url: UnsafePointer<CChar>?, _ id: UnsafePointer<CChar>?,
                                 _ context: xmlParserCtxtPtr?) -> xmlParserInputPtr? {
    nil
}

/// Receives SAX events and grows the tree. Lives for one parse.
private final class TreeBuilder {
    let limits: ParseLimits
    let document: XMLDocument
    /// Index into `document.strings` of the document URL, the base of every element; -1 for none.
    let documentBase: Int32
    var context: xmlParserCtxtPtr?
    /// Decodes items and entries as they close (nil: keep the whole tree).
    let stream: EntryStream?
    /// The size of the document, for `EntryStream.reserveForDocument`.
    let documentSize: Int
    /// Where the buffers stood when each open item or entry opened (for `stream`); marks of
    /// entries closed implicitly linger below and are dropped when an enclosing one closes.
    @exclusivity(unchecked) private var entryMarks = UnmanagedBuffer<XMLDocument.Mark>()
    /// The open elements of the tree being built (record indexes).
    @exclusivity(unchecked) var stack = UnmanagedBuffer<Int32>(capacity: 32)
    /// The open elements as libxml2 sees them; differs from `stack` after an implied close.
    @exclusivity(unchecked) var openElements = UnmanagedBuffer<Int32>(capacity: 32)
    /// Items or entries that started while the previous one was still open.
    var impliedCloses = 0
    var errors: [String] = []
    var errorCount = 0
    var limitError: ParseError?
    var stopped = false
    /// Items and entries opened so far, against `ParseLimits.maxEntries`.
    private var entriesOpened = 0
    private(set) var entryLimitReached = false
    /// libxml2 hands out names and namespace URIs interned in its dictionary: the same pointer
    /// for the same string for the whole parse. A pointer-keyed table answers almost every
    /// lookup without making a String; a miss goes through the string maps, so one string
    /// always gets one index.
    @exclusivity(unchecked) private var nameTable = PointerTable()
    @exclusivity(unchecked) private var namespaceTable = PointerTable()
    private var nameIndexes: [String: Int32] = [:]
    private var namespaceIndexes: [String: Int32] = ["": 0]
    /// Per interned name: whether it is a container, and whether it is `item` or `entry`.
    @exclusivity(unchecked) private var nameFlags: [(isContainer: Bool, isEntry: Bool)] = []

    init(limits: ParseLimits, baseURL: String?, documentSize: Int, stream: EntryStream?) {
        self.limits = limits
        self.documentSize = documentSize
        self.stream = stream
        // Text is rarely longer than the document (entities shrink; only a transcoded legacy
        // encoding grows it). When items are decoded as they close, the buffers only ever
        // hold the channel and one item: starting small keeps them in the cache and spares
        // faulting in pages for a large document's worth of memory.
        let expected = stream == nil ? documentSize : min(documentSize, 256 * 1024)
        document = XMLDocument(textCapacity: expected)
        if let baseURL {
            document.strings.append(baseURL)
            documentBase = 0
        } else {
            documentBase = -1
        }
        // Feeds use a few dozen distinct names: no rehashing while they are first seen.
        nameIndexes.reserveCapacity(64)
        nameFlags.reserveCapacity(64)
        document.names.reserveCapacity(64)
        // One element per ~40 bytes is about as dense as feeds get: reserving that up front
        // saves growing the array by copying.
        document.records.reserveCapacity(max(256, expected / 40))
    }

    deinit {
        stack.deallocate()
        openElements.deallocate()
        entryMarks.deallocate()
    }

    /// Elements that only hold other elements; their whitespace text is layout.
    static let containers: Set<String> = [
        "rss", "channel", "item", "RDF", "feed", "entry", "author", "contributor", "image", "textinput", "textInput",
        "items", "Seq", "group", "owner",
    ]

    func nameIndex(_ pointer: UnsafePointer<xmlChar>?) -> Int32 {
        guard let pointer else { return internName("") }
        if let known = nameTable.find(UnsafeRawPointer(pointer)) { return known }
        let index = internName(String(cString: pointer))
        nameTable.insert(UnsafeRawPointer(pointer), index)
        return index
    }

    private func internName(_ name: String) -> Int32 {
        if let known = nameIndexes[name] { return known }
        let index = Int32(document.names.count)
        document.names.append(name)
        nameFlags.append((TreeBuilder.containers.contains(name), name == "item" || name == "entry"))
        nameIndexes[name] = index
        return index
    }

    func namespaceIndex(_ pointer: UnsafePointer<xmlChar>) -> Int32 {
        if let known = namespaceTable.find(UnsafeRawPointer(pointer)) { return known }
        let index = internNamespace(String(cString: pointer))
        namespaceTable.insert(UnsafeRawPointer(pointer), index)
        return index
    }

    private func internNamespace(_ uri: String) -> Int32 {
        if let known = namespaceIndexes[uri] { return known }
        let index = Int32(document.namespaceURIs.count)
        document.namespaceURIs.append(uri)
        document.namespaceKinds.append(NS(uri: uri))
        namespaceIndexes[uri] = index
        return index
    }

    /// The namespace of a name: its URI, else the well-known URI of an undeclared prefix
    /// (`<dc:creator>` without `xmlns:dc`, which libxml2 reports and passes on without one).
    private func namespaceIndex(uri: UnsafePointer<xmlChar>?, prefix: UnsafePointer<xmlChar>?) -> Int32 {
        if let uri { return namespaceIndex(uri) }
        if let prefix, let known = XMLNamespace.forUndeclaredPrefix(String(cString: prefix)) {
            return internNamespace(known)
        }
        return 0
    }

    func stop(_ error: ParseError) {
        if limitError == nil { limitError = error }
        stopped = true
        if let context { xmlStopParser(context) }
    }

    func start(localname: UnsafePointer<xmlChar>?, prefix: UnsafePointer<xmlChar>?, uri: UnsafePointer<xmlChar>?,
               attributeCount: Int, attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        if stopped { return }
        if openElements.count >= limits.maxDepth {
            stop(ParseError(code: .limitExceeded, message: "elements nested deeper than \(limits.maxDepth) levels"))
            return
        }
        // Records and attributes are numbered with Int32: only a document of gigabytes could
        // get there, and it stops here rather than trapping.
        if document.records.count >= Int(Int32.max) - 1
            || document.attributes.count + attributeCount >= Int(Int32.max) {
            stop(ParseError(code: .limitExceeded, message: "more than \(Int32.max) elements or attributes"))
            return
        }
        let namespace = namespaceIndex(uri: uri, prefix: prefix)
        let name = nameIndex(localname)
        let flags = nameFlags[Int(name)]
        if flags.isEntry {
            if entriesOpened == limits.maxEntries {
                // Not an error: keep what was read, stop reading.
                entryLimitReached = true
                stopped = true
                if let context { xmlStopParser(context) }
                return
            }
            entriesOpened += 1
            closeOpenEntry(named: name, namespace: namespace)
        }
        if stack.isEmpty && !document.records.isEmpty {
            // A second root element: recover by reading it as more children of the first.
            stack.append(0)
        }
        let parent = stack.last ?? -1

        var base = parent >= 0 ? document.records[Int(parent)].base : documentBase
        var lang = parent >= 0 ? document.records[Int(parent)].lang : -1
        let attributeStart = document.attributes.count
        if attributeCount > 0, let attributes {
            for index in 0..<attributeCount {
                let fields = attributes + index * 5
                let attributeName = nameIndex(fields[0])
                let attributeNamespace = namespaceIndex(uri: fields[2], prefix: fields[1])
                let valueStart = document.attributeBytes.count
                if let start = fields[3], let end = fields[4] {
                    document.attributeBytes.append(contentsOf: UnsafeBufferPointer(start: start, count: start.distance(to: end)))
                }
                let attribute = XMLDocument.Attribute(name: attributeName, namespace: attributeNamespace,
                                                      valueStart: valueStart, valueEnd: document.attributeBytes.count)
                document.attributes.append(attribute)
                if document.namespaceKinds[Int(attributeNamespace)] == .xml {
                    let attributeName = document.names[Int(attributeName)]
                    if attributeName == "base" || attributeName == "lang" {
                        let value = document.attributeValue(attribute)
                        if attributeName == "base" {
                            let current = base >= 0 ? document.strings[Int(base)] : nil
                            base = Int32(document.strings.count)
                            document.strings.append(URLResolver.resolve(value, against: current))
                        } else {
                            lang = Int32(document.strings.count)
                            document.strings.append(value)
                        }
                    }
                }
            }
        }
        let index = Int32(document.records.count)
        document.records.append(XMLDocument.Record(
            name: name, namespace: namespace, ns: document.namespaceKinds[Int(namespace)],
            dropsWhitespace: flags.isContainer, attributeStart: Int32(attributeStart),
            attributeCount: Int32(document.attributes.count - attributeStart), base: base, lang: lang,
            textOffset: parent >= 0 ? document.textCount(Int(parent)) : 0))
        if parent >= 0 {
            let previous = document.records[Int(parent)].lastChild
            if previous >= 0 {
                document.records[Int(previous)].nextSibling = index
            } else {
                document.records[Int(parent)].firstChild = index
            }
            document.records[Int(parent)].lastChild = index
            document.records[Int(parent)].childCount += 1
        }
        stack.append(index)
        openElements.append(index)
        if flags.isEntry && stream != nil { entryMarks.append(document.mark(for: index)) }
    }

    /// An item (or entry) cannot contain another in the same namespace: a new one while one
    /// is open means the previous one lost its end tag (or an unclosed `<b>` inside it made
    /// libxml2 close the wrong element). Close it, as a reader would. Elements of another
    /// namespace in between (Simple Sharing's conflict copies) mean the nesting is deliberate.
    private func closeOpenEntry(named name: Int32, namespace: Int32) {
        var position = stack.count - 1
        while position >= 0 {
            let open = document.records[Int(stack[position])]
            if open.namespace != namespace { return }
            if open.name == name {
                stack.removeSuffix(from: position)
                impliedCloses += 1
                return
            }
            position -= 1
        }
    }

    func end() {
        if stopped { return }
        guard let closing = openElements.popLast() else { return }
        guard let position = stack.lastIndex(of: closing) else { return }
        if position == stack.count - 1 {
            if let stream, nameFlags[Int(document.records[Int(closing)].name)].isEntry {
                offer(closing, at: position, to: stream)
            }
            stack.removeLast(1)
        } else {
            stack.removeSuffix(from: position)
        }
    }

    /// Offers an item or entry that has just closed, with nothing of it still open, to the
    /// stream; when the stream decodes it, its subtree gives its memory back.
    private func offer(_ closing: Int32, at position: Int, to stream: EntryStream) {
        while let last = entryMarks.last, last.record > closing { entryMarks.removeLast(1) }
        guard let mark = entryMarks.last, mark.record == closing else { return }
        entryMarks.removeLast(1)
        // The decoder reads each element's text as one run.
        document.finish(from: Int(closing))
        if let slot = stream.entryClosed(XMLElement(document: document, index: closing),
                                         ancestors: stack.prefix(position)) {
            document.replaceSubtree(mark, withEntrySlot: slot)
            if slot == EntryStream.sampleEntries - 1, let context {
                stream.reserveForDocument(consumed: Int(xmlByteConsumed(context)), total: documentSize,
                                          limit: limits.maxEntries)
            }
        }
    }

    /// One SAX text event: the usual case inline, the rest in `appendCharacters`.
    @inline(__always)
    func characters(_ pointer: UnsafePointer<xmlChar>?, _ length: Int) {
        guard !stopped, let pointer, length > 0, let top = stack.last else { return }
        let chunk = UnsafeBufferPointer(start: pointer, count: length)
        if !document.appendTextQuickly(chunk, to: Int(top), limit: limits.maxTextBytes) {
            appendCharacters(chunk, to: top)
        }
    }

    @inline(never)
    private func appendCharacters(_ chunk: UnsafeBufferPointer<UInt8>, to top: Int32) {
        if document.records[Int(top)].dropsWhitespace && chunk.allSatisfy({ $0.isASCIIWhitespace }) { return }
        if !document.appendText(chunk, to: Int(top), limit: limits.maxTextBytes) {
            let name = document.names[Int(document.records[Int(top)].name)]
            stop(ParseError(code: .limitExceeded,
                            message: "a text node is larger than \(limits.maxTextBytes) bytes (element <\(name)>)"))
        }
    }

    func reference(_ entityName: UnsafePointer<xmlChar>?) {
        // Reached for an undeclared entity when the document has a DTD: read it as HTML.
        guard !stopped, let entityName, let top = stack.last,
              let codePoint = HTMLEntities.codePoint(named: entityName),
              let scalar = Unicode.Scalar(codePoint) else { return }
        var character = String(Character(scalar))
        character.withUTF8 { _ = document.appendText($0, to: Int(top)) }
    }

    func error(_ error: UnsafePointer<xmlError>) {
        errorCount += 1
        guard errors.count < 20 else { return }
        let message = error.pointee.message.map { String(cString: $0) }?.trimmingASCIIWhitespace() ?? "error"
        errors.append("line \(error.pointee.line): \(message)")
    }
}

/// The builder behind libxml2's user-data pointer, borrowed for one callback without a
/// retain and release (two atomic operations per SAX event otherwise).
@inline(__always)
private func withBuilder(_ context: UnsafeMutableRawPointer?, _ body: (TreeBuilder) -> Void) {
    guard let context else { return }
    Unmanaged<TreeBuilder>.fromOpaque(context)._withUnsafeGuaranteedRef(body)
}

private func saxStartElement(
    _ context: UnsafeMutableRawPointer?, _ localname: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
    _ uri: UnsafePointer<xmlChar>?, _ namespaceCount: Int32,
    _ namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, _ attributeCount: Int32, _ defaultedCount: Int32,
    _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
) {
    withBuilder(context) {
        $0.start(localname: localname, prefix: prefix, uri: uri, attributeCount: Int(attributeCount),
                 attributes: attributes)
    }
}

private func saxEndElement(_ context: UnsafeMutableRawPointer?, _ localname: UnsafePointer<xmlChar>?,
                           _ prefix: UnsafePointer<xmlChar>?, _ uri: UnsafePointer<xmlChar>?) {
    withBuilder(context) { $0.end() }
}

private func saxCharacters(_ context: UnsafeMutableRawPointer?, _ characters: UnsafePointer<xmlChar>?, _ length: Int32) {
    withBuilder(context) { $0.characters(characters, Int(length)) }
}

private func saxReference(_ context: UnsafeMutableRawPointer?, _ name: UnsafePointer<xmlChar>?) {
    withBuilder(context) { $0.reference(name) }
}

private func saxError(_ context: UnsafeMutableRawPointer?, _ error: xmlErrorPtr?) {
    guard let error else { return }
    withBuilder(context) { $0.error(error) }
}

extension String {
    /// Replaces every occurrence of `target` (ASCII) with `replacement`, on UTF-8 bytes.
    func replacingAll(_ target: String, with replacement: String) -> String {
        let bytes = Array(utf8)
        let needle = Array(target.utf8)
        guard !needle.isEmpty, bytes.count >= needle.count else { return self }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == needle[0], index + needle.count <= bytes.count,
               bytes[index..<index + needle.count].elementsEqual(needle) {
                out.append(contentsOf: replacement.utf8)
                index += needle.count
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// An open-addressing hash table from a libxml2 dictionary pointer to an interned index:
/// a multiply-shift hash and linear probing, a few instructions per lookup where a
/// `Dictionary` hashed with SipHash cost hundreds per element.
private struct PointerTable {
    private var keys = [UnsafeRawPointer?](repeating: nil, count: 64)
    private var values = [Int32](repeating: 0, count: 64)
    private var count = 0
    private var shift = 58  // 64 - log2(capacity)

    @inline(__always)
    private func slot(_ key: UnsafeRawPointer) -> Int {
        Int(truncatingIfNeeded: (UInt64(UInt(bitPattern: key)) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    func find(_ key: UnsafeRawPointer) -> Int32? {
        let mask = keys.count - 1
        var position = slot(key)
        while let stored = keys[position] {
            if stored == key { return values[position] }
            position = (position + 1) & mask
        }
        return nil
    }

    mutating func insert(_ key: UnsafeRawPointer, _ value: Int32) {
        if (count + 1) * 2 > keys.count { grow() }
        let mask = keys.count - 1
        var position = slot(key)
        while keys[position] != nil { position = (position + 1) & mask }
        keys[position] = key
        values[position] = value
        count += 1
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        keys = [UnsafeRawPointer?](repeating: nil, count: oldKeys.count * 2)
        values = [Int32](repeating: 0, count: oldKeys.count * 2)
        shift -= 1
        count = 0
        for (position, key) in oldKeys.enumerated() {
            if let key { insert(key, oldValues[position]) }
        }
    }
}

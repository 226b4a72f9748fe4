internal import CLibXML2
import FeedWatchModel

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
        let receiver = SAXReceiver(builder: builder)
        var handler = xmlSAXHandler()
        handler.initialized = UInt32(XML_SAX2_MAGIC)
        handler.startElementNs = saxStartElement
        handler.endElementNs = saxEndElement
        handler.characters = saxCharacters
        handler.ignorableWhitespace = saxCharacters
        handler.reference = saxReference
        handler.serror = saxError
        // Declarations are not kept (no entity declared in a DTD is ever expanded: billion
        // laughs and XXE stay inert); these handlers only count the names they bring.
        handler.entityDecl = saxEntityDeclaration
        handler.elementDecl = saxElementDeclaration
        handler.attributeDecl = saxAttributeDeclaration
        handler.processingInstruction = saxProcessingInstruction
        // Deliberately nil: getEntity (nothing declared is found), externalSubset and
        // resolveEntity (nothing is ever loaded), startDocument (no libxml2 tree is built).

        let userData = Unmanaged.passUnretained(receiver).toOpaque()
        guard let ctxt = xmlCreatePushParserCtxt(&handler, userData, nil, 0, nil) else {
            return SAXResult(document: XMLDocument(), errors: ["parser: libxml2 could not create a parser"],
                             errorCount: 1, limitError: nil, stream: stream)
        }
        defer {
            // An entity declaration makes libxml2 keep a stand-in document ("SAX compatibility
            // mode") that the parser context does not free (found by the fuzzer's leak check).
            if let document = ctxt.pointee.myDoc {
                ctxt.pointee.myDoc = nil
                xmlFreeDoc(document)
            }
            xmlFreeParserCtxt(ctxt)
        }
        receiver.context = ctxt
        var options = baseOptions
        if let encoding {
            _ = xmlCtxtResetPush(ctxt, nil, 0, nil, encoding)
            options |= Int32(XML_PARSE_IGNORE_ENC.rawValue)
        } else if !declaredEncodingTrusted {
            options |= Int32(XML_PARSE_IGNORE_ENC.rawValue)
        }
        _ = xmlCtxtUseOptions(ctxt, options)
        builder.stopReading = { xmlStopParser(ctxt) }
        builder.bytesConsumed = { Int(xmlByteConsumed(ctxt)) }

        withExtendedLifetime(receiver) {
            bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else {
                    _ = xmlParseChunk(ctxt, nil, 0, 1)
                    return
                }
                var offset = 0
                var budget = MarkupBudget(limits: limits)
                while offset < buffer.count && !builder.stopped {
                    let length = min(chunkSize, buffer.count - offset)
                    // Every tag libxml2 can finish in this slice is counted first (see MarkupBudget).
                    if let tooMany = budget.check(buffer, through: offset + length) {
                        builder.stop(tooMany)
                        break
                    }
                    let pointer = UnsafeRawPointer(base + offset).assumingMemoryBound(to: CChar.self)
                    _ = xmlParseChunk(ctxt, pointer, Int32(length), 0)
                    offset += length
                }
                if !builder.stopped { _ = xmlParseChunk(ctxt, nil, 0, 1) }
            }
        }
        builder.stopReading = {}
        builder.bytesConsumed = { 0 }
        return builder.result(errors: receiver.errors, errorCount: receiver.errorCount)
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

/// Receives libxml2's SAX events and passes them to a `TreeBuilder`, translating names
/// and namespace URIs from libxml2's dictionary pointers to the tree's interned indexes.
private final class SAXReceiver {
    let builder: TreeBuilder
    var context: xmlParserCtxtPtr?
    var errors: [String] = []
    var errorCount = 0
    /// libxml2 hands out names and namespace URIs interned in its dictionary: the same pointer
    /// for the same string for the whole parse. A pointer-keyed table answers almost every
    /// lookup without making a String; a miss goes through the builder's string maps, so one
    /// string always gets one index.
    @exclusivity(unchecked) private var nameTable = PointerTable()
    @exclusivity(unchecked) private var namespaceTable = PointerTable()

    init(builder: TreeBuilder) {
        self.builder = builder
    }

    func nameIndex(_ pointer: UnsafePointer<xmlChar>?) -> Int32 {
        guard let pointer else { return builder.internName("") }
        if let known = nameTable.find(UnsafeRawPointer(pointer)) { return known }
        let index = builder.internName(String(cString: pointer))
        nameTable.insert(UnsafeRawPointer(pointer), index)
        return index
    }

    func namespaceIndex(_ pointer: UnsafePointer<xmlChar>) -> Int32 {
        if let known = namespaceTable.find(UnsafeRawPointer(pointer)) { return known }
        let index = builder.internNamespace(String(cString: pointer))
        namespaceTable.insert(UnsafeRawPointer(pointer), index)
        return index
    }

    /// The namespace of a name: its URI, else the well-known URI of an undeclared prefix
    /// (`<dc:creator>` without `xmlns:dc`, which libxml2 reports and passes on without one).
    private func namespaceIndex(uri: UnsafePointer<xmlChar>?, prefix: UnsafePointer<xmlChar>?) -> Int32 {
        if let uri { return namespaceIndex(uri) }
        if let prefix, let known = XMLNamespace.forUndeclaredPrefix(String(cString: prefix)) {
            return builder.internNamespace(known)
        }
        return 0
    }

    /// Stops reading once libxml2 holds more distinct names than `ParseLimits.maxNames` (each
    /// new one costs it more than the last). Called from every callback that follows libxml2
    /// interning names: element starts, errors (mismatched end tags, undefined entities), DTD
    /// declarations and processing instructions.
    func checkNames() {
        guard let context, let dictionary = context.pointee.dict,
              Int(xmlDictSize(dictionary)) > builder.limits.maxNames else { return }
        builder.stop(ParseError(code: .limitExceeded,
                                message: "more than \(builder.limits.maxNames) distinct names in the document"))
    }

    func start(localname: UnsafePointer<xmlChar>?, prefix: UnsafePointer<xmlChar>?, uri: UnsafePointer<xmlChar>?,
               attributeCount: Int, attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        if builder.stopped { return }
        if let context {
            // nsTab holds a prefix and a URI per binding.
            if Int(context.pointee.nsNr) / 2 > builder.limits.maxNamespaces {
                builder.stop(ParseError(code: .limitExceeded,
                                        message: "more than \(builder.limits.maxNamespaces) namespace declarations in scope"))
                return
            }
            checkNames()
            if builder.stopped { return }
        }
        let namespace = namespaceIndex(uri: uri, prefix: prefix)
        let name = nameIndex(localname)
        guard builder.canOpen(name: name, namespace: namespace, attributeCount: attributeCount) else { return }
        let attributeStart = builder.document.attributes.count
        if attributeCount > 0, let attributes {
            for index in 0..<attributeCount {
                let fields = attributes + index * 5
                var value = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
                if let start = fields[3], let end = fields[4] {
                    value = UnsafeBufferPointer(start: start, count: start.distance(to: end))
                }
                builder.appendAttribute(name: nameIndex(fields[0]), namespace: namespaceIndex(uri: fields[2], prefix: fields[1]),
                                        value: value)
            }
        }
        builder.open(name: name, namespace: namespace, attributeStart: attributeStart)
    }

    func reference(_ entityName: UnsafePointer<xmlChar>?) {
        // Reached for an undeclared entity when the document has an external DTD: read it as
        // HTML, else keep it as the text it is (as `EntityRepair` does for the rest).
        checkNames()
        guard let entityName else { return }
        if let codePoint = HTMLEntities.codePoint(named: entityName), let scalar = Unicode.Scalar(codePoint) {
            builder.characters(scalar: scalar)
            return
        }
        let literal = "&" + String(decoding: UnsafeBufferPointer(start: entityName, count: Int(xmlStrlen(entityName))), as: UTF8.self) + ";"
        var text = literal
        text.withUTF8 { builder.characters($0) }
    }

    func error(_ error: UnsafePointer<xmlError>) {
        checkNames()
        errorCount += 1
        guard errors.count < 20 else { return }
        let message = error.pointee.message.map { String(cString: $0) }?.trimmingASCIIWhitespace() ?? "error"
        errors.append("line \(error.pointee.line): \(message)")
    }
}

/// The receiver behind libxml2's user-data pointer, borrowed for one callback without a
/// retain and release (two atomic operations per SAX event otherwise).
@inline(__always)
private func withReceiver(_ context: UnsafeMutableRawPointer?, _ body: (SAXReceiver) -> Void) {
    guard let context else { return }
    Unmanaged<SAXReceiver>.fromOpaque(context)._withUnsafeGuaranteedRef(body)
}

private func saxStartElement(
    _ context: UnsafeMutableRawPointer?, _ localname: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
    _ uri: UnsafePointer<xmlChar>?, _ namespaceCount: Int32,
    _ namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, _ attributeCount: Int32, _ defaultedCount: Int32,
    _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
) {
    withReceiver(context) {
        $0.start(localname: localname, prefix: prefix, uri: uri, attributeCount: Int(attributeCount),
                 attributes: attributes)
    }
}

private func saxEndElement(_ context: UnsafeMutableRawPointer?, _ localname: UnsafePointer<xmlChar>?,
                           _ prefix: UnsafePointer<xmlChar>?, _ uri: UnsafePointer<xmlChar>?) {
    withReceiver(context) { $0.builder.end() }
}

private func saxCharacters(_ context: UnsafeMutableRawPointer?, _ characters: UnsafePointer<xmlChar>?, _ length: Int32) {
    withReceiver(context) {
        guard let characters, length > 0 else { return }
        $0.builder.characters(UnsafeBufferPointer(start: characters, count: Int(length)))
    }
}

private func saxReference(_ context: UnsafeMutableRawPointer?, _ name: UnsafePointer<xmlChar>?) {
    withReceiver(context) { $0.reference(name) }
}

private func saxEntityDeclaration(_ context: UnsafeMutableRawPointer?, _ name: UnsafePointer<xmlChar>?, _ type: Int32,
                                  _ publicID: UnsafePointer<xmlChar>?, _ systemID: UnsafePointer<xmlChar>?,
                                  _ content: UnsafeMutablePointer<xmlChar>?) {
    withReceiver(context) { $0.checkNames() }
}

private func saxElementDeclaration(_ context: UnsafeMutableRawPointer?, _ name: UnsafePointer<xmlChar>?, _ type: Int32,
                                   _ content: xmlElementContentPtr?) {
    // libxml2 frees `content` after this call.
    withReceiver(context) { $0.checkNames() }
}

private func saxAttributeDeclaration(_ context: UnsafeMutableRawPointer?, _ element: UnsafePointer<xmlChar>?,
                                     _ name: UnsafePointer<xmlChar>?, _ type: Int32, _ defaultType: Int32,
                                     _ defaultValue: UnsafePointer<xmlChar>?, _ tree: xmlEnumerationPtr?) {
    // The handler owns the enumeration of allowed values (libxml2 frees it only without one).
    if let tree { xmlFreeEnumeration(tree) }
    withReceiver(context) { $0.checkNames() }
}

private func saxProcessingInstruction(_ context: UnsafeMutableRawPointer?, _ target: UnsafePointer<xmlChar>?,
                                      _ data: UnsafePointer<xmlChar>?) {
    withReceiver(context) { $0.checkNames() }
}

private func saxError(_ context: UnsafeMutableRawPointer?, _ error: xmlErrorPtr?) {
    guard let error else { return }
    withReceiver(context) { $0.error(error) }
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

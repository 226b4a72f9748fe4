internal import CLibXML2
import FeedWatchModel

/// What the SAX pass produced: the element tree (nil when no element was seen), libxml2's
/// complaints (which become warnings), and the first limit that was hit.
struct SAXResult {
    var root: XMLElement?
    var errors: [String]
    var errorCount: Int
    var limitError: ParseError?
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
    static func parse(_ bytes: [UInt8], encoding: String?, declaredEncodingTrusted: Bool, baseURL: String?,
                      limits: ParseLimits) -> SAXResult {
        LibXML2.setUpOnce()
        let builder = TreeBuilder(limits: limits, baseURL: baseURL)
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
            return SAXResult(root: nil, errors: ["parser: libxml2 could not create a parser"], errorCount: 1,
                             limitError: nil)
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
        var errors = builder.errors
        if builder.impliedCloses > 0 {
            errors.append("\(builder.impliedCloses) item(s) or entr(ies) started before the previous one was closed")
        }
        return SAXResult(root: builder.root, errors: errors, errorCount: builder.errorCount + builder.impliedCloses,
                         limitError: builder.limitError)
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
    let documentBase: String?
    var context: xmlParserCtxtPtr?
    var root: XMLElement?
    /// The open elements of the tree being built.
    @exclusivity(unchecked) var stack: [XMLElement] = []
    /// The open elements as libxml2 sees them; differs from `stack` after an implied close.
    @exclusivity(unchecked) var openElements: [XMLElement] = []
    /// Items or entries that started while the previous one was still open.
    var impliedCloses = 0
    var errors: [String] = []
    var errorCount = 0
    var limitError: ParseError?
    var stopped = false
    let arena = TextArena()
    /// libxml2 hands out names interned in its dictionary: the same pointer for the same
    /// name for the whole parse, so converting each distinct name to a String once is enough.
    @exclusivity(unchecked) var names: [UnsafeRawPointer: (string: String, isContainer: Bool)] = [:]
    /// Namespace URIs are interned the same way; each is classified once.
    var namespaces: [UnsafeRawPointer: (uri: String, ns: NS)] = [:]

    init(limits: ParseLimits, baseURL: String?) {
        self.limits = limits
        self.documentBase = baseURL
        stack.reserveCapacity(32)
        arena.bytes.reserveCapacity(64 * 1024)
    }

    /// Elements that only hold other elements; their whitespace text is layout.
    static let containers: Set<String> = [
        "rss", "channel", "item", "RDF", "feed", "entry", "author", "contributor", "image", "textinput", "textInput",
        "items", "Seq", "group", "owner",
    ]

    func name(_ pointer: UnsafePointer<xmlChar>?) -> String { internedName(pointer).string }

    func internedName(_ pointer: UnsafePointer<xmlChar>?) -> (string: String, isContainer: Bool) {
        guard let pointer else { return ("", false) }
        let key = UnsafeRawPointer(pointer)
        if let known = names[key] { return known }
        let string = String(cString: pointer)
        let entry = (string, TreeBuilder.containers.contains(string))
        names[key] = entry
        return entry
    }

    func namespace(_ pointer: UnsafePointer<xmlChar>) -> (uri: String, ns: NS) {
        let key = UnsafeRawPointer(pointer)
        if let known = namespaces[key] { return known }
        let uri = String(cString: pointer)
        let entry = (uri, NS(uri: uri))
        namespaces[key] = entry
        return entry
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
        var (namespace, ns) = uri.map { self.namespace($0) } ?? ("", .none)
        if uri == nil, let prefix, let known = XMLNamespace.forUndeclaredPrefix(name(prefix)) {
            namespace = known
            ns = NS(uri: known)
        }
        let (localName, isContainer) = internedName(localname)
        if localName == "item" || localName == "entry" { closeOpenEntry(named: localName, namespace: namespace) }
        let parent = stack.last
        if parent == nil && root != nil {
            // A second root element: recover by reading it as more children of the first.
            guard let first = root else { return }
            stack.append(first)
            return start(localname: localname, prefix: prefix, uri: uri, attributeCount: attributeCount,
                         attributes: attributes)
        }

        var attributeList: [XMLAttribute] = []
        var base = parent?.base ?? documentBase
        var lang = parent?.lang
        if attributeCount > 0, let attributes {
            attributeList.reserveCapacity(attributeCount)
            for index in 0..<attributeCount {
                let fields = attributes + index * 5
                let attributeName = name(fields[0])
                var attributeNamespace = fields[2].map { self.namespace($0).uri } ?? ""
                if fields[2] == nil, let attributePrefix = fields[1] {
                    attributeNamespace = XMLNamespace.forUndeclaredPrefix(name(attributePrefix)) ?? ""
                }
                var value = ""
                if let start = fields[3], let end = fields[4] {
                    value = String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
                    // Without entity substitution libxml2 passes `&amp;` in attributes as `&#38;`.
                    if value.utf8.contains(UInt8(ascii: "&")) {
                        value = value.replacingAll("&#38;", with: "&")
                    }
                }
                if attributeNamespace == XMLNamespace.xml {
                    if attributeName == "base" { base = URLResolver.resolve(value, against: base) }
                    if attributeName == "lang" { lang = value }
                }
                attributeList.append(XMLAttribute(name: attributeName, namespace: attributeNamespace, value: value))
            }
        }
        let element = XMLElement(name: localName, namespace: namespace, ns: ns, attributes: attributeList,
                                 textOffset: parent?.textCount ?? 0, base: base, lang: lang, arena: arena,
                                 dropsWhitespace: isContainer)
        if let parent {
            // Items have about ten children: one allocation instead of growing 1, 2, 4, 8, 16.
            if parent.children.isEmpty { parent.children.reserveCapacity(8) }
            parent.children.append(element)
        } else {
            root = element
        }
        stack.append(element)
        openElements.append(element)
    }

    /// An item (or entry) cannot contain another in the same namespace: a new one while one
    /// is open means the previous one lost its end tag (or an unclosed `<b>` inside it made
    /// libxml2 close the wrong element). Close it, as a reader would. Elements of another
    /// namespace in between (Simple Sharing's conflict copies) mean the nesting is deliberate.
    private func closeOpenEntry(named localName: String, namespace: String) {
        var index = stack.count - 1
        while index >= 0 {
            let open = stack[index]
            if open.namespace != namespace { return }
            if open.name == localName {
                stack.removeSubrange(index...)
                impliedCloses += 1
                return
            }
            index -= 1
        }
    }

    func end() {
        if stopped { return }
        guard let closing = openElements.popLast() else { return }
        if let index = stack.lastIndex(where: { $0 === closing }) { stack.removeSubrange(index...) }
    }

    func characters(_ pointer: UnsafePointer<xmlChar>?, _ length: Int) {
        guard !stopped, let pointer, length > 0, let top = stack.last else { return }
        let chunk = UnsafeBufferPointer(start: pointer, count: length)
        if top.dropsWhitespace && chunk.allSatisfy({ $0.isASCIIWhitespace }) { return }
        if top.textCount + length > limits.maxTextBytes {
            stop(ParseError(code: .limitExceeded,
                            message: "a text node is larger than \(limits.maxTextBytes) bytes (element <\(top.name)>)"))
            return
        }
        top.appendText(chunk)
    }

    func reference(_ entityName: UnsafePointer<xmlChar>?) {
        // Reached for an undeclared entity when the document has a DTD: read it as HTML.
        guard !stopped, let entityName, let top = stack.last,
              let codePoint = HTMLEntities.codePoint(named: entityName),
              let scalar = Unicode.Scalar(codePoint) else { return }
        var character = String(Character(scalar))
        character.withUTF8 { top.appendText($0) }
    }

    func error(_ error: UnsafePointer<xmlError>) {
        errorCount += 1
        guard errors.count < 20 else { return }
        let message = error.pointee.message.map { String(cString: $0) }?.trimmingASCIIWhitespace() ?? "error"
        errors.append("line \(error.pointee.line): \(message)")
    }
}

private func builder(_ context: UnsafeMutableRawPointer?) -> TreeBuilder? {
    guard let context else { return nil }
    return Unmanaged<TreeBuilder>.fromOpaque(context).takeUnretainedValue()
}

private func saxStartElement(
    _ context: UnsafeMutableRawPointer?, _ localname: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
    _ uri: UnsafePointer<xmlChar>?, _ namespaceCount: Int32,
    _ namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, _ attributeCount: Int32, _ defaultedCount: Int32,
    _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
) {
    builder(context)?.start(localname: localname, prefix: prefix, uri: uri, attributeCount: Int(attributeCount),
                            attributes: attributes)
}

private func saxEndElement(_ context: UnsafeMutableRawPointer?, _ localname: UnsafePointer<xmlChar>?,
                           _ prefix: UnsafePointer<xmlChar>?, _ uri: UnsafePointer<xmlChar>?) {
    builder(context)?.end()
}

private func saxCharacters(_ context: UnsafeMutableRawPointer?, _ characters: UnsafePointer<xmlChar>?, _ length: Int32) {
    builder(context)?.characters(characters, Int(length))
}

private func saxReference(_ context: UnsafeMutableRawPointer?, _ name: UnsafePointer<xmlChar>?) {
    builder(context)?.reference(name)
}

private func saxError(_ context: UnsafeMutableRawPointer?, _ error: xmlErrorPtr?) {
    guard let error else { return }
    builder(context)?.error(error)
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

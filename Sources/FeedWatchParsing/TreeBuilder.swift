import FeedWatchModel

/// What a reading of the document produced: the element tree (no root when no element was
/// seen), the XML parser's complaints (which become warnings), and the first limit that was hit.
struct SAXResult {
    /// The tree; the caller keeps it alive while it uses `root` (see `XMLElement`).
    var document: XMLDocument
    var root: XMLElement? { document.root }
    var errors: [String]
    var errorCount: Int
    var limitError: ParseError?
    /// Reading stopped at `ParseLimits.maxEntries`: the tree holds the entries before it.
    var entryLimitReached = false
    /// The stream that decoded items as they closed, when one was asked for.
    var stream: EntryStream? = nil
}

/// Grows the element tree from libxml2's SAX events (`SAXDriver`) and enforces the structural
/// limits. Lives
/// for one reading of a document.
///
/// An element opens in three steps, so a reader can append its attributes straight into
/// the document without an intermediate array: `canOpen`, then `appendAttribute` for each
/// attribute, then `open`.
final class TreeBuilder {
    let limits: ParseLimits
    let document: XMLDocument
    /// Index into `document.strings` of the document URL, the base of every element; -1 for none.
    let documentBase: Int32
    /// Decodes items and entries as they close (nil: keep the whole tree).
    let stream: EntryStream?
    /// The size of the document, for `EntryStream.reserveForDocument`.
    let documentSize: Int
    /// Asks the reader to stop (set by the reader; called once a limit is hit).
    var stopReading: () -> Void = {}
    /// How many bytes of the document the reader has consumed so far (set by the reader).
    var bytesConsumed: () -> Int = { 0 }
    /// The same, for a reader that keeps it up to date itself before each `end()` (-1: ask
    /// `bytesConsumed`).
    var readerOffset = -1
    /// Where the buffers stood when each open item or entry opened (for `stream`); marks of
    /// entries closed implicitly linger below and are dropped when an enclosing one closes.
    @exclusivity(unchecked) private var entryMarks = UnmanagedBuffer<XMLDocument.Mark>()
    /// The open elements of the tree being built (record indexes).
    @exclusivity(unchecked) var stack = UnmanagedBuffer<Int32>(capacity: 32)
    /// The open elements as the reader sees them; differs from `stack` after an implied close.
    @exclusivity(unchecked) var openElements = UnmanagedBuffer<Int32>(capacity: 32)
    /// Items or entries that started while the previous one was still open.
    var impliedCloses = 0
    var limitError: ParseError?
    var stopped = false
    /// Items and entries opened so far, against `ParseLimits.maxEntries`.
    private var entriesOpened = 0
    private(set) var entryLimitReached = false
    private var nameIndexes: [String: Int32]
    private var namespaceIndexes: [String: Int32]
    /// Per interned name: whether it is a container, and whether it is `item` or `entry`.
    @exclusivity(unchecked) private(set) var nameFlags: [(isContainer: Bool, isEntry: Bool)]

    init(limits: ParseLimits, baseURL: String?, documentSize: Int, stream: EntryStream?) {
        self.limits = limits
        self.documentSize = documentSize
        self.stream = stream
        // Text is rarely longer than the document (entities shrink; only a transcoded legacy
        // encoding grows it). When items are decoded as they close, the buffers only ever
        // hold the channel and one item: starting small keeps them in the cache and spares
        // faulting in pages for a large document's worth of memory.
        let expected = stream == nil ? documentSize : min(documentSize, 64 * 1024)
        document = XMLDocument(textCapacity: expected)
        if let baseURL {
            document.strings.append(baseURL)
            documentBase = 0
        } else {
            documentBase = -1
        }
        // The names and namespaces every feed uses are interned already (shared, copied on
        // the first name of the document's own).
        let known = KnownNames.shared
        nameIndexes = known.nameIndexes
        nameFlags = known.nameFlags
        namespaceIndexes = known.namespaceIndexes
        document.names.reserveCapacity(known.names.count + 32)
        for name in known.names { document.names.append(name) }
        known.nameKinds.withUnsafeBufferPointer { document.nameKinds.append(contentsOf: $0) }
        for index in 1..<known.namespaces.count {
            document.namespaceURIs.append(known.namespaces[index])
            document.namespaceKinds.append(known.namespaceKinds[index])
        }
        // One element per ~40 bytes is about as dense as feeds get: reserving that up front
        // saves growing the array by copying.
        // (With a stream the tree holds the channel and one item: a few dozen records.)
        document.records.reserveCapacity(stream == nil ? max(256, expected / 40) : 256)
    }

    deinit {
        stack.deallocate()
        openElements.deallocate()
        entryMarks.deallocate()
    }

    /// The index of a local name in `document.names`; one string always gets one index.
    func internName(_ name: String) -> Int32 {
        if let known = nameIndexes[name] { return known }
        let index = Int32(document.names.count)
        document.names.append(name)
        document.nameKinds.append(ElementName(name))
        nameFlags.append((KnownNames.containers.contains(name), name == "item" || name == "entry"))
        nameIndexes[name] = index
        return index
    }

    /// The index of a namespace URI in `document.namespaceURIs` (0 is no namespace).
    func internNamespace(_ uri: String) -> Int32 {
        if let known = namespaceIndexes[uri] { return known }
        let index = Int32(document.namespaceURIs.count)
        document.namespaceURIs.append(uri)
        document.namespaceKinds.append(NS(uri: uri))
        namespaceIndexes[uri] = index
        return index
    }

    func stop(_ error: ParseError) {
        if limitError == nil { limitError = error }
        stopped = true
        stopReading()
    }

    /// Whether element `name` may open; false when reading stopped instead (a limit, or the
    /// entry limit). Call `open` next, after appending the element's attributes.
    func canOpen(name: Int32, namespace: Int32, attributeCount: Int) -> Bool {
        if stopped { return false }
        if openElements.count >= limits.maxDepth {
            stop(ParseError(code: .limitExceeded, message: "elements nested deeper than \(limits.maxDepth) levels"))
            return false
        }
        // Records and attributes are numbered with Int32: only a document of gigabytes could
        // get there, and it stops here rather than trapping.
        if document.records.count >= Int(Int32.max) - 1
            || document.attributes.count + attributeCount >= Int(Int32.max) {
            stop(ParseError(code: .limitExceeded, message: "more than \(Int32.max) elements or attributes"))
            return false
        }
        if nameFlags[Int(name)].isEntry {
            if entriesOpened == limits.maxEntries {
                // Not an error: keep what was read, stop reading.
                entryLimitReached = true
                stopped = true
                stopReading()
                return false
            }
            entriesOpened += 1
            closeOpenEntry(named: name, namespace: namespace)
        }
        return true
    }

    /// Appends an attribute of the element about to open. `value` is as libxml2 reports it:
    /// entities decoded, except `&`, which stays `&#38;` (see `XMLDocument.attributeValue`).
    @inline(__always)
    func appendAttribute(name: Int32, namespace: Int32, value: UnsafeBufferPointer<UInt8>) {
        let valueStart = document.attributeBytes.count
        document.attributeBytes.append(contentsOf: value)
        document.attributes.append(XMLDocument.Attribute(name: name, namespace: namespace,
                                                         valueStart: valueStart,
                                                         valueEnd: document.attributeBytes.count))
    }

    /// Opens element `name` with the attributes appended since `attributeStart`.
    func open(name: Int32, namespace: Int32, attributeStart: Int) {
        if stack.isEmpty && !document.records.isEmpty {
            // A second root element: recover by reading it as more children of the first.
            stack.append(0)
        }
        let parent = stack.last ?? -1
        let flags = nameFlags[Int(name)]
        var base = parent >= 0 ? document.records[Int(parent)].base : documentBase
        var lang = parent >= 0 ? document.records[Int(parent)].lang : -1
        for position in attributeStart..<document.attributes.count {
            let attribute = document.attributes[position]
            guard document.namespaceKinds[Int(attribute.namespace)] == .xml else { continue }
            let attributeName = document.names[Int(attribute.name)]
            if attributeName == "base" {
                let value = document.attributeValue(attribute)
                let current = base >= 0 ? document.strings[Int(base)] : nil
                base = Int32(document.strings.count)
                document.strings.append(URLResolver.resolve(value, against: current))
            } else if attributeName == "lang" {
                lang = Int32(document.strings.count)
                document.strings.append(document.attributeValue(attribute))
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

    /// Closes the innermost open element.
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
            if slot == EntryStream.sampleEntries - 1 {
                stream.reserveForDocument(consumed: readerOffset >= 0 ? readerOffset : bytesConsumed(), total: documentSize,
                                          limit: limits.maxEntries)
            }
        }
    }

    /// Whether the innermost open element keeps only non-whitespace text (a container).
    @inline(__always)
    var topDropsWhitespace: Bool {
        guard let top = stack.last else { return false }
        return document.records[Int(top)].dropsWhitespace
    }

    /// One text event: the usual case inline, the rest in `appendCharacters`.
    @inline(__always)
    func characters(_ chunk: UnsafeBufferPointer<UInt8>) {
        guard !stopped, !chunk.isEmpty, let top = stack.last else { return }
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

    /// Appends one character (an entity the reader resolved) to the innermost element.
    func characters(scalar: Unicode.Scalar) {
        guard !stopped, let top = stack.last else { return }
        var character = String(Character(scalar))
        character.withUTF8 { _ = document.appendText($0, to: Int(top)) }
    }

    /// The result, once the reader is done; `errors` are the reader's complaints.
    func result(errors: [String], errorCount: Int) -> SAXResult {
        document.finish()
        var errors = errors
        if impliedCloses > 0 {
            errors.append("\(impliedCloses) item(s) or entr(ies) started before the previous one was closed")
        }
        return SAXResult(document: document, errors: errors, errorCount: errorCount + impliedCloses,
                         limitError: limitError, entryLimitReached: entryLimitReached, stream: stream)
    }
}

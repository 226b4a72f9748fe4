internal import CLibXML2
import FeedWatchModel

/// HTML to plain text, for matching and snippets.
public enum HTMLText {
    /// HTML fragment or page → plain text (libxml2 HTML parser, skip script/style, entities
    /// decoded, whitespace folded, paragraph breaks as "\n\n").
    public static func plainText(fromHTML html: String) -> String {
        // Most titles and many summaries hold no markup at all: no parser needed.
        if !needsParsing(html) {
            return foldWhitespace(html)
        }
        if let text = HTMLFragmentText.plainText(html) { return text }
        return plainTextUsingLibxml2(html)
    }

    /// The reference path: libxml2's HTML parser and a tree walk. Used for anything the fast
    /// tokenizer declines, and by the test that holds the two to the same output.
    static func plainTextUsingLibxml2(_ html: String) -> String {
        let utf8 = html.utf8
        LibXML2.setUpOnce()
        let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue)
        let document: htmlDocPtr? = html.withCString { pointer in
            htmlReadMemory(pointer, Int32(utf8.count), nil, "UTF-8", options)
        }
        guard let document else { return "" }
        defer { xmlFreeDoc(document) }
        let writer = TextWriter()
        walk(document.pointee.children, into: writer)
        return writer.finish()
    }

    /// Whether the text holds a `<` or `&`, in one pass over its bytes.
    static func hasMarkup(_ text: String) -> Bool {
        text.withUTF8Bytes { hasMarkup(bytes: $0) }
    }

    static func hasMarkup(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        ByteSearch.firstIndex(of: UInt8(ascii: "<"), or: UInt8(ascii: "&"), in: bytes, from: 0) < bytes.count
    }

    /// Whether reading `text` as HTML could give anything but its folded whitespace: it has a
    /// `<` that may open a tag, comment or declaration (before a letter, `/`, `!` or `?`, or
    /// last), or a `&` that may start a reference (before a letter or `#`). A title such as
    /// "Sanctions & tests", "1&1" or "a < b" is plain text to an HTML parser
    /// (`HTMLTextEquivalenceTests` hold the tokenizer to libxml2), so it is only folded.
    static func needsParsing(_ text: String) -> Bool {
        text.withUTF8Bytes { bytes in
            var index = 0
            while true {
                index = ByteSearch.firstIndex(of: UInt8(ascii: "<"), or: UInt8(ascii: "&"), in: bytes, from: index)
                guard index < bytes.count else { return false }
                guard index + 1 < bytes.count else { return bytes[index] == UInt8(ascii: "<") }
                let next = bytes[index + 1]
                let isLetter = (next | 0x20) >= 0x61 && (next | 0x20) <= 0x7A
                if bytes[index] == UInt8(ascii: "<") {
                    if isLetter || next == UInt8(ascii: "/") || next == UInt8(ascii: "!") || next == UInt8(ascii: "?") {
                        return true
                    }
                } else if isLetter || next == UInt8(ascii: "#") {
                    return true
                }
                index += 1
            }
        }
    }

    /// Plain text with whitespace runs folded to one space and the ends trimmed.
    static func foldWhitespace(_ text: String) -> String {
        // Most titles, names and categories are folded already: keep the String, no copy.
        if isFolded(text) { return text }
        let writer = TextWriter(capacity: text.utf8.count, inputIsValidUTF8: true)
        writer.appendText(text)
        return writer.finish()
    }

    /// Whether folding would not change `text`: no ASCII whitespace but single spaces
    /// between other characters.
    static func isFolded(_ text: String) -> Bool {
        text.withUTF8Bytes { bytes in
            guard let base = bytes.baseAddress else { return true }
            let count = bytes.count
            var previousIsSpace = true  // so that a leading space is not folded
            var index = 0
            while index < count {
                // Eight bytes a step while none is a control byte (so any whitespace is a
                // space) and no space follows a space, within the step or across its start.
                if index + 8 <= count {
                    let word = ByteSearch.word(at: base + index)
                    if ByteSearch.bytesBelow(0x20, in: word) == 0 {
                        let spaces = ByteSearch.zeroBytes(word ^ 0x2020_2020_2020_2020)
                        if spaces & (spaces << 8) != 0 || (previousIsSpace && spaces & 0x80 != 0) { return false }
                        previousIsSpace = spaces >> 63 != 0
                        index += 8
                        continue
                    }
                }
                let byte = base[index]
                if byte <= 0x20 && byte.isASCIIWhitespace {
                    if byte != 0x20 || previousIsSpace { return false }
                    previousIsSpace = true
                } else {
                    previousIsSpace = false
                }
                index += 1
            }
            return !previousIsSpace || count == 0  // nor a trailing one
        }
    }

    /// `isFolded` a byte at a time: the definition, for the tests.
    static func isFoldedByteByByte(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var previousIsSpace = true  // so that a leading space is not folded
            for byte in bytes {
                if byte <= 0x20 && byte.isASCIIWhitespace {
                    if byte != 0x20 || previousIsSpace { return false }
                    previousIsSpace = true
                } else {
                    previousIsSpace = false
                }
            }
            return !previousIsSpace || bytes.isEmpty  // nor a trailing one
        }
    }

    /// Iterative walk (a hostile fragment may nest deeply) in document order.
    private static func walk(_ first: xmlNodePtr?, into writer: TextWriter) {
        var node = first
        while let current = node {
            var descend = false
            switch current.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content {
                    writer.appendText(UnsafeBufferPointer(start: content, count: Int(xmlStrlen(content))))
                }
            case XML_ELEMENT_NODE:
                let kind = ElementKind(current.pointee.name)
                switch kind {
                case .skipped: break
                case .lineBreak: writer.requestBreak(.line)
                case .block:
                    writer.requestBreak(.paragraph)
                    descend = true
                case .inline: descend = true
                }
            default:
                break
            }
            if descend, let child = current.pointee.children {
                node = child
                continue
            }
            // Leaving `current`: close blocks on the way up until a node has a next sibling.
            var leaving: xmlNodePtr? = current
            node = nil
            while let exiting = leaving {
                if exiting.pointee.type == XML_ELEMENT_NODE, ElementKind(exiting.pointee.name) == .block {
                    writer.requestBreak(.paragraph)
                }
                if let next = exiting.pointee.next {
                    node = next
                    break
                }
                guard let parent = exiting.pointee.parent, parent.pointee.type == XML_ELEMENT_NODE else { break }
                leaving = parent
            }
        }
    }

    private enum ElementKind: Equatable {
        case skipped, lineBreak, block, inline

        init(_ name: UnsafePointer<xmlChar>?) {
            guard let name else {
                self = .inline
                return
            }
            switch HTMLFragmentText.kind(UnsafeBufferPointer(start: name, count: Int(xmlStrlen(name)))) {
            case .lineBreak: self = .lineBreak
            case .block: self = .block
            case .inline: self = .inline
            case .declined: self = HTMLFragmentText.isSkipped(name) ? .skipped : .inline
            }
        }
    }
}

/// Accumulates text with folded whitespace and the strongest requested break between runs.
/// A class over one manually grown buffer: writing byte by byte into an Array (a uniqueness
/// and capacity check per append) was most of the cost of rendering descriptions as text.
final class TextWriter {
    enum Break: Int, Comparable {
        case none = 0, space, line, paragraph
        static func < (lhs: Break, rhs: Break) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    private var pending = Break.none

    /// Whether every byte appended comes from a Swift String (so the result is valid UTF-8
    /// without checking); false for text from libxml2's HTML parser, which may pass on bytes
    /// of an encoding it could not decode.
    private let inputIsValidUTF8: Bool

    init(capacity: Int = 0, inputIsValidUTF8: Bool = false) {
        self.capacity = max(capacity, 64)
        self.inputIsValidUTF8 = inputIsValidUTF8
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    func requestBreak(_ kind: Break) {
        if kind > pending { pending = kind }
    }

    /// A `<br>`: a line break, or a paragraph break when it follows another `<br>` (`<br><br>`
    /// is how older pages separate paragraphs).
    func requestLineBreakPromotingRepeats() {
        requestBreak(pending >= .line ? .paragraph : .line)
    }

    private func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        let grown = max(count + extra, capacity * 2)
        let replacement = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        replacement.update(from: storage, count: count)
        storage.deallocate()
        storage = replacement
        capacity = grown
    }

    func appendText(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard var source = bytes.baseAddress, !bytes.isEmpty else { return }
        // At most one break (two bytes) plus every byte: whitespace runs only ever shrink.
        reserve(bytes.count + 2)
        let end = source + bytes.count
        var out = storage + count
        var pending = self.pending
        while source < end {
            let byte = source.pointee
            if byte <= 0x20 && byte.isASCIIWhitespace {  // one compare for the usual byte
                if pending < .space { pending = .space }
                source += 1
                continue
            }
            if pending != .none {
                if out > storage {
                    switch pending {
                    case .none: break
                    case .space: out.pointee = 0x20; out += 1
                    case .line: out.pointee = 0x0A; out += 1
                    case .paragraph: out.pointee = 0x0A; out[1] = 0x0A; out += 2
                    }
                }
                pending = .none
            }
            // Then eight bytes at a time while they are already folded: no control byte, tab
            // or newline, no two spaces in a row, no space last (the next byte might be one
            // too). A space inside such a word stands for itself. Then byte by byte.
            while end - source >= 8 {
                let word = ByteSearch.word(at: source)
                guard ByteSearch.bytesBelow(0x20, in: word) == 0 else { break }
                let spaces = ByteSearch.zeroBytes(word ^ 0x2020_2020_2020_2020)
                guard spaces & (spaces << 8) == 0, spaces >> 63 == 0 else { break }
                UnsafeMutableRawPointer(out).storeBytes(of: word.littleEndian, as: UInt64.self)
                out += 8
                source += 8
            }
            guard source < end else { break }
            if source.pointee <= 0x20 && source.pointee.isASCIIWhitespace { continue }
            repeat {
                out.pointee = source.pointee
                out += 1
                source += 1
            } while source < end && (source.pointee > 0x20 || !source.pointee.isASCIIWhitespace)
        }
        count = storage.distance(to: out)
        self.pending = pending
    }

    func appendText(_ string: String) {
        string.withUTF8Bytes { appendText($0) }
    }

    /// One character (a decoded entity), without making a String of it.
    func appendScalar(_ scalar: Unicode.Scalar) {
        var encoded: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        var length = 0
        withUnsafeMutableBytes(of: &encoded) { raw in
            for byte in scalar.utf8 {
                raw[length] = byte
                length += 1
            }
            appendText(UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: length))
        }
    }

    func finish() -> String {
        // U+00A0 (from &nbsp;) counts as a space for folding only at the edges; keep it inside.
        let bytes = UnsafeBufferPointer(start: storage, count: count)
        return inputIsValidUTF8 ? String(knownValidUTF8: bytes) : String(decoding: bytes, as: UTF8.self)
    }
}

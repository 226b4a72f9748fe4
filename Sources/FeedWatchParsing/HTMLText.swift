internal import CLibXML2
import FeedWatchModel

/// HTML to plain text, for matching and snippets.
public enum HTMLText {
    /// HTML fragment or page → plain text (libxml2 HTML parser, skip script/style, entities
    /// decoded, whitespace folded, paragraph breaks as "\n\n").
    public static func plainText(fromHTML html: String) -> String {
        // Most titles and many summaries hold no markup at all: no parser needed.
        if !hasMarkup(html) {
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
        var writer = TextWriter()
        walk(document.pointee.children, into: &writer)
        return writer.finish()
    }

    /// Whether the text holds a `<` or `&`, in one pass over its bytes.
    static func hasMarkup(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            for byte in bytes where byte == UInt8(ascii: "<") || byte == UInt8(ascii: "&") { return true }
            return false
        }
    }

    /// Plain text with whitespace runs folded to one space and the ends trimmed.
    static func foldWhitespace(_ text: String) -> String {
        var writer = TextWriter(capacity: text.utf8.count)
        writer.appendText(text)
        return writer.finish()
    }

    /// Iterative walk (a hostile fragment may nest deeply) in document order.
    private static func walk(_ first: xmlNodePtr?, into writer: inout TextWriter) {
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
struct TextWriter {
    enum Break: Int, Comparable {
        case none = 0, space, line, paragraph
        static func < (lhs: Break, rhs: Break) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private var output: [UInt8] = []
    private var pending = Break.none

    init(capacity: Int = 0) {
        output.reserveCapacity(capacity)
    }

    mutating func requestBreak(_ kind: Break) {
        if kind > pending { pending = kind }
    }

    /// A `<br>`: a line break, or a paragraph break when it follows another `<br>` (`<br><br>`
    /// is how older pages separate paragraphs).
    mutating func requestLineBreakPromotingRepeats() {
        requestBreak(pending >= .line ? .paragraph : .line)
    }

    mutating func appendText(_ bytes: UnsafeBufferPointer<UInt8>) {
        let count = bytes.count
        var index = 0
        while index < count {
            if bytes[index].isASCIIWhitespace {
                if pending < .space { pending = .space }
                index += 1
                continue
            }
            // A run of non-space bytes goes in with one append.
            let start = index
            while index < count && !bytes[index].isASCIIWhitespace { index += 1 }
            if !output.isEmpty {
                switch pending {
                case .none: break
                case .space: output.append(0x20)
                case .line: output.append(0x0A)
                case .paragraph: output.append(contentsOf: [0x0A, 0x0A])
                }
            }
            pending = .none
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        }
    }

    mutating func appendText(_ string: String) {
        var string = string
        string.withUTF8 { appendText($0) }
    }

    mutating func finish() -> String {
        // U+00A0 (from &nbsp;) counts as a space for folding only at the edges; keep it inside.
        String(decoding: output, as: UTF8.self)
    }
}

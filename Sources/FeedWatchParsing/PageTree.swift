internal import CLibXML2
import FeedWatchModel

/// An HTML page copied out of libxml2 into plain Swift values, so that scoring and
/// rendering never touch a C pointer. The libxml2 document lives only inside `parse`.
///
/// Nodes are stored in document (pre-)order: a node's descendants follow it and have
/// larger indices, which lets bottom-up sums run as one reverse loop.
struct PageTree {
    struct Node {
        /// Lower-cased element name; empty for a text node.
        var tag: String
        /// The text of a text node (or the raw content of a JSON-LD script).
        var text: String
        /// The attributes extraction reads, names lower-cased.
        var attributes: [String: String]
        var parent: Int
        var children: [Int] = []

        var isText: Bool { tag.isEmpty }
        func attribute(_ name: String) -> String? { attributes[name] }
    }

    var nodes: [Node] = []
    /// Whether `maxNodes` cut the page short.
    var truncated = false

    /// The attributes worth copying; everything else (style aside) is noise for extraction.
    private static let keptAttributes: Set<String> = [
        "class", "id", "role", "itemprop", "rel", "href", "content", "property", "name", "datetime", "hidden",
        "aria-hidden", "type", "lang", "http-equiv", "style", "pubdate", "charset",
    ]

    /// Elements whose content is never text a reader sees.
    private static let opaqueElements: Set<String> = [
        "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "math",
    ]

    /// Parses `bytes` (already UTF-8, or in `encoding`) with libxml2's forgiving HTML parser.
    /// Returns nil when libxml2 produced no document at all.
    static func parse(_ bytes: [UInt8], encoding: String?, maxNodes: Int) -> PageTree? {
        LibXML2.setUpOnce()
        let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue | HTML_PARSE_NOBLANKS.rawValue)
        let document: htmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.flatMap { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    htmlReadMemory($0, Int32(clamping: buffer.count), nil, encoding, options)
                }
            }
        }
        guard let document else { return nil }
        defer { xmlFreeDoc(document) }
        var tree = PageTree()
        tree.copy(from: document.pointee.children, maxNodes: maxNodes)
        return tree
    }

    /// Iterative pre-order copy (a hostile page may nest thousands deep).
    private mutating func copy(from first: xmlNodePtr?, maxNodes: Int) {
        // Each stack entry: the next sibling chain to visit and the parent index it hangs under.
        var stack: [(node: xmlNodePtr?, parent: Int)] = [(first, -1)]
        while var entry = stack.popLast() {
            guard let current = entry.node else { continue }
            entry.node = current.pointee.next
            stack.append(entry)
            if nodes.count >= maxNodes {
                truncated = true
                return
            }
            switch current.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                guard let content = current.pointee.content else { continue }
                let text = String(cString: content)
                append(Node(tag: "", text: text, attributes: [:], parent: entry.parent))
            case XML_ELEMENT_NODE:
                let tag = current.pointee.name.map { String(cString: $0).lowercased() } ?? ""
                guard !tag.isEmpty else { continue }
                let attributes = Self.attributes(of: current)
                if tag == "script" {
                    // Only JSON-LD is kept (for metadata); other scripts are code, not content.
                    guard attributes["type"]?.lowercased().contains("ld+json") == true else { continue }
                    let raw = xmlNodeGetContent(current)
                    defer { if let raw { fw_xmlFree(raw) } }
                    append(Node(tag: tag, text: raw.map { String(cString: $0) } ?? "", attributes: attributes, parent: entry.parent))
                    continue
                }
                let index = append(Node(tag: tag, text: "", attributes: attributes, parent: entry.parent))
                if !Self.opaqueElements.contains(tag) {
                    stack.append((current.pointee.children, index))
                }
            default:
                continue
            }
        }
    }

    @discardableResult
    private mutating func append(_ node: Node) -> Int {
        let index = nodes.count
        nodes.append(node)
        if node.parent >= 0 { nodes[node.parent].children.append(index) }
        return index
    }

    private static func attributes(of node: xmlNodePtr) -> [String: String] {
        var result: [String: String] = [:]
        var property = node.pointee.properties
        while let current = property {
            property = current.pointee.next
            guard let rawName = current.pointee.name else { continue }
            let name = String(cString: rawName).lowercased()
            guard keptAttributes.contains(name) else { continue }
            var value = ""
            if let raw = xmlNodeListGetString(node.pointee.doc, current.pointee.children, 1) {
                value = String(cString: raw)
                fw_xmlFree(raw)
            }
            result[name] = value
        }
        return result
    }
}

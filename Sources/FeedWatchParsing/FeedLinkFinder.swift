internal import CLibXML2
import FeedWatchModel

/// Reads the feed links an HTML page advertises (`<link rel="alternate" type="application/rss+xml">`),
/// so a user who gave a page's URL learns which feed URL to use instead.
enum FeedLinkFinder {
    private static let feedTypes: Set<String> = [
        "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json",
        "application/json", "text/xml", "application/xml",
    ]

    static func notAFeedError(forHTML bytes: [UInt8], documentURL: String?) -> ParseError {
        let links = advertisedFeeds(inHTML: bytes, documentURL: documentURL)
        let message = links.isEmpty
            ? "not a feed: an HTML page that advertises no feed links"
            : "not a feed: an HTML page; it advertises \(links.joined(separator: ", "))"
        return ParseError(code: .notAFeed, message: message, advertisedFeeds: links)
    }

    /// The absolute URLs of the feeds an HTML page links to, in document order.
    static func advertisedFeeds(inHTML bytes: [UInt8], documentURL: String?) -> [String] {
        LibXML2.setUpOnce()
        let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue)
        let document: htmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.flatMap { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    htmlReadMemory($0, Int32(buffer.count), nil, nil, options)
                }
            }
        }
        guard let document else { return [] }
        defer { xmlFreeDoc(document) }
        var base = documentURL
        var links: [String] = []
        var node = document.pointee.children
        var visited = 0
        // Iterative pre-order walk, bounded so a pathological page cannot make it slow.
        while let current = node, visited < 200_000 {
            visited += 1
            if current.pointee.type == XML_ELEMENT_NODE, let rawName = current.pointee.name {
                let name = String(cString: rawName).lowercased()
                if name == "base", let href = attribute(current, "href") {
                    base = URLResolver.resolve(href, against: documentURL)
                } else if name == "link", let href = attribute(current, "href"),
                          let rel = attribute(current, "rel")?.lowercased(),
                          rel.split(separator: " ").contains("alternate"),
                          let type = attribute(current, "type")?.lowercased().trimmingASCIIWhitespace(),
                          feedTypes.contains(type) {
                    let url = URLResolver.resolve(href, against: base)
                    if !links.contains(url) { links.append(url) }
                }
            }
            if let child = current.pointee.children, current.pointee.type == XML_ELEMENT_NODE {
                node = child
                continue
            }
            var climber: xmlNodePtr? = current
            node = nil
            while let up = climber {
                if let next = up.pointee.next {
                    node = next
                    break
                }
                guard let parent = up.pointee.parent, parent.pointee.type == XML_ELEMENT_NODE else { break }
                climber = parent
            }
        }
        return links
    }

    private static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
        guard let value = xmlGetProp(node, name) else { return nil }
        defer { fw_xmlFree(value) }
        return String(cString: value)
    }
}

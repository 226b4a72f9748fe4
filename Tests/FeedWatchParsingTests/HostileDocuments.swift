/// The hostile documents of `HostileDocumentTests`, by size. `scripts/hostile-documents.py`
/// writes the same shapes as files (the fuzz seeds in `FuzzSeeds/`, and full-size copies for
/// timing `feedwatch parse`).
enum HostileDocuments {
    private static let head = #"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>x</title>"#
    private static let tail = "</item></channel></rss>"

    private static func feed(_ body: String) -> [UInt8] { Array((head + body + tail).utf8) }

    /// `count` distinct element names, 50 bytes long, sharing a 42-byte prefix.
    static func distinctNames(_ count: Int) -> [UInt8] {
        var body = ""
        body.reserveCapacity(count * 52)
        for index in 0..<count { body += "<averyveryverylongsharedelementnameprefix_\(pad(index))/>" }
        return feed(body)
    }

    /// Elements with undeclared prefixes, each a new one (libxml2 reports each as an error).
    static func undeclaredPrefixes(_ count: Int) -> [UInt8] {
        feed((0..<count).map { "<p\($0):x/>" }.joined())
    }

    /// Processing instructions, each with a new target.
    static func processingInstructions(_ count: Int) -> [UInt8] {
        feed((0..<count).map { "<?p\($0) x?>" }.joined())
    }

    /// A DTD declaring `count` entities.
    static func declaredEntities(_ count: Int) -> [UInt8] {
        let declarations = (0..<count).map { "<!ENTITY e\($0) \"v\">" }.joined()
        return Array(("<?xml version=\"1.0\"?><!DOCTYPE rss [\(declarations)]>" + head.dropFirst(21) + tail).utf8)
    }

    /// One element with `count` attributes, whose values hold `valueText`.
    static func attributes(_ count: Int, valueText: String = "1") -> [UInt8] {
        var body = "<x"
        body.reserveCapacity(count * 12)
        for index in 0..<count { body += " a\(index)=\"\(valueText)\"" }
        return feed(body + "/>")
    }

    /// A DTD declaring `count` defaulted attributes for `item`, one declaration each.
    static func declaredAttributeDefaults(_ count: Int) -> [UInt8] {
        let declarations = (0..<count).map { "<!ATTLIST item a\($0) CDATA \"d\">" }.joined()
        return Array(("<?xml version=\"1.0\"?><!DOCTYPE rss [\(declarations)]>" + head.dropFirst(21) + tail).utf8)
    }

    /// The root declaring `count` namespaces.
    static func namespacesOnRoot(_ count: Int) -> [UInt8] {
        let declarations = (0..<count).map { " xmlns:p\($0)=\"urn:x:\($0)\"" }.joined()
        return Array("<rss version=\"2.0\"\(declarations)><channel><title>t</title><item><title>x</title></item></channel></rss>".utf8)
    }

    /// `levels` nested elements inside an item, each declaring `perLevel` new namespaces.
    static func nestedNamespaces(levels: Int, perLevel: Int) -> [UInt8] {
        var body = ""
        for level in 0..<levels {
            body += "<n"
            for index in 0..<perLevel { body += " xmlns:p\(level)_\(index)=\"urn:x:\(level):\(index)\"" }
            body += ">"
        }
        body += String(repeating: "</n>", count: levels)
        return feed(body)
    }

    /// Elements nested `totalDepth` levels deep, counting rss, channel and item.
    static func nested(totalDepth: Int) -> [UInt8] {
        let inner = totalDepth - 3
        return Array(("<rss><channel><item><title>deep</title>" + String(repeating: "<a>", count: inner)
            + String(repeating: "</a>", count: inner) + "</item></channel></rss>").utf8)
    }

    /// An item whose description is one text node of `bytes` bytes.
    static func textNode(bytes: Int) -> [UInt8] {
        Array((head + "<description>").utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: bytes)
            + Array(("</description>" + tail).utf8)
    }

    /// Ten levels of entities, each ten references to the one before.
    static func billionLaughs() -> [UInt8] {
        var doctype = "<!DOCTYPE rss [<!ENTITY lol0 \"lol\">"
        for level in 1...9 {
            doctype += "<!ENTITY lol\(level) \"\(String(repeating: "&lol\(level - 1);", count: 10))\">"
        }
        doctype += "]>"
        return Array("<?xml version=\"1.0\"?>\(doctype)<rss><channel><item><title>&lol9;</title></item></channel></rss>".utf8)
    }

    /// An external entity pointing at /etc/passwd.
    static func externalEntity() -> [UInt8] {
        Array("""
            <?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <rss><channel><item><title>x&xxe;y</title><description>&xxe;</description></item></channel></rss>
            """.utf8)
    }

    private static func pad(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 7 - digits.count)) + digits
    }
}

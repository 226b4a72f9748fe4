public import Foundation
import FeedWatchModel

/// One feed listed in an OPML subscription list.
public struct OPMLOutline: Sendable, Hashable {
    /// The feed URL (`xmlUrl`).
    public var xmlURL: String
    /// The outline's `title`, else its `text`.
    public var title: String?
    /// The site URL (`htmlUrl`).
    public var htmlURL: String?
    /// The titles of the folders (enclosing outlines) the feed sits in, outermost first.
    public var folders: [String]
    /// The outline's `category` tags (OPML 2.0: comma-separated; for a slash-delimited
    /// category, its last part).
    public var categories: [String]

    public init(xmlURL: String, title: String? = nil, htmlURL: String? = nil, folders: [String] = [], categories: [String] = []) {
        self.xmlURL = xmlURL
        self.title = title
        self.htmlURL = htmlURL
        self.folders = folders
        self.categories = categories
    }

    /// Folders then categories, each once: the tags a feed gets on import.
    public var tags: [String] {
        var seen = Set<String>()
        return (folders + categories).filter { seen.insert($0).inserted }
    }
}

/// Reads and writes OPML subscription lists, the format every feed reader imports and exports.
public enum OPML {
    /// The feeds an OPML document lists, in document order; folders become `folders`.
    /// Relative `xmlUrl`s are resolved against `documentURL`.
    public static func parse(_ bytes: [UInt8], documentURL: String? = nil, limits: ParseLimits = ParseLimits())
        throws(ParseError) -> [OPMLOutline]
    {
        guard bytes.count <= limits.maxBytes else {
            throw ParseError(code: .limitExceeded, message: "OPML: the document exceeds \(limits.maxBytes) bytes")
        }
        let result = SAXDriver.parse(bytes, encoding: nil, declaredEncodingTrusted: true, baseURL: documentURL, limits: limits)
        if let error = result.limitError { throw error }
        // Element handles do not retain their document: keep it alive until reading is done.
        let document = result.document
        defer { withExtendedLifetime(document) {} }
        guard let root = result.root, root.name.lowercased() == "opml" else {
            let found = result.root.map { "a <\($0.name)> document" } ?? "no XML element"
            throw ParseError(code: .notAFeed, message: "not an OPML subscription list: found \(found)")
        }
        guard let body = root.children.first(where: { $0.name.lowercased() == "body" }) else {
            throw ParseError(code: .malformed, message: "OPML: the document has no <body>")
        }
        var outlines: [OPMLOutline] = []
        collect(body, folders: [], documentURL: documentURL, into: &outlines)
        return outlines
    }

    private static func collect(_ element: XMLElement, folders: [String], documentURL: String?, into outlines: inout [OPMLOutline]) {
        for child in element.children where child.name.lowercased() == "outline" {
            let title = (child.attribute("title") ?? child.attribute("text")).map { $0.trimmingASCIIWhitespace() }
            if let raw = child.attribute("xmlUrl") ?? child.attribute("xmlurl"), !raw.trimmingASCIIWhitespace().isEmpty {
                let url = resolve(raw.trimmingASCIIWhitespace(), against: documentURL)
                outlines.append(OPMLOutline(
                    xmlURL: url, title: title?.isEmpty == false ? title : nil,
                    htmlURL: child.attribute("htmlUrl") ?? child.attribute("htmlurl"), folders: folders,
                    categories: categories(child.attribute("category"))))
            }
            let nested = title.flatMap { $0.isEmpty ? nil : folders + [$0] } ?? folders
            collect(child, folders: child.attribute("xmlUrl") == nil ? nested : folders, documentURL: documentURL, into: &outlines)
        }
    }

    /// `category="news,/World/Iran"` → `["news", "Iran"]`.
    private static func categories(_ attribute: String?) -> [String] {
        guard let attribute else { return [] }
        return attribute.split(separator: ",").compactMap { part in
            part.split(separator: "/").last.map { String($0).trimmingASCIIWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    private static func resolve(_ url: String, against base: String?) -> String {
        guard let base, let baseURL = URL(string: base), URL(string: url)?.scheme == nil else { return url }
        return URL(string: url, relativeTo: baseURL)?.absoluteString ?? url
    }

    /// An OPML 2.0 document listing `outlines`, grouped into folders by their first folder.
    public static func export(title: String, outlines: [OPMLOutline], created: Date) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n"
        out += "    <title>\(escape(title))</title>\n"
        out += "    <dateCreated>\(rfc822(created))</dateCreated>\n"
        out += "  </head>\n  <body>\n"
        var folders: [String] = []
        var byFolder: [String: [OPMLOutline]] = [:]
        for outline in outlines {
            let folder = outline.folders.first ?? ""
            if byFolder[folder] == nil { folders.append(folder) }
            byFolder[folder, default: []].append(outline)
        }
        for folder in folders {
            let indent = folder.isEmpty ? "    " : "      "
            if !folder.isEmpty { out += "    <outline text=\"\(escape(folder))\" title=\"\(escape(folder))\">\n" }
            for outline in byFolder[folder] ?? [] {
                let name = escape(outline.title ?? outline.xmlURL)
                out += "\(indent)<outline type=\"rss\" text=\"\(name)\" title=\"\(name)\" xmlUrl=\"\(escape(outline.xmlURL))\""
                if let html = outline.htmlURL { out += " htmlUrl=\"\(escape(html))\"" }
                // Every tag, not only the folder's: OPML 2.0's comma-separated category.
                let tags = outline.tags.filter { !$0.contains(",") && !$0.contains("/") }
                if !tags.isEmpty { out += " category=\"\(escape(tags.joined(separator: ",")))\"" }
                out += "/>\n"
            }
            if !folder.isEmpty { out += "    </outline>\n" }
        }
        out += "  </body>\n</opml>\n"
        return out
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n": out += "&#10;"
            default: out.append(ch)
            }
        }
        return out
    }

    static func rfc822(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}

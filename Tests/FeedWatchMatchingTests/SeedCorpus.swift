import FeedWatchTestSupport
import Foundation

/// The shared seed corpus, read with a crude scan so these tests do not depend on the feed parser.
enum SeedCorpus {
    struct Item {
        var title: String
        var description: String
        var content: String
        /// What the matcher sees as the body: content, else the description (like `Article.bodyText`).
        var body: String { content.isEmpty ? description : content }
    }

    /// `<shared>/corpus/seed` (see `SharedCorpus`: `$FEEDWATCH_SHARED`, else `<repository>/../shared`).
    static let directory: URL? = SharedCorpus.corpusDirectory
        .map { $0.appendingPathComponent("seed") }
        .flatMap { FileManager.default.fileExists(atPath: $0.appendingPathComponent("expected-topics.json").path) ? $0 : nil }

    /// The seed corpus, with `expected-topics.json`.
    static let requirement = TestRequirement(
        "the seed corpus (../shared/corpus/seed next to the repository, or set FEEDWATCH_SHARED)", isMet: directory != nil)

    static func text(_ name: String) throws -> String {
        try requirement.check()
        guard let directory else { throw CocoaError(.fileNoSuchFile) }
        return try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// Article title → expected topic ids.
    static func expected() throws -> [String: Set<String>] {
        let data = Data(try text("expected-topics.json").utf8)
        struct File: Decodable { var expected: [String: [String]] }
        return try JSONDecoder().decode(File.self, from: data).expected.mapValues(Set.init)
    }

    /// The items of the RSS 2.0 seed feed.
    static func rssItems() throws -> [Item] {
        let xml = try text("iranfocus-rss2.xml")
        return elements("item", in: xml).map { item in
            Item(title: plain(elements("title", in: item).first ?? ""),
                 description: plain(elements("description", in: item).first ?? ""),
                 content: plain(elements("content:encoded", in: item).first ?? ""))
        }
    }

    /// The entries of the Atom 1.0 seed feed (summary as description, content as content).
    static func atomEntries() throws -> [Item] {
        let xml = try text("iranfocus-atom.xml")
        return elements("entry", in: xml).map { entry in
            Item(title: plain(elements("title", in: entry).first ?? ""),
                 description: plain(elements("summary", in: entry).first ?? ""),
                 content: plain(elements("content", in: entry).first ?? ""))
        }
    }

    /// The plain-text article: first line the title, the rest the body.
    static func textArticle() throws -> Item {
        let text = try text("khamenei-missile-program.txt")
        let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        return Item(title: String(lines.first ?? ""), description: "", content: lines.count > 1 ? String(lines[1]) : "")
    }

    private static func elements(_ name: String, in text: String) -> [String] {
        var result: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "<\(name)"), let openEnd = rest[open.upperBound...].range(of: ">"),
              let close = rest[openEnd.upperBound...].range(of: "</\(name)>") {
            result.append(String(rest[openEnd.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return result
    }

    /// Strips CDATA markers and tags (tags become spaces) and decodes the common entities; twice,
    /// for escaped HTML (`&lt;p&gt;` in Atom `type="html"` content).
    private static func plain(_ text: String) -> String {
        var text = text.replacingOccurrences(of: "<![CDATA[", with: "").replacingOccurrences(of: "]]>", with: "")
        for _ in 0..<2 {
            while let open = text.range(of: "<"), let close = text[open.lowerBound...].range(of: ">") {
                text.replaceSubrange(open.lowerBound..<close.upperBound, with: " ")
            }
            for (entity, character) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"),
                                        ("&apos;", "'"), ("&#8217;", "’"), ("&amp;", "&")] {
                text = text.replacingOccurrences(of: entity, with: character)
            }
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

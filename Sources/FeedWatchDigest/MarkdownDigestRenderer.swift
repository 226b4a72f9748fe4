import Foundation
public import FeedWatchModel

/// Renders a digest as Markdown: a heading per topic, each matched article once with its
/// link, source, publication time and the snippets that explain the match.
///
/// Rendering is a pure function of the digest, so a digest regenerated later is
/// byte-for-byte the one delivered.
public struct MarkdownDigestRenderer: Sendable {
    public let clock: DigestClock

    public init(clock: DigestClock) { self.clock = clock }

    public func render(_ digest: Digest) -> String {
        var out = "# feedwatch digest for \(digest.day)\n\n"
        let topics = digest.sections.count
        let matches = digest.matchCount
        out += "\(matches) \(matches == 1 ? "match" : "matches") in \(topics) \(topics == 1 ? "topic" : "topics")"
        out += " · made \(clock.displayTime(digest.created))\n"
        if digest.sections.isEmpty {
            out += "\nNothing new matched your topics in this period.\n"
            return out
        }
        out += "\n"
        for section in digest.sections {
            out += "- [\(Self.escape(section.topic.name))](#\(Self.anchor(section.topic.id))) (\(section.items.count))\n"
        }
        for section in digest.sections {
            out += "\n<a id=\"\(Self.anchor(section.topic.id))\"></a>\n"
            out += "## \(Self.escape(section.topic.name))\n"
            for item in section.items {
                out += "\n### "
                if let link = item.link, let safe = Self.safeLink(link) {
                    out += "[\(Self.escape(item.title))](<\(safe)>)\n"
                } else {
                    out += Self.escape(item.title) + "\n"
                }
                var source = "*\(Self.escape(item.feedName))*"
                if let published = item.published { source += " · \(clock.displayTime(published))" }
                out += "\n" + source + "\n"
                for snippet in item.snippets {
                    out += "\n> " + Self.render(snippet) + "\n"
                }
                if !item.alsoReportedBy.isEmpty {
                    out += "\nAlso reported by: " + item.alsoReportedBy.map { Self.render($0) }.joined(separator: ", ") + "\n"
                }
            }
        }
        return out
    }

    /// "*Feed*: [Title](<link>)" when the other report's headline is known, else "[Feed](<link>)";
    /// without the link when it is not a safe http(s) link.
    private static func render(_ source: Digest.Link) -> String {
        let safe = source.url.flatMap(safeLink)
        guard let title = source.title else {
            let name = escape(source.feedName)
            return safe.map { "[\(name)](<\($0)>)" } ?? name
        }
        let linked = safe.map { "[\(escape(title))](<\($0)>)" } ?? escape(title)
        return "*\(escape(source.feedName))*: " + linked
    }

    private static func render(_ snippet: Snippet) -> String {
        snippet.parts.map { part in
            let text = escape(part.text.replacingOccurrences(of: "\n", with: " "))
            return part.highlighted ? "**\(text)**" : text
        }.joined()
    }

    /// Escapes the characters that would turn feed text into Markdown or HTML markup.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "\\", "`", "*", "_", "[", "]", "#", "|", "~": out.append("\\"); out.append(ch)
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\n", "\r": out.append(" ")
            default: out.append(ch)
            }
        }
        return out
    }

    /// Only http(s) links are shown as links; `javascript:` and friends become plain text.
    static func safeLink(_ link: String) -> String? {
        let lower = link.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return nil }
        guard !link.containsControlCharacters, !link.contains(where: { $0 == "<" || $0 == ">" || $0 == " " }) else { return nil }
        return link
    }

    static func anchor(_ id: String) -> String {
        "topic-" + String(id.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
    }
}

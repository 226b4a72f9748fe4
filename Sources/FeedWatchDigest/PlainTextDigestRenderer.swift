import Foundation
public import FeedWatchModel

/// Renders a digest as plain text for reading, the `text/plain` part of the e-mail: no markup
/// to escape and nothing a mail program would show as code (`&amp;`, `\[`, `<a id=…>`), links
/// written out on their own lines, each topic capped like the Markdown digest.
public struct PlainTextDigestRenderer: Sendable {
    public let clock: DigestClock

    public init(clock: DigestClock) { self.clock = clock }

    public func render(_ digest: Digest, context: DigestContext = DigestContext()) -> String {
        var out = "feedwatch digest for \(digest.day)\n"
        out += clock.summaryLine(digest, since: context.since) + "\n"
        if digest.sections.isEmpty {
            out += "\nNothing new matched your topics in this period.\n"
        }
        for section in DigestLayout(digest, cap: context.maxStoriesPerTopic).sections {
            let heading = "\(Self.flat(section.topic.name)) (\(section.entries.count))"
            out += "\n\n" + heading + "\n" + String(repeating: "=", count: min(72, heading.count)) + "\n"
            for entry in section.shown {
                let item = entry.item
                if let topic = entry.shownUnder {
                    out += "\n* \(Self.flat(item.title)) (also under \(Self.flat(topic.name)); id \(item.dismissID))\n"
                    continue
                }
                out += "\n* \(Self.flat(item.title))\n"
                var meta = "  \(Self.flat(item.feedName))"
                if let published = item.published { meta += " · \(clock.displayTime(published))" }
                out += meta + " · id \(item.dismissID)\n"
                if let link = item.link.flatMap(DigestMarkup.safeURL) { out += "  \(link)\n" }
                for snippet in item.snippets { out += "  \"\(Self.flat(snippet.plainText))\"\n" }
                if !item.alsoReportedBy.isEmpty {
                    out += "  Also reported by: " + item.alsoReportedBy.map { Self.flat($0.feedName) }.joined(separator: ", ") + "\n"
                }
            }
            if section.hiddenCount > 0 {
                out += "\n  …and \(DigestMarkup.count(section.hiddenCount, "more story", "more stories"))"
                if let link = context.fullDigestLink.flatMap(DigestMarkup.safeURL) {
                    out += ": \(link)#\(DigestMarkup.anchor(section.topic.id))\n"
                } else {
                    out += " in the HTML and JSON digest files\n"
                }
            }
        }
        if let health = context.health {
            out += "\n\nFeeds and matches\n-----------------\n"
            for line in clock.healthLines(health) { out += "- " + Self.flat(line) + "\n" }
        }
        return out
    }

    /// Feed text on one line, without control characters.
    static func flat(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 }
            .filter { $0.value >= 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value) }))
    }
}

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
            let heading = "\(Self.isolated(section.topic.name)) (\(section.entries.count))"
            // Underlined to the visible width: the isolate marks take no room.
            let width = heading.filter { !$0.unicodeScalars.allSatisfy(Self.isBidiControl) }.count
            out += "\n\n" + heading + "\n" + String(repeating: "=", count: min(72, width)) + "\n"
            for entry in section.shown {
                let item = entry.item
                if let topic = entry.shownUnder {
                    out += "\n* \(Self.isolated(item.title)) (also under \(Self.isolated(topic.name)); id \(item.dismissID))\n"
                    continue
                }
                out += "\n* \(Self.flat(item.title))\n"
                var meta = "  \(Self.isolated(item.feedName))"
                if let published = item.published { meta += " · \(clock.displayTime(published))" }
                out += meta + " · id \(item.dismissID)\n"
                if let link = item.link.flatMap(DigestMarkup.safeURL) { out += "  \(link)\n" }
                for snippet in item.snippets { out += "  \"\(Self.flat(snippet.plainText))\"\n" }
                if !item.alsoReportedBy.isEmpty {
                    out += "  Also reported by: " + item.alsoReportedBy.map { Self.isolated($0.feedName) }.joined(separator: ", ")
                        + DigestMarkup.moreSources(item) + "\n"
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

    /// Feed text on one line in its own bidirectional isolate (FSI … PDI), for a name or title that
    /// shares a line with English: a Persian or Arabic one keeps its order without turning the
    /// whole line right to left (`* تحریمهای … (also under Sanctions; id 2)`), and a date after it
    /// stays after it. `flat` has dropped the feed's own bidi controls, so a stray PDI cannot close
    /// the isolate.
    /// Text without a right-to-left letter or a bidi control is returned flat, unchanged.
    static func isolated(_ text: String) -> String {
        let flat = flat(text)
        guard flat.unicodeScalars.contains(where: { isRightToLeft($0) || isBidiControl($0) }) else { return flat }
        return "\u{2068}" + flat + "\u{2069}"
    }

    /// Hebrew, Arabic, Syriac, Thaana, N'Ko and the other right-to-left blocks, and their presentation forms.
    static func isRightToLeft(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0590...0x08FF, 0xFB1D...0xFDFF, 0xFE70...0xFEFF, 0x10800...0x10FFF, 0x1E800...0x1EFFF: return true
        default: return false
        }
    }

    static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool { DigestMarkup.isBidiControl(scalar) }

    /// Feed text on one line, without control characters nor bidi embedding, override and isolate
    /// controls (a feed's RLO would reverse the rest of a line; LRM and RLM marks stay).
    static func flat(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 }
            .filter { $0.value >= 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value) && !isBidiControl($0) }))
    }
}

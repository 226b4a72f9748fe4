import Foundation
public import FeedWatchModel

/// Renders a digest as Markdown: a heading per topic, each matched article once with its
/// link, source, publication time and the snippets that explain the match.
///
/// Rendering is a pure function of the digest, so a digest regenerated later is
/// byte-for-byte the one delivered.
public struct MarkdownDigestRenderer: Sendable {
    public let clock: DigestClock
    /// The most stories a topic shows; the rest are counted (nil: all).
    public var maxStoriesPerTopic: Int?
    /// Whether `YYYY-MM-DD.html` is written beside it, so the rest of a capped topic is linked.
    public var linksHTML: Bool

    public init(clock: DigestClock, maxStoriesPerTopic: Int? = nil, linksHTML: Bool = false) {
        self.clock = clock
        self.maxStoriesPerTopic = maxStoriesPerTopic
        self.linksHTML = linksHTML
    }

    /// The digest alone: every story, no period, no health footer.
    public func render(_ digest: Digest) -> String { render(digest, context: DigestContext()) }

    /// The digest with what `context` adds: the period covered, each topic capped with the
    /// rest counted (and linked), the health footer.
    public func render(_ digest: Digest, context: DigestContext) -> String {
        let out = DigestOutput()
        render(digest, context: context, to: out)
        return out.contents
    }

    /// `render(_:context:)` written to `out`, a story at a time.
    public func render(_ digest: Digest, context: DigestContext, to out: DigestOutput) {
        steps(context: context, to: out).drive(digest)
    }

    /// The file written as the day's stories go by (`DigestSteps`).
    func steps(context: DigestContext, to out: DigestOutput) -> some DigestSteps { Steps(renderer: self, context: context, out: out) }

    private final class Steps: DigestSteps {
        let renderer: MarkdownDigestRenderer
        let context: DigestContext
        let out: DigestOutput
        let cap: StoryCap
        var outline = DigestOutline(day: "", timeZone: "", created: Date(timeIntervalSince1970: 0), sections: [])

        init(renderer: MarkdownDigestRenderer, context: DigestContext, out: DigestOutput) {
            self.renderer = renderer
            self.context = context
            self.out = out
            self.cap = StoryCap(cap: context.maxStoriesPerTopic)
        }

        func begin(_ outline: DigestOutline) {
            self.outline = outline
            out.write("# feedwatch digest for \(outline.day)\n\n")
            out.write(renderer.clock.summaryLine(outline, since: context.since) + "\n")
            if outline.sections.isEmpty {
                out.write("\nNothing new matched your topics in this period.\n")
                return
            }
            out.write("\n")
            for section in outline.sections {
                out.write("- [\(MarkdownDigestRenderer.escape(section.topic.name))](#\(MarkdownDigestRenderer.anchor(section.topic.id))) (\(section.itemCount))\n")
            }
        }

        func beginSection(_ index: Int) {
            let topic = outline.sections[index].topic
            out.write("\n<a id=\"\(MarkdownDigestRenderer.anchor(topic.id))\"></a>\n")
            out.write("## \(MarkdownDigestRenderer.escape(topic.name))\n")
        }

        func story(_ entry: DigestStory, at position: Int) {
            guard position < cap.cap.map({ max(1, $0) }) ?? Int.max else { return }
            renderer.write(entry, to: out)
        }

        func endSection(_ index: Int) {
            let section = outline.sections[index]
            let hidden = cap.hidden(section)
            guard hidden > 0 else { return }
            let more = "and \(DigestMarkup.count(hidden, "more story", "more stories"))"
            if let link = context.fullDigestLink.flatMap({ MarkdownDigestRenderer.safeLink($0) ?? (MarkdownDigestRenderer.isRelativeFile($0) ? $0 : nil) }) {
                out.write("\n*…\(more) [in the full digest](<\(link)#\(DigestMarkup.anchor(section.topic.id))>)*\n")
            } else {
                out.write("\n*…\(more) in the HTML and JSON digest files*\n")
            }
        }

        func end() { renderer.footer(context, to: out) }
    }

    /// One story: in full, or a line referring to the topic that shows it.
    private func write(_ entry: DigestStory, to out: DigestOutput) {
        let item = entry.item
        if let topic = entry.shownUnder {
            out.write("\n- " + title(item) + " · also under [\(Self.escape(topic.name))](#\(Self.anchor(topic.id))) · id \(item.dismissID)\n")
            return
        }
        var story = "\n### " + title(item) + "\n"
        var source = "*\(Self.escape(item.feedName))*"
        if let published = item.published { source += " · \(clock.displayTime(published))" }
        story += "\n" + source + " · id \(item.dismissID)\n"
        for snippet in item.snippets {
            story += "\n> " + Self.render(snippet) + "\n"
        }
        out.write(story)
        if !item.alsoReportedBy.isEmpty {
            // A story carried by a thousand feeds lists them a link at a time.
            out.write("\nAlso reported by: ")
            for (index, link) in item.alsoReportedBy.enumerated() { out.write((index == 0 ? "" : ", ") + Self.render(link)) }
            out.write(DigestMarkup.moreSources(item) + "\n")
        }
    }

    /// The title as a link when it has a safe one.
    private func title(_ item: Digest.Item) -> String {
        if let link = item.link, let safe = Self.safeLink(link) { return "[\(Self.escape(item.title))](<\(safe)>)" }
        return Self.escape(item.title)
    }

    /// The health footer: feeds failing, disabled or silent, matches waiting.
    private func footer(_ context: DigestContext, to out: DigestOutput) {
        guard let health = context.health else { return }
        out.write("\n---\n\n## Feeds and matches\n\n")
        for line in clock.healthLines(health) { out.write("- " + Self.escape(line) + "\n") }
    }

    /// A digest file name of our own (`2026-12-04.html`): safe as a relative link.
    static func isRelativeFile(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
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
            let text = escape(part.text)
            return part.highlighted ? "**\(text)**" : text
        }.joined()
    }

    /// Escapes the characters that would turn feed text into Markdown or HTML markup; line
    /// breaks become spaces; bidi controls are dropped (`DigestMarkup.isBidiControl`). Every
    /// character it changes is ASCII or a bidi control, so it works on the UTF-8 bytes and
    /// returns text without any of them as it is.
    static func escape(_ text: String) -> String {
        var text = text
        return text.withUTF8 { utf8 -> String? in
            func changes(_ index: Int) -> Bool {
                escaped(utf8[index]) || (utf8[index] == 0xE2 && DigestMarkup.isBidiControl(utf8, at: index))
            }
            var index = 0
            while index < utf8.count, !changes(index) { index += 1 }
            if index == utf8.count { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(utf8.count + 16)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[..<index]))
            while index < utf8.count {
                let byte = utf8[index]
                switch byte {
                case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
                case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
                case 0x0A, 0x0D: out.append(0x20)
                case 0xE2 where DigestMarkup.isBidiControl(utf8, at: index): index += 2
                case _ where escaped(byte): out.append(UInt8(ascii: "\\")); out.append(byte)
                default: out.append(byte)
                }
                index += 1
            }
            return String(decoding: out, as: UTF8.self)
        } ?? text
    }

    /// Whether `escape` changes this byte.
    private static func escaped(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "\\"), UInt8(ascii: "`"), UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "["), UInt8(ascii: "]"),
             UInt8(ascii: "#"), UInt8(ascii: "|"), UInt8(ascii: "~"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"), 0x0A, 0x0D:
            return true
        default: return false
        }
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

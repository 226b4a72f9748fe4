import Foundation
import FeedWatchModel

/// The escaping rules every HTML and XML renderer shares. Feed text is hostile input: it is
/// escaped everywhere it lands, and only plain http(s) URLs ever become link targets.
enum DigestMarkup {
    /// Escapes text for HTML/XML element content and double- or single-quoted attributes, and
    /// drops the characters XML 1.0 forbids (a feed's stray control bytes would make the Atom
    /// file invalid and some readers reject the whole feed) and bidi controls (`isBidiControl`).
    /// With `newlinesAsSpaces`, line breaks become spaces (snippets are one line).
    ///
    /// Works on the UTF-8 bytes: every character it changes is ASCII, or a C1 control
    /// (`C2 80`–`C2 9F`), or U+FFFE/U+FFFF (`EF BF BE`/`EF BF BF`), or a bidi control
    /// (`E2 80 AA`–`AE`, `E2 81 A6`–`A9`); text with none of them (most of it) is returned as it is.
    static func escape(_ text: String, newlinesAsSpaces: Bool = false) -> String {
        var text = text
        return text.withUTF8 { utf8 -> String? in
            let index = plainRun(utf8, from: 0, newlinesAsSpaces: newlinesAsSpaces)
            if index == utf8.count { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(utf8.count + 32)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[..<index]))
            appendEscaped(utf8, from: index, newlinesAsSpaces: newlinesAsSpaces, to: &out)
            return String(decoding: out, as: UTF8.self)
        } ?? text
    }

    /// `escape(text)`'s bytes appended to `out`, without making a string of them.
    static func appendEscaped(_ text: String, newlinesAsSpaces: Bool = false, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            let index = plainRun(utf8, from: 0, newlinesAsSpaces: newlinesAsSpaces)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[..<index]))
            if index < utf8.count { appendEscaped(utf8, from: index, newlinesAsSpaces: newlinesAsSpaces, to: &out) }
        }
    }

    /// The escaped form of `utf8[index...]` appended to `out`: runs of bytes that need nothing
    /// are appended at once, the rest byte by byte.
    private static func appendEscaped(
        _ utf8: UnsafeBufferPointer<UInt8>, from start: Int, newlinesAsSpaces: Bool, to out: inout [UInt8]
    ) {
        var index = start
        while index < utf8.count {
            let plain = plainRun(utf8, from: index, newlinesAsSpaces: newlinesAsSpaces)
            if plain > index {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[index..<plain]))
                index = plain
                if index == utf8.count { break }
            }
            let byte = utf8[index]
            switch byte {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): out.append(contentsOf: "&#39;".utf8)
            case 0x0A, 0x0D: out.append(newlinesAsSpaces ? 0x20 : byte)
            case 0x09: out.append(byte)
            case 0x00..<0x20, 0x7F: break
            case 0xC2 where index + 1 < utf8.count && (0x80...0x9F).contains(utf8[index + 1]):
                index += 1
            case 0xEF where index + 2 < utf8.count && utf8[index + 1] == 0xBF && (utf8[index + 2] == 0xBE || utf8[index + 2] == 0xBF):
                index += 2
            case 0xE2 where isBidiControl(utf8, at: index):
                index += 2
            default: out.append(byte)
            }
            index += 1
        }
    }

    /// Where the run of bytes from `start` that need no escaping ends (`needsEscaping` of each),
    /// deciding most bytes by one bit: ASCII below 64 by a mask, the rest of ASCII but DEL
    /// plainly; only DEL and the lead bytes of the C1 controls, bidi controls and noncharacters
    /// are looked at further. Every story's text goes through this, byte by byte.
    @inline(__always)
    static func plainRun(_ utf8: UnsafeBufferPointer<UInt8>, from start: Int, newlinesAsSpaces: Bool) -> Int {
        let mask = newlinesAsSpaces ? escapedBelow64 : escapedBelow64 & ~(1 << 0x0A | 1 << 0x0D)
        var index = start
        while index < utf8.count {
            let byte = utf8[index]
            if byte < 64 {
                if (mask >> UInt64(byte)) & 1 != 0 { break }
            } else if byte >= 0x7F, needsEscaping(utf8, at: index, newlinesAsSpaces: newlinesAsSpaces) {
                break
            }
            index += 1
        }
        return index
    }

    /// Bit `b` set: byte `b` (below 64) needs escaping, newlines included (`needsEscaping`):
    /// the controls but tab, and `" & ' < >`. A constant, so reading it costs no lazy start.
    private static var escapedBelow64: UInt64 {
        0xFFFF_FDFF | 1 << 0x22 | 1 << 0x26 | 1 << 0x27 | 1 << 0x3C | 1 << 0x3E
    }

    /// Whether the byte at `index` starts something `escape` changes.
    @inline(__always)
    private static func needsEscaping(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int, newlinesAsSpaces: Bool) -> Bool {
        let byte = utf8[index]
        switch byte {
        case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'"), 0x7F: return true
        case 0x09: return false
        case 0x0A, 0x0D: return newlinesAsSpaces
        case 0x00..<0x20: return true
        case 0xC2: return index + 1 < utf8.count && (0x80...0x9F).contains(utf8[index + 1])
        case 0xEF: return index + 2 < utf8.count && utf8[index + 1] == 0xBF && (utf8[index + 2] == 0xBE || utf8[index + 2] == 0xBF)
        case 0xE2: return isBidiControl(utf8, at: index)
        default: return false
        }
    }

    /// Whether the three bytes at `index` (a lead byte E2) are a bidi control `isBidiControl` names.
    @inline(__always)
    static func isBidiControl(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        guard index + 2 < utf8.count else { return false }
        let (second, third) = (utf8[index + 1], utf8[index + 2])
        return (second == 0x80 && (0xAA...0xAE).contains(third)) || (second == 0x81 && (0xA6...0xA9).contains(third))
    }

    /// Bidi embedding, override and isolate controls (LRE RLE PDF LRO RLO, LRI RLI FSI PDI). Feed
    /// text loses them in every format: a stray PDI closes the isolate a title is put in, and an
    /// RLO after it reverses the rest of the line (`also under` shown as `rednu osla`, a link's
    /// address spelled backwards). News has no use for them; the LRM and RLM marks are kept.
    static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// `link` when it is an absolute http(s) URL with a host and nothing that could break out
    /// of an attribute; nil otherwise (`javascript:`, `data:`, relative, malformed).
    static func safeURL(_ link: String?) -> String? {
        guard let link, !link.isEmpty, link.utf8.count <= 4096 else { return nil }
        // Most links are plain `http(s)://host/path`: recognised here byte by byte, they skip
        // the URL parser (a digest of 30,000 stories parsed 40,000 links, 1.5 % of a cold cycle).
        var copy = link
        if copy.withUTF8(isPlainHTTPURL) { return link }
        return safeURLByComponents(link)
    }

    /// `safeURL` by the URL parser alone, for what `isPlainHTTPURL` does not recognise (and
    /// for the test that holds the two to the same answers).
    static func safeURLByComponents(_ link: String) -> String? {
        guard !link.isEmpty, link.utf8.count <= 4096 else { return nil }
        guard !link.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || "\"'<>`\\".unicodeScalars.contains($0) })
        else { return nil }
        guard let components = URLComponents(string: link), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return nil }
        return link
    }

    /// Whether `utf8` is surely a URL `safeURLByComponents` accepts: `http://` or `https://`
    /// (lowercase), a host of letters, digits, dots and hyphens starting with a letter or digit,
    /// an optional port of at most five digits below 65536, then nothing or a path, query and
    /// fragment of RFC 3986's unreserved and sub-delimiter characters (no quotes), `:`, `@`, `/`,
    /// `?`, valid percent escapes and at most one `#`. False means "not sure", never "unsafe".
    private static func isPlainHTTPURL(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        var index: Int
        if utf8.starts(with: "https://".utf8) { index = 8 } else if utf8.starts(with: "http://".utf8) { index = 7 } else { return false }
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        }
        // Host.
        guard index < utf8.count, isAlphanumeric(utf8[index]) else { return false }
        while index < utf8.count, isAlphanumeric(utf8[index]) || utf8[index] == UInt8(ascii: ".") || utf8[index] == UInt8(ascii: "-") {
            index += 1
        }
        // Port.
        if index < utf8.count, utf8[index] == UInt8(ascii: ":") {
            index += 1
            var port = 0, digits = 0
            while index < utf8.count, (0x30...0x39).contains(utf8[index]) {
                port = port * 10 + Int(utf8[index] - 0x30)
                digits += 1
                guard digits <= 5 else { return false }
                index += 1
            }
            guard digits > 0, port < 65536 else { return false }
        }
        guard index < utf8.count else { return true }
        guard utf8[index] == UInt8(ascii: "/") || utf8[index] == UInt8(ascii: "?") || utf8[index] == UInt8(ascii: "#") else { return false }
        // Path, query and fragment.
        var fragment = false
        while index < utf8.count {
            let byte = utf8[index]
            switch byte {
            case _ where isAlphanumeric(byte): break
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "$"),
                 UInt8(ascii: "&"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","),
                 UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"), UInt8(ascii: "?"):
                break
            case UInt8(ascii: "#"):
                guard !fragment else { return false }
                fragment = true
            case UInt8(ascii: "%"):
                guard index + 2 < utf8.count, isHexDigit(utf8[index + 1]), isHexDigit(utf8[index + 2]) else { return false }
                index += 2
            default:
                return false
            }
            index += 1
        }
        return true
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    /// An RFC 3339 UTC timestamp with second precision, as Atom and JSON want it.
    static func rfc3339(_ date: Date) -> String {
        let fast = CivilTime(date)
        if fast.isModern { return fast.rfc3339 }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// A fragment identifier made only of safe characters, so feed-chosen topic ids cannot
    /// break out of an `id` or `href`.
    static func anchor(_ id: String) -> String {
        "topic-" + String(id.map { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" ? $0 : "-" })
    }

    /// Already escaped text in its own bidirectional isolate, taking the direction of its first
    /// strong letter: a Persian or Arabic name inside an English line keeps its own order, and the
    /// counts, times and punctuation around it keep theirs (`Sanctions · تحریم‌ها 7` would otherwise
    /// show the 7 inside the Persian run, and a name ending in `)` would take the line's parenthesis).
    static func isolated(_ escapedHTML: String) -> String { "<bdi>\(escapedHTML)</bdi>" }

    /// "1 match", "3 matches".
    static func count(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }

    /// What follows a story's listed sources when it has more than the digest lists
    /// (`Digest.Item.alsoReportedMore`): " and 1497 more sources", or "" when none.
    static func moreSources(_ item: Digest.Item) -> String {
        item.alsoReportedMore > 0 ? " and " + count(item.alsoReportedMore, "more source", "more sources") : ""
    }

    /// The digest's sections as an HTML fragment (no page chrome): used by the page, the
    /// Atom entries and the e-mail, so all show the same thing. Each story is shown in full
    /// under its first topic and referenced from the others. Past `cap` stories a topic's rest
    /// is folded into a `<details>` (`cut` false: the page keeps all) or left out, counted and
    /// linked to `moreLink` (`cut` true: the e-mail).
    static func sectionsFragment(
        _ digest: Digest, clock: DigestClock, headingLevel: Int = 2, cap: Int? = nil, cut: Bool = false, moreLink: String? = nil
    ) -> String {
        let out = DigestOutput()
        sectionsFragment(digest, clock: clock, headingLevel: headingLevel, cap: cap, cut: cut, moreLink: moreLink, to: out)
        return out.contents
    }

    /// `sectionsFragment` written to `out`, a story at a time.
    static func sectionsFragment(
        _ digest: Digest, clock: DigestClock, headingLevel: Int = 2, cap: Int? = nil, cut: Bool = false, moreLink: String? = nil,
        to out: DigestOutput
    ) {
        let steps = SectionSteps(clock: clock, headingLevel: headingLevel, cap: cap, cut: cut, moreLink: moreLink, out: out)
        steps.begin(DigestOutline(digest))
        for (index, section) in DigestLayout(digest, cap: nil).sections.enumerated() {
            steps.beginSection(index)
            for (position, entry) in section.entries.enumerated() { steps.story(entry, at: position) }
            steps.endSection(index)
        }
    }

    /// The sections fragment written as the stories go by (`DigestSteps`): `begin` and `end`
    /// write nothing, so a page or a feed entry wraps it in its own head and tail.
    final class SectionSteps: DigestSteps {
        let clock: DigestClock
        let headingLevel: Int
        let cap: StoryCap
        let cut: Bool
        let moreLink: String?
        let out: DigestOutput
        private var outline = DigestOutline(day: "", timeZone: "", created: Date(timeIntervalSince1970: 0), sections: [])
        /// Whether the current topic's `<details>` (its stories past the cap) is open.
        private var folded = false
        /// The topic being written.
        private var current = 0

        init(clock: DigestClock, headingLevel: Int, cap: Int?, cut: Bool, moreLink: String?, out: DigestOutput) {
            self.clock = clock
            self.headingLevel = headingLevel
            self.cap = StoryCap(cap: cap)
            self.cut = cut
            self.moreLink = moreLink
            self.out = out
        }

        func begin(_ outline: DigestOutline) { self.outline = outline }

        func beginSection(_ index: Int) {
            let section = outline.sections[index]
            let h = headingLevel
            out.write(
                "<section id=\"\(anchor(section.topic.id))\">\n<h\(h)>\(isolated(escape(section.topic.name)))"
                    + " <span class=\"count\">\(section.itemCount + section.moreCount)</span></h\(h)>\n")
            folded = false
            current = index
        }

        func story(_ entry: DigestStory, at position: Int) {
            guard position >= cap.shown(outline.sections[current]) else {
                article(entry, clock: clock, headingLevel: headingLevel + 1, to: out)
                return
            }
            guard !cut else { return }
            if !folded { openDetails() }
            article(entry, clock: clock, headingLevel: headingLevel + 1, to: out)
        }

        func endSection(_ index: Int) {
            let section = outline.sections[index]
            let hidden = cap.hidden(section)
            if hidden > 0 {
                let more = "\(count(hidden, "more story", "more stories"))"
                if !cut {
                    if !folded { openDetails() }
                    out.write("</details>\n")
                } else if let url = moreLink.flatMap({ safeURL($0) }) {
                    out.write("<p class=\"more\">…and <a href=\"\(escape(url))#\(anchor(section.topic.id))\">\(more)</a> in the full digest</p>\n")
                } else {
                    out.write("<p class=\"more\">…and \(more) in the HTML and JSON digest files</p>\n")
                }
            }
            out.write("</section>\n")
        }

        func end() {}


        private func openDetails() {
            let hidden = cap.hidden(outline.sections[current])
            out.write("<details>\n<summary>\(count(hidden, "more story", "more stories"))</summary>\n")
            folded = true
        }
    }

    /// One story: in full, or a one-line reference to the topic that shows it. Written as
    /// bytes into one buffer per story: in a day of 30,000 stories, building each story's
    /// markup from interpolated strings was most of the page's rendering.
    private static func article(_ entry: DigestLayout.Entry, clock: DigestClock, headingLevel h: Int, to output: DigestOutput) {
        let item = entry.item
        var out = MarkupBytes(capacity: 400 + item.snippets.reduce(0) { total, snippet in
            snippet.parts.reduce(total + 48) { $0 + $1.text.utf8.count + 16 }
        })
        let url = safeURL(item.link)
        // The title, linked when its link is safe.
        func title(_ out: inout MarkupBytes) {
            if let url {
                out.openLink(url)
                out.escaped(item.title)
                out.literal("</a>")
            } else {
                out.escaped(item.title)
            }
        }
        if let topic = entry.shownUnder {
            // The line is English; only the title (and the topic's name) takes its own direction.
            out.literal("<p class=\"ref\"><bdi>"); title(&out)
            out.literal("</bdi> <span class=\"meta\">· also under <a href=\"#"); out.text(anchor(topic.id))
            out.literal("\">"); out.isolated(topic.name); out.literal("</a> · id "); out.int(item.dismissID)
            out.literal("</span></p>\n")
            output.write(markup: out.bytes)
            return
        }
        // dir="auto": a Persian or Arabic title or snippet reads right to left in its own box; the
        // feed's name is isolated in the English line below it (its time would join an Arabic run).
        out.literal("<article>\n<h"); out.int(h); out.literal(" dir=\"auto\">"); title(&out)
        out.literal("</h"); out.int(h); out.literal(">\n<p class=\"meta\"><bdi class=\"source\">"); out.escaped(item.feedName)
        out.literal("</bdi>")
        if let published = item.published {
            out.literal(" · <time datetime=\""); out.text(rfc3339(published)); out.literal("\">")
            out.escaped(clock.displayTime(published)); out.literal("</time>")
        }
        out.literal(" · <span class=\"id\">id "); out.int(item.dismissID); out.literal("</span></p>\n")
        for snippet in item.snippets {
            out.literal("<blockquote dir=\"auto\">")
            for part in snippet.parts {
                if part.highlighted { out.literal("<mark>") }
                out.escaped(part.text, newlinesAsSpaces: true)
                if part.highlighted { out.literal("</mark>") }
            }
            out.literal("</blockquote>\n")
        }
        if !item.alsoReportedBy.isEmpty {
            // A story carried by a thousand feeds lists them a link at a time.
            out.literal("<p class=\"also\">Also reported by ")
            output.write(markup: out.bytes)
            for (index, link) in item.alsoReportedBy.enumerated() {
                out.removeAll()
                if index > 0 { out.literal(", ") }
                // With a known headline: "Feed: <a>Headline</a>", else the feed's name as the link.
                if link.title != nil {
                    out.isolated(link.feedName)
                    out.literal(": ")
                }
                let linkURL = safeURL(link.url)
                if let linkURL { out.openLink(linkURL) }
                out.isolated(link.title ?? link.feedName)
                if linkURL != nil { out.literal("</a>") }
                output.write(markup: out.bytes)
            }
            out.removeAll()
            out.text(moreSources(item)); out.literal("</p>\n")
        }
        out.literal("</article>\n")
        output.write(markup: out.bytes)
    }

    /// The health footer as HTML, one list item per sentence.
    static func healthFragment(_ health: DigestHealth, clock: DigestClock) -> String {
        var out = "<section class=\"health\" id=\"health\">\n<h2>Feeds and matches</h2>\n<ul>\n"
        for line in clock.healthLines(health) { out += "<li>\(escape(line))</li>\n" }
        return out + "</ul>\n</section>\n"
    }
}

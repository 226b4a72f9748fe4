import Foundation
import FeedWatchModel

/// Atom 1.0 (RFC 4287) and Atom 0.3 into the normalised model. 0.3's differences: `tagline`,
/// `modified`, `issued`, `url` in persons, MIME types and `mode` on text constructs.
enum AtomDecoder {
    /// Decodes the feed; entries already decoded while the document was read come from `stream`.
    static func decode(_ root: XMLElement, stream: EntryStream? = nil, context: inout DecodeContext) -> ParsedFeed {
        let isAtom03 = root.ns == .atom03
            || (root.ns == .none && root.attribute("version")?.hasPrefix("0.") == true)
        if root.ns == .none { context.warn("Atom feed without the Atom namespace") }
        let namespace = root.ns
        var feed = ParsedFeed(format: isAtom03 ? .atom03 : .atom10)
        let base = root.base
        var entries: [XMLElement] = []
        for child in root.children {
            guard isAtom(child, in: namespace) else {
                if child.ns == .itunes && child.name == "image", feed.imageURL == nil,
                   let href = child.attribute("href") {
                    feed.imageURL = URLResolver.resolve(href, against: base)
                }
                continue
            }
            switch child.name {
            case "title": feed.title = plainText(child)
            case "subtitle", "tagline": feed.subtitle = plainText(child)
            case "updated", "modified": feed.updated = ElementReader.date(child, context: &context)
            case "author":
                if let person = person(child, namespace: namespace, base: base) { feed.authors.append(person) }
            case "link":
                let rel = child.attribute("rel") ?? "alternate"
                guard let href = child.attribute("href") else { break }
                let resolved = URLResolver.resolve(href, against: child.base)
                if rel == "self" { feed.selfURL = resolved }
                if rel == "alternate", feed.link == nil || isHTMLLink(child) { feed.link = resolved }
            case "logo", "icon":
                if let url = child.trimmedText, feed.imageURL == nil || child.name == "logo" {
                    feed.imageURL = URLResolver.resolve(url, against: child.base)
                }
            case "entry": entries.append(child)
            default: break
            }
        }
        // Entries swallowed by an unclosed element are still entries.
        let nested = root.children.filter { $0.name != "entry" }.flatMap {
            $0.descendants(named: "entry", where: { isAtom($0, in: namespace) })
        }
        if !nested.isEmpty {
            context.warn("\(nested.count) entr\(nested.count == 1 ? "y" : "ies") found inside another element")
            entries.append(contentsOf: nested)
        }
        feed.language = root.lang
        if let stream, stream.count == entries.count, !entries.isEmpty {
            // Every entry was decoded while the document was read, in this order, before the
            // feed's authors and language were known: fill them in as `decodeEntry` would.
            assert(entries.enumerated().allSatisfy { $0.element.streamedEntrySlot == $0.offset })
            for slot in entries.indices {
                for warning in stream.warnings(slot) { context.warn(warning) }
            }
            feed.entries = stream.takeAll()
            for index in feed.entries.indices {
                if feed.entries[index].authors.isEmpty { feed.entries[index].authors = feed.authors }
                if feed.entries[index].language == nil { feed.entries[index].language = feed.language }
            }
            feed.warnings = context.warnings
            return feed
        }
        feed.entries.reserveCapacity(entries.count)
        for entry in entries {
            if let slot = entry.streamedEntrySlot, let stream {
                // Decoded before the feed's authors and language were known: fill them in as
                // `decodeEntry` would have.
                var decoded = stream.entry(slot)
                if decoded.authors.isEmpty { decoded.authors = feed.authors }
                if decoded.language == nil { decoded.language = feed.language }
                for warning in stream.warnings(slot) { context.warn(warning) }
                feed.entries.append(decoded)
                continue
            }
            feed.entries.append(decodeEntry(entry, namespace: namespace, feed: feed, context: &context))
        }
        feed.warnings = context.warnings
        return feed
    }

    /// Whether `element` is an Atom element of a feed whose root is in `namespace`: in the
    /// root's namespace, or, for feeds that mix forms (a prefixed `atom:feed` with unprefixed
    /// children, a default namespace declared only on the entries), in the other Atom
    /// namespace or in none.
    static func isAtom(_ element: XMLElement, in namespace: NS) -> Bool {
        switch element.ns {
        case namespace, .none, .atom10, .atom03: return true
        default: return false
        }
    }

    private static func isHTMLLink(_ link: XMLElement) -> Bool {
        guard let type = link.attribute("type") else { return false }
        return type.hasPrefix("text/html") || type.hasPrefix("application/xhtml")
    }

    /// One entry; `feed` gives the base, authors and language of an entry that has none.
    static func decodeEntry(_ element: XMLElement, namespace: NS, feed: ParsedFeed,
                                    context: inout DecodeContext) -> Entry {
        var draft = EntryDraft()
        let base = element.base ?? feed.link
        var alternateFound = false
        for child in element.children {
            guard isAtom(child, in: namespace) else {
                _ = ElementReader.readExtension(child, into: &draft, base: child.base ?? base, context: &context)
                continue
            }
            let childBase = child.base ?? base
            switch child.knownName {
            case .id: draft.id = child.trimmedText
            case .title: draft.title = plainText(child)
            case .link:
                let rel = child.attribute("rel") ?? "alternate"
                guard let href = child.attribute("href") else { break }
                let resolved = URLResolver.resolve(href, against: childBase)
                switch rel {
                case "alternate":
                    if !alternateFound || isHTMLLink(child) {
                        draft.link = resolved
                        alternateFound = true
                    }
                case "enclosure":
                    draft.addEnclosure(Enclosure(url: resolved, type: child.attribute("type"),
                                                 length: child.attribute("length").flatMap { Int64($0) }))
                case "replies":
                    if draft.commentsURL == nil { draft.commentsURL = resolved }
                default: break
                }
            case .summary: draft.summary = text(child, base: childBase)
            case .content: draft.content = text(child, base: childBase)
            case .published, .issued, .created:
                if draft.published == nil || child.knownName == .published {
                    draft.published = ElementReader.date(child, context: &context)
                }
            case .updated, .modified: draft.updated = ElementReader.date(child, context: &context)
            case .author:
                if let person = person(child, namespace: namespace, base: childBase) { draft.addAuthor(person) }
            case .category:
                draft.addCategory(child.attribute("term") ?? child.attribute("label") ?? child.trimmedText)
            default: break
            }
        }
        if draft.authors.isEmpty { draft.authors = feed.authors }
        if draft.published == nil && draft.updated != nil && namespace == .atom03 {
            draft.published = draft.updated
        }
        draft.language = element.lang ?? feed.language
        return draft.entry()
    }

    private static func person(_ element: XMLElement, namespace: NS, base: String?) -> Person? {
        var person = Person()
        for child in element.children where isAtom(child, in: namespace) {
            switch child.name {
            case "name": person.name = child.trimmedText.map(HTMLText.foldWhitespace)
            case "email": person.email = child.trimmedText
            case "uri", "url": person.uri = child.trimmedText.map { URLResolver.resolve($0, against: base) }
            default: break
            }
        }
        if person.name == nil && person.email == nil && person.uri == nil {
            // Some feeds write <author>Jo Bloggs</author>.
            guard let text = element.trimmedText else { return nil }
            person.name = HTMLText.foldWhitespace(text)
        }
        return person
    }

    /// How a text construct is written: Atom 1.0's `type` (text/html/xhtml), or Atom 0.3's
    /// MIME type plus `mode` (escaped/xml/base64).
    private enum TextType { case text, html, xhtml }

    private static func textType(_ element: XMLElement) -> TextType {
        let type = (element.attribute("type") ?? "text").trimmingASCIIWhitespace().lowercased()
        switch type {
        case "html", "text/html": return .html
        case "xhtml", "application/xhtml+xml": return .xhtml
        case "text", "text/plain", "": return element.hasChildElements ? .xhtml : .text
        default: return element.hasChildElements ? .xhtml : (type.hasPrefix("text/") ? .text : .html)
        }
    }

    /// A text construct's value when Atom 0.3's `mode` makes it something other than the
    /// element's own content: `base64` (the decoded bytes, as UTF-8) and `escaped` (markup
    /// written as text, whatever its type). nil for `xml` and no mode.
    private static func modeValue(_ element: XMLElement) -> (value: String, type: TextType)? {
        guard let mode = element.attribute("mode")?.trimmingASCIIWhitespace().lowercased(),
              mode == "base64" || mode == "escaped", !element.hasChildElements,
              let raw = element.trimmedText else { return nil }
        var value = raw
        if mode == "base64" {
            guard let data = Data(base64Encoded: raw.filter { !$0.isWhitespace }) else { return nil }
            value = String(decoding: data, as: UTF8.self)
        }
        let type = textType(element)
        if mode == "escaped" || type == .xhtml { return (value, type == .text ? .text : .html) }
        return (value, type)
    }

    /// A text construct's plain text (titles, subtitles).
    static func plainText(_ element: XMLElement) -> String? {
        if let (value, type) = modeValue(element) {
            let text = type == .text ? HTMLText.foldWhitespace(value) : HTMLText.plainText(fromHTML: value)
            return text.isEmpty ? nil : text
        }
        switch textType(element) {
        case .text:
            return element.trimmedText.map(HTMLText.foldWhitespace).flatMap { $0.isEmpty ? nil : $0 }
        case .html:
            return element.trimmedText.map { HTMLText.plainText(fromHTML: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        case .xhtml:
            let text = HTMLText.plainText(fromHTML: xhtmlMarkup(element))
            return text.isEmpty ? nil : text
        }
    }

    /// A text construct as `FeedText` (summary, content), with relative links resolved.
    static func text(_ element: XMLElement, base: String?) -> FeedText? {
        if element.attribute("src") != nil && element.trimmedText == nil { return nil }  // out-of-line content
        if let (value, type) = modeValue(element) {
            guard !value.isEmpty else { return nil }
            if type == .text { return FeedText(value: value, kind: .text, plainText: HTMLText.foldWhitespace(value)) }
            return ElementReader.html(value, base: base)
        }
        switch textType(element) {
        case .text:
            guard let value = element.trimmedText else { return nil }
            return FeedText(value: value, kind: .text, plainText: HTMLText.foldWhitespace(value))
        case .html:
            guard let value = element.trimmedText else { return nil }
            return ElementReader.html(value, base: base)
        case .xhtml:
            let value = xhtmlMarkup(element).trimmingASCIIWhitespace()
            guard !value.isEmpty else { return nil }
            return ElementReader.html(value, base: base)
        }
    }

    /// The markup of XHTML content: the inside of its wrapping `<div>` (RFC 4287 §3.1.1.3).
    private static func xhtmlMarkup(_ element: XMLElement) -> String {
        if element.children.count == 1, let div = element.children.first, div.name == "div",
           element.trimmedText == nil {
            return div.innerXML
        }
        return element.innerXML
    }
}

import Foundation
import FeedWatchModel

/// An entry while its elements are being read; `entry()` normalises it once at the end.
struct EntryDraft {
    var id: String?
    var guidIsPermalink: Bool?
    var title: String?
    var link: String?
    var summary: FeedText?
    var content: FeedText?
    var published: Date?
    var updated: Date?
    var authors: [Person] = []
    var categories: [String] = []
    var enclosures: [Enclosure] = []
    var commentsURL: String?
    var language: String?
    var imageURL: String?
    var commentCount: Int?
    var durationSeconds: Int?

    mutating func addCategory(_ name: String?) {
        guard let name = name?.trimmingASCIIWhitespace(), !name.isEmpty, !categories.contains(name) else { return }
        // Items with categories mostly have several: one allocation, not one per doubling.
        if categories.isEmpty { categories.reserveCapacity(4) }
        categories.append(name)
    }

    /// Consumes `person`: it moves into the list rather than being copied (a retain per name).
    mutating func addAuthor(_ person: consuming Person) {
        guard person.name != nil || person.email != nil || person.uri != nil, !authors.contains(person) else { return }
        authors.append(person)
    }

    mutating func addEnclosure(_ enclosure: Enclosure) {
        guard !enclosure.url.isEmpty, !enclosures.contains(where: { $0.url == enclosure.url }) else { return }
        enclosures.append(enclosure)
    }

    /// The entry with its fingerprint. Every field is moved out (`take()`), not copied: a
    /// copy retains each string and array again and destroying the draft releases them, a
    /// few percent of a parse; the draft is left empty.
    mutating func entry() -> Entry {
        let fingerprint = EntryFingerprint.compute(
            id: id, link: link, title: title, content: content?.plainText ?? summary?.plainText)
        return Entry(
            id: id.take(), guidIsPermalink: guidIsPermalink, title: title.take(), link: link.take(),
            summary: summary.take(), content: content.take(), published: published, updated: updated,
            authors: Self.take(&authors), categories: Self.take(&categories), enclosures: Self.take(&enclosures),
            commentsURL: commentsURL.take(), language: language.take(), fingerprint: fingerprint,
            imageURL: imageURL.take(), commentCount: commentCount, durationSeconds: durationSeconds)
    }

    private static func take<Element>(_ array: inout [Element]) -> [Element] {
        var taken: [Element] = []
        swap(&taken, &array)
        return taken
    }
}

/// Reading text, dates and people out of elements, the same way for every XML format.
enum ElementReader {
    /// Plain text of a title-like element. RSS titles routinely carry escaped HTML
    /// (`&lt;b&gt;`, `&amp;amp;`), so text that looks like HTML by feedparser's rule goes
    /// through HTMLText; other text keeps its `<` words ("&lt;blink&gt;" reads "<blink>").
    static func plainText(_ element: XMLElement, html: Bool = true) -> String? {
        if element.hasChildElements {
            let text = HTMLText.plainText(fromHTML: element.innerMarkup)
            return text.isEmpty ? nil : text
        }
        guard let raw = element.trimmedText else { return nil }
        let isHTML = html && HTMLText.needsParsing(raw) && HTMLText.looksLikeHTML(raw)
        let text = isHTML ? HTMLText.plainText(fromHTML: raw) : HTMLText.foldWhitespace(raw)
        return text.isEmpty ? nil : text
    }

    /// An RSS text element (description, content:encoded): HTML by convention. Child
    /// elements mean the publisher forgot to escape the HTML: keep it as markup.
    static func htmlText(_ element: XMLElement, base: String?) -> FeedText? {
        if !element.hasChildElements && element.textIsValidUTF8 {
            // Read from the document's bytes: links are resolved into the one String the
            // value becomes, not into a copy of a String made first.
            let bytes = element.trimmedBytes
            guard !bytes.isEmpty else { return nil }
            guard HTMLText.hasMarkup(bytes: bytes) else {
                let value = String(knownValidUTF8: bytes)
                return FeedText(value: value, kind: .text, plainText: HTMLText.foldWhitespace(value))
            }
            let value = URLResolver.resolveLinks(inHTMLBytes: bytes, against: base) ?? String(knownValidUTF8: bytes)
            return FeedText(value: value, kind: .html, plainText: HTMLText.plainText(fromHTML: value))
        }
        // Trimmed on bytes when there is no markup to serialise: one String, not two.
        let value = element.hasChildElements
            ? element.innerMarkup.trimmingASCIIWhitespace() : (element.trimmedText ?? "")
        guard !value.isEmpty else { return nil }
        if !element.hasChildElements && !looksLikeMarkup(value) {
            return FeedText(value: value, kind: .text, plainText: HTMLText.foldWhitespace(value))
        }
        return html(value, base: base)
    }

    /// An HTML value with its relative links resolved, and its plain-text rendering.
    static func html(_ value: String, base: String?) -> FeedText {
        let resolved = URLResolver.resolveLinks(inHTML: value, against: base)
        return FeedText(value: resolved, kind: .html, plainText: HTMLText.plainText(fromHTML: resolved))
    }

    static func looksLikeMarkup(_ text: String) -> Bool { HTMLText.hasMarkup(text) }

    /// A date element's instant, or nil plus a warning naming what could not be read.
    static func date(_ element: XMLElement, context: inout DecodeContext) -> Date? {
        if let date = FeedDates.parse(bytes: element.text) { return date }
        guard let text = element.trimmedText else { return nil }
        context.warn("unparseable date \"\(text.prefix(80))\" in <\(element.name)>")
        return nil
    }

    /// An RSS `author`/`managingEditor` or Dublin Core `creator`/`author`: `jo@example.org (Jo
    /// Bloggs)`, `Jo Bloggs (jo@example.org)`, `Jo Bloggs <jo@example.org>`, an address or a
    /// name. As feedparser does: the first word with an `@` is the address, and what is left,
    /// without brackets and parentheses, is the name.
    static func rssPerson(_ text: String) -> Person {
        let trimmed = HTMLText.foldWhitespace(text)
        // Most bylines are a bare name: no word splitting for them.
        guard trimmed.utf8Contains(UInt8(ascii: "@")) else { return Person(name: trimmed.isEmpty ? nil : trimmed) }
        let separators: Set<Character> = [" ", "(", ")", "<", ">"]
        var words: [Substring] = []
        var rest = trimmed[...]
        while let start = rest.firstIndex(where: { !separators.contains($0) }) {
            let end = rest[start...].firstIndex(where: { separators.contains($0) }) ?? rest.endIndex
            words.append(rest[start..<end])
            rest = rest[end...]
        }
        guard let emailWord = words.first(where: { isEmailAddress($0) }) else {
            return Person(name: trimmed.isEmpty ? nil : trimmed)
        }
        var email = String(emailWord)
        if email.lowercased().hasPrefix("mailto:") { email.removeFirst(7) }
        var name = String(trimmed[..<emailWord.startIndex]) + " " + String(trimmed[emailWord.endIndex...])
        name = String(name.map { "()<>".contains($0) ? " " : $0 })
        name = HTMLText.foldWhitespace(name)
        return Person(name: name.isEmpty ? nil : name, email: email)
    }

    /// `local@domain.tld` (optionally `mailto:`), loosely: something before and a dot after the @.
    private static func isEmailAddress(_ word: Substring) -> Bool {
        guard let at = word.firstIndex(of: "@"), at > word.startIndex else { return false }
        let domain = word[word.index(after: at)...]
        return domain.contains(".") && !domain.hasPrefix(".") && !domain.hasSuffix(".")
    }

    /// `hh:mm:ss`, `mm:ss` or seconds (iTunes duration).
    static func durationSeconds(_ text: String) -> Int? {
        let parts = text.trimmingASCIIWhitespace().split(separator: ":")
        guard !parts.isEmpty, parts.count <= 3 else { return nil }
        var total = 0
        for part in parts {
            guard let value = Int(part.split(separator: ".").first ?? part) else { return nil }
            total = total * 60 + value
        }
        return total
    }

    /// Media RSS, iTunes, Dublin Core, slash and atom:link extensions of an item or entry.
    /// Returns true when the element was one of them.
    static func readExtension(_ child: XMLElement, into draft: inout EntryDraft, base: String?,
                              context: inout DecodeContext) -> Bool {
        switch child.ns {
        case .dc:
            switch child.name {
            case "creator", "author", "contributor":
                if let text = plainText(child, html: false) {
                    // A bare name (most bylines) needs no splitting.
                    draft.addAuthor(text.utf8Contains(UInt8(ascii: "@")) ? rssPerson(text) : Person(name: text))
                }
            case "date":
                // feedparser reads dc:date as the updated date; it stays the published date
                // of an item that has no other.
                if let date = date(child, context: &context) {
                    if draft.updated == nil { draft.updated = date }
                    if draft.published == nil { draft.published = date }
                }
            case "subject":
                draft.addCategory(plainText(child, html: false))
            case "language":
                if draft.language == nil { draft.language = child.trimmedText }
            case "identifier":
                if draft.id == nil { draft.id = child.trimmedText }
            case "description":
                if draft.summary == nil { draft.summary = htmlText(child, base: base) }
            case "title":
                if draft.title == nil { draft.title = plainText(child) }
            default: break
            }
            return true
        case .dcterms:
            switch child.name {
            case "modified": if draft.updated == nil { draft.updated = date(child, context: &context) }
            case "created", "issued": if draft.published == nil { draft.published = date(child, context: &context) }
            default: break
            }
            return true
        case .content:
            if child.name == "encoded", let text = htmlText(child, base: base) {
                draft.content = text.kind == .html ? text : FeedText(value: text.value, kind: .html, plainText: text.plainText)
            }
            return true
        case .media:
            readMedia(child, into: &draft, base: base)
            return true
        case .itunes:
            switch child.name {
            case "author": if let name = plainText(child, html: false) { draft.addAuthor(Person(name: name)) }
            case "summary", "subtitle":
                if draft.summary == nil { draft.summary = htmlText(child, base: base) }
            case "duration": draft.durationSeconds = child.trimmedText.flatMap(durationSeconds)
            case "image":
                if let href = child.attribute("href") { draft.imageURL = URLResolver.resolve(href, against: base) }
            case "keywords":
                for keyword in (child.trimmedText ?? "").split(separator: ",") { draft.addCategory(String(keyword)) }
            default: break
            }
            return true
        case .slash:
            if child.name == "comments" { draft.commentCount = child.trimmedText.flatMap { Int($0) } }
            return true
        case .wfw:
            return true
        case .xhtml:
            // `<xhtml:body>` in an RSS item: the full content as XHTML (feedparser's content).
            if child.name == "body", draft.content == nil {
                let markup = child.innerXML.trimmingASCIIWhitespace()
                if !markup.isEmpty { draft.content = html(markup, base: base) }
            }
            return true
        default:
            return false
        }
    }

    private static func readMedia(_ element: XMLElement, into draft: inout EntryDraft, base: String?) {
        switch element.name {
        case "group":
            for child in element.children where child.ns == .media {
                readMedia(child, into: &draft, base: base)
            }
        case "content":
            if let url = element.attribute("url"), !url.isEmpty {
                let length = element.attribute("fileSize").flatMap { Int64($0.trimmingASCIIWhitespace()) }
                var type = element.attribute("type")
                if type == nil, let medium = element.attribute("medium") { type = medium }
                draft.addEnclosure(Enclosure(url: URLResolver.resolve(url, against: base), type: type, length: length))
                if draft.imageURL == nil, element.attribute("medium") == "image" || (type ?? "").hasPrefix("image/") {
                    draft.imageURL = URLResolver.resolve(url, against: base)
                }
            }
            for child in element.children where child.ns == .media {
                readMedia(child, into: &draft, base: base)
            }
        case "thumbnail":
            if draft.imageURL == nil, let url = element.attribute("url") {
                draft.imageURL = URLResolver.resolve(url, against: base)
            }
        case "description":
            if draft.summary == nil {
                let isHTML = element.attribute("type") == "html"
                if isHTML, let value = element.trimmedText {
                    draft.summary = html(value, base: base)
                } else if let value = element.trimmedText {
                    draft.summary = FeedText(value: value, kind: .text, plainText: HTMLText.foldWhitespace(value))
                }
            }
        case "title":
            if draft.title == nil { draft.title = plainText(element) }
        case "category", "keywords":
            if element.name == "category" { draft.addCategory(element.trimmedText) }
        default:
            break
        }
    }
}

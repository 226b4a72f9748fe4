import Foundation
import FeedWatchModel

/// JSON Feed 1.0 and 1.1 (https://jsonfeed.org) into the normalised model.
enum JSONFeedDecoder {
    static func decode(_ bytes: [UInt8], documentURL: String?, warnings: [String],
                       limits: ParseLimits = ParseLimits()) throws(ParseError) -> ParsedFeed {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw ParseError(code: .notAFeed, message: "not a feed: JSON that does not parse (\(bytes.count) bytes)")
        }
        guard let root = object as? [String: Any] else {
            throw ParseError(code: .notAFeed, message: "not a feed: a JSON document that is not an object")
        }
        let version = (root["version"] as? String) ?? ""
        guard version.contains("jsonfeed.org") else {
            let keys = root.keys.sorted().prefix(8).joined(separator: ", ")
            throw ParseError(code: .notAFeed,
                             message: "not a feed: a JSON document that is not a JSON Feed (keys: \(keys))")
        }
        var context = DecodeContext(documentURL: documentURL, warnings: warnings)
        var feed = ParsedFeed(format: version.hasSuffix("/1") ? .json10 : .json11)
        feed.title = string(root["title"]).map(HTMLText.foldWhitespace)
        feed.link = string(root["home_page_url"]).map { URLResolver.resolve($0, against: documentURL) }
        feed.selfURL = string(root["feed_url"]).map { URLResolver.resolve($0, against: documentURL) }
        feed.subtitle = string(root["description"]).map(HTMLText.foldWhitespace)
        feed.language = string(root["language"])
        feed.imageURL = string(root["icon"]) ?? string(root["favicon"])
        feed.authors = authors(root)
        let base = feed.link ?? documentURL
        guard let items = root["items"] as? [Any] else {
            context.warn("JSON Feed without an items array")
            feed.warnings = context.warnings
            return feed
        }
        for case let item as [String: Any] in items {
            if feed.entries.count == limits.maxEntries {
                context.warn(limits.entryLimitWarning)
                break
            }
            feed.entries.append(decodeItem(item, base: base, feed: feed, context: &context))
        }
        feed.warnings = context.warnings
        return feed
    }

    private static func decodeItem(_ item: [String: Any], base: String?, feed: ParsedFeed,
                                   context: inout DecodeContext) -> Entry {
        var draft = EntryDraft()
        // JSON Feed ids may be numbers in the wild, though the spec says strings.
        if let id = item["id"] { draft.id = string(id) ?? (id as? NSNumber)?.stringValue }
        draft.title = string(item["title"]).map(HTMLText.foldWhitespace)
        draft.link = (string(item["url"]) ?? string(item["external_url"])).map { URLResolver.resolve($0, against: base) }
        if let html = string(item["content_html"]) { draft.content = ElementReader.html(html, base: base) }
        if let text = string(item["content_text"]) {
            let plain = FeedText(value: text, kind: .text, plainText: HTMLText.foldWhitespace(text))
            if draft.content == nil { draft.content = plain }
        }
        if let summary = string(item["summary"]) {
            draft.summary = FeedText(value: summary, kind: .text, plainText: HTMLText.foldWhitespace(summary))
        }
        draft.published = date(item["date_published"], context: &context)
        draft.updated = date(item["date_modified"], context: &context)
        for person in authors(item) { draft.addAuthor(person) }
        if draft.authors.isEmpty { draft.authors = feed.authors }
        for tag in (item["tags"] as? [Any]) ?? [] { draft.addCategory(string(tag)) }
        for case let attachment as [String: Any] in (item["attachments"] as? [Any]) ?? [] {
            guard let url = string(attachment["url"]) else { continue }
            let length = (attachment["size_in_bytes"] as? NSNumber)?.int64Value
            draft.addEnclosure(Enclosure(url: URLResolver.resolve(url, against: base),
                                         type: string(attachment["mime_type"]), length: length))
        }
        draft.imageURL = string(item["image"]) ?? string(item["banner_image"])
        draft.language = string(item["language"]) ?? feed.language
        return draft.entry()
    }

    /// 1.1's `authors` array, else 1.0's single `author`.
    private static func authors(_ object: [String: Any]) -> [Person] {
        var list: [[String: Any]] = (object["authors"] as? [Any])?.compactMap { $0 as? [String: Any] } ?? []
        if list.isEmpty, let single = object["author"] as? [String: Any] { list = [single] }
        return list.compactMap { author in
            let person = Person(name: string(author["name"]), uri: string(author["url"]))
            return person.name == nil && person.uri == nil ? nil : person
        }
    }

    private static func date(_ value: Any?, context: inout DecodeContext) -> Date? {
        guard let text = string(value) else { return nil }
        if let date = FeedDates.parse(text) { return date }
        context.warn("unparseable date \"\(text.prefix(80))\"")
        return nil
    }

    private static func string(_ value: Any?) -> String? {
        guard let text = value as? String else { return nil }
        let trimmed = text.trimmingASCIIWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }
}

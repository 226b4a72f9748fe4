public import Foundation
public import FeedWatchModel

/// The JSON form of a parsed feed that `feedwatch parse --json` prints.
public enum FeedJSONEncoder {
    /// The `feedwatch parse --json` document, as UTF-8 JSON text: keys in the fixed order
    /// written below, keys omitted when absent, dates RFC 3339 in UTC.
    public static func encode(_ feed: ParsedFeed) -> String {
        var writer = JSONWriter()
        writer.openObject()
        writer.key("format"); writer.string(feed.format.rawValue)
        writer.optional("title", feed.title)
        writer.optional("link", feed.link)
        writer.optional("subtitle", feed.subtitle)
        writer.optional("language", feed.language)
        writer.optional("updated", feed.updated.map(rfc3339))
        writer.key("authors"); writer.people(feed.authors)
        writer.key("entries")
        writer.openArray()
        for entry in feed.entries {
            writer.separator()
            writer.openObject()
            writer.optional("id", entry.id)
            writer.optional("title", entry.title)
            writer.optional("link", entry.link)
            writer.optional("summary", entry.summary?.value)
            writer.optional("content", entry.content?.value)
            writer.optional("published", entry.published.map(rfc3339))
            writer.optional("updated", entry.updated.map(rfc3339))
            writer.key("authors"); writer.people(entry.authors)
            writer.key("categories")
            writer.openArray()
            for category in entry.categories {
                writer.separator()
                writer.string(category)
            }
            writer.closeArray()
            writer.key("enclosures")
            writer.openArray()
            for enclosure in entry.enclosures {
                writer.separator()
                writer.openObject()
                writer.key("url"); writer.string(enclosure.url)
                writer.optional("type", enclosure.type)
                if let length = enclosure.length { writer.key("length"); writer.raw(String(length)) }
                writer.closeObject()
            }
            writer.closeArray()
            writer.closeObject()
        }
        writer.closeArray()
        writer.key("warnings")
        writer.openArray()
        for warning in feed.warnings {
            writer.separator()
            writer.string(warning)
        }
        writer.closeArray()
        writer.closeObject()
        return writer.text
    }

    /// `date` in RFC 3339, UTC, whole seconds (`2026-01-31T09:05:00Z`); arithmetic only, no
    /// formatter (the `parse` listing writes one per entry).
    public static func rfc3339(_ date: Date) -> String { CivilTime(date).rfc3339 }
}

/// A minimal streaming JSON writer: keys in the order they are written.
private struct JSONWriter {
    var text = ""
    private var needsComma = false

    mutating func openObject() { text += "{"; needsComma = false }
    mutating func closeObject() { text += "}"; needsComma = true }
    mutating func openArray() { text += "["; needsComma = false }
    mutating func closeArray() { text += "]"; needsComma = true }

    mutating func separator() {
        if needsComma { text += ", " }
        needsComma = false
    }

    mutating func key(_ name: String) {
        separator()
        string(name)
        text += ": "
        needsComma = false
    }

    mutating func optional(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    mutating func raw(_ value: String) {
        text += value
        needsComma = true
    }

    mutating func people(_ people: [Person]) {
        openArray()
        for person in people {
            separator()
            openObject()
            optional("name", person.name)
            optional("email", person.email)
            optional("uri", person.uri)
            closeObject()
        }
        closeArray()
    }

    mutating func string(_ value: String) {
        text += JSONText.quoted(value)
        needsComma = true
    }
}

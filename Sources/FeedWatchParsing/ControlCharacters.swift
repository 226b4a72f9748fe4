import FeedWatchModel

/// Control characters never leave the parser: `&#27;` decodes to ESC, and feed text reaches
/// terminals (`digest --stdout`, `status`), e-mail headers and files. C0 controls other than
/// tab, line feed and carriage return, DEL and the C1 range (U+0080–U+009F) are removed from
/// every string of a parsed feed and an extracted article, in this one pass at the end.
enum ControlCharacters {
    static func strip(_ text: String) -> String { ControlText.stripped(text) }

    static func strip(_ text: String?) -> String? {
        text.map { strip($0) }
    }

    static func strip(_ text: FeedText?) -> FeedText? {
        text.map { FeedText(value: strip($0.value), kind: $0.kind, plainText: strip($0.plainText)) }
    }

    static func strip(_ person: Person) -> Person {
        Person(name: strip(person.name), email: strip(person.email), uri: strip(person.uri))
    }

    static func strip(_ feed: inout ParsedFeed) {
        feed.title = strip(feed.title)
        feed.link = strip(feed.link)
        feed.subtitle = strip(feed.subtitle)
        feed.language = strip(feed.language)
        feed.imageURL = strip(feed.imageURL)
        feed.selfURL = strip(feed.selfURL)
        feed.authors = feed.authors.map(strip)
        feed.warnings = feed.warnings.map { strip($0) }
        for index in feed.entries.indices {
            strip(&feed.entries[index])
        }
    }

    /// One entry; the fingerprint stays as computed (from the text as published), so an entry
    /// is recognised across fetches exactly as before.
    static func strip(_ entry: inout Entry) {
        entry.id = strip(entry.id)
        entry.title = strip(entry.title)
        entry.link = strip(entry.link)
        entry.summary = strip(entry.summary)
        entry.content = strip(entry.content)
        entry.authors = entry.authors.map(strip)
        entry.categories = entry.categories.map { strip($0) }
        entry.enclosures = entry.enclosures.map { Enclosure(url: strip($0.url), type: strip($0.type), length: $0.length) }
        entry.commentsURL = strip(entry.commentsURL)
        entry.language = strip(entry.language)
        entry.imageURL = strip(entry.imageURL)
    }
}

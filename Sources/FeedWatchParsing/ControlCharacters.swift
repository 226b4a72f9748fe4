import FeedWatchModel

/// Control characters never leave the parser: `&#27;` decodes to ESC, and feed text reaches
/// terminals (`digest --stdout`, `status`), e-mail headers and files. C0 controls other than
/// tab, line feed and carriage return, DEL and the C1 range (U+0080–U+009F) are removed from
/// every string of a parsed feed and an extracted article, in this one pass at the end
/// (`ControlText` decides what is one).
///
/// The pass reads every byte of a feed's text once more: strings without such a character
/// (nearly all) are left untouched in place. Re-built author, category and enclosure arrays
/// and a byte-at-a-time scan had become a sixth of parsing a large feed.
enum ControlCharacters {
    /// Whether `text` holds a character `strip` removes.
    static func contains(_ text: String) -> Bool {
        ControlText.contains(text, keeping: .layout)
    }

    /// `text` without the characters `contains` finds.
    static func strip(_ text: String) -> String { ControlText.stripped(text) }

    static func strip(_ text: String?) -> String? {
        text.map { strip($0) }
    }

    /// Strips `text` in place; a string without control characters is not written to.
    private static func strip(_ text: inout String) {
        if contains(text) { text = strip(text) }
    }

    private static func strip(_ text: inout String?) {
        if let value = text, contains(value) { text = strip(value) }
    }

    private static func strip(_ text: inout FeedText?) {
        guard let value = text, contains(value.value) || contains(value.plainText) else { return }
        text = FeedText(value: strip(value.value), kind: value.kind, plainText: strip(value.plainText))
    }

    private static func strip(_ people: inout [Person]) {
        for index in people.indices {
            let person = people[index]
            if person.name.map(contains) == true || person.email.map(contains) == true
                || person.uri.map(contains) == true {
                people[index] = Person(name: strip(person.name), email: strip(person.email), uri: strip(person.uri))
            }
        }
    }

    private static func strip(_ texts: inout [String]) {
        for index in texts.indices where contains(texts[index]) {
            texts[index] = strip(texts[index])
        }
    }

    static func strip(_ feed: inout ParsedFeed) {
        strip(&feed.title)
        strip(&feed.link)
        strip(&feed.subtitle)
        strip(&feed.language)
        strip(&feed.imageURL)
        strip(&feed.selfURL)
        strip(&feed.authors)
        strip(&feed.warnings)
        for index in feed.entries.indices {
            strip(&feed.entries[index])
        }
    }

    /// One entry; the fingerprint stays as computed (from the text as published), so an entry
    /// is recognised across fetches exactly as before.
    static func strip(_ entry: inout Entry) {
        strip(&entry.id)
        strip(&entry.title)
        strip(&entry.link)
        strip(&entry.summary)
        strip(&entry.content)
        strip(&entry.authors)
        strip(&entry.categories)
        for index in entry.enclosures.indices {
            let enclosure = entry.enclosures[index]
            if contains(enclosure.url) || enclosure.type.map(contains) == true {
                entry.enclosures[index] = Enclosure(url: strip(enclosure.url), type: strip(enclosure.type),
                                                    length: enclosure.length)
            }
        }
        strip(&entry.commentsURL)
        strip(&entry.language)
        strip(&entry.imageURL)
    }
}

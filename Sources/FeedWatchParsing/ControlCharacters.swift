import FeedWatchModel

/// Control characters never leave the parser: `&#27;` decodes to ESC, and feed text reaches
/// terminals (`digest --stdout`, `status`), e-mail headers and files. C0 controls other than
/// tab, line feed and carriage return, DEL and the C1 range (U+0080–U+009F) are removed from
/// every string of a parsed feed and an extracted article, in this one pass at the end.
///
/// The pass reads every byte of a feed's text once more, so the check runs eight bytes at a
/// time and strings without such a character (nearly all) are left untouched in place: a
/// byte-at-a-time scan and re-built author, category and enclosure arrays had become a sixth
/// of parsing a large feed.
enum ControlCharacters {
    /// Whether `text` holds a character `strip` removes.
    static func contains(_ text: String) -> Bool {
        // Borrowed, not copied: `withUTF8` needs a mutable copy (a retain and release per string).
        text.utf8.withContiguousStorageIfAvailable { contains(bytes: $0) }
            ?? text.unicodeScalars.contains(where: isControl)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D) || (0x7F...0x9F).contains(value)
    }

    /// The same check on UTF-8 bytes. A word of eight bytes is read byte by byte only when it
    /// may hold one (a byte below 0x20, which tabs and line breaks also are, 0x7F, or 0xC2, the
    /// lead byte of C1 controls and of U+00A0–U+00BF). The last word overlaps the one before
    /// it rather than leaving a tail to read byte by byte.
    static func contains(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let count = bytes.count
        guard count >= 8 else { return containsBytewise(bytes, from: 0, to: count) }
        let raw = UnsafeRawPointer(base)
        var index = 0
        while true {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if candidates(word) != 0 && containsBytewise(bytes, from: index, to: index + 8) { return true }
            if index + 8 == count { return false }
            index = min(index + 8, count - 8)
        }
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Non-zero when any byte of `word` is below 0x20, 0x7F or 0xC2 (exact, no false
    /// negatives: the classic "has a byte less than n" and "has a zero byte" word tests).
    @inline(__always)
    private static func candidates(_ word: UInt64) -> UInt64 {
        let below0x20 = (word &- ones &* 0x20) & ~word
        let del = word ^ (ones &* 0x7F)
        let lead = word ^ (ones &* 0xC2)
        let isDEL = (del &- ones) & ~del
        let isLead = (lead &- ones) & ~lead
        return (below0x20 | isDEL | isLead) & highBits
    }

    /// Bytes `start..<end` one at a time; a 0xC2 lead byte looks at the byte after it even
    /// past `end`, so a C1 character split across two words is still found.
    private static func containsBytewise(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte < 0x20, byte != 0x09, byte != 0x0A, byte != 0x0D { return true }
            if byte == 0x7F { return true }
            if byte == 0xC2, index + 1 < bytes.count, (0x80...0x9F).contains(bytes[index + 1]) { return true }
            index += 1
        }
        return false
    }

    /// `text` without the characters `contains` finds.
    static func strip(_ text: String) -> String {
        guard contains(text) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !isControl(scalar) {
            scalars.append(scalar)
        }
        return String(scalars)
    }

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

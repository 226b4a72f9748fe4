/// Markup built as UTF-8 bytes, piece by piece, for the story a renderer writes most often:
/// literals and numbers appended as they are, text escaped straight into the buffer
/// (`DigestMarkup.appendEscaped`), with no string made for any piece.
struct MarkupBytes {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// Markup as written here (a tag, an attribute's name).
    mutating func literal(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Text already safe as markup (an anchor, a timestamp, escaped text).
    mutating func text(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// `text` escaped as `DigestMarkup.escape` escapes it.
    mutating func escaped(_ text: String, newlinesAsSpaces: Bool = false) {
        DigestMarkup.appendEscaped(text, newlinesAsSpaces: newlinesAsSpaces, to: &bytes)
    }

    /// `text` escaped, in its own bidirectional isolate (`DigestMarkup.isolated(escape(text))`).
    mutating func isolated(_ text: String) {
        literal("<bdi>")
        escaped(text)
        literal("</bdi>")
    }

    /// The start of a link to `url`, which `DigestMarkup.safeURL` has let through; the caller
    /// writes its label and `</a>`.
    mutating func openLink(_ url: String) {
        literal("<a href=\"")
        escaped(url)
        literal("\" rel=\"noopener noreferrer\">")
    }

    /// A decimal integer (its text is a small string: no allocation).
    mutating func int<I: BinaryInteger>(_ value: I) { text(String(value)) }

    /// Empties the buffer, keeping its room.
    mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }
}

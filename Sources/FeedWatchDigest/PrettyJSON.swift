/// A JSON document written token by token into one growing byte buffer, in the layout of
/// Foundation's `JSONEncoder` with `.prettyPrinted` and `.withoutEscapingSlashes`: two-space
/// indentation, `"key" : value`, an empty container as `[`, an empty line, `]`. The caller
/// writes keys in the order it wants them (sorted, for the digest schema).
///
/// Only what the digest documents need: objects, arrays, strings, integers, booleans, null
/// and finite doubles.
struct PrettyJSON {
    private(set) var bytes: [UInt8] = []
    /// Per open container: whether nothing was written in it yet.
    private var empty: [Bool] = []

    /// The document as text (the bytes are valid UTF-8: only Swift strings go in).
    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func reserve(_ count: Int) { bytes.reserveCapacity(count) }

    /// Bytes written and not yet flushed.
    var byteCount: Int { bytes.count }

    /// Hands the bytes written so far to `out` and starts over (the layout state is kept).
    mutating func flush(to out: DigestOutput) {
        guard !bytes.isEmpty else { return }
        out.write(utf8: bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    /// Bytes outside the document's structure (a final newline).
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func openObject() { open(UInt8(ascii: "{")) }
    mutating func openArray() { open(UInt8(ascii: "[")) }

    /// Ends the innermost container with `bracket` (`}` or `]`).
    mutating func close(_ bracket: StaticString) {
        let wasEmpty = empty.removeLast()
        bytes.append(UInt8(ascii: "\n"))
        if wasEmpty { bytes.append(UInt8(ascii: "\n")) }
        indent()
        raw(bracket)
    }

    /// Starts the next member of the current object: `"key" : `.
    mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        raw("\" : ")
    }

    /// Starts the next element of the current array.
    mutating func element() { separate() }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { appendQuoted($0) }
    }

    /// The strings one after the other, as one JSON string (`string(parts.joined())` without
    /// joining them first).
    mutating func joinedString<Parts: Sequence<String>>(_ parts: Parts) {
        bytes.append(UInt8(ascii: "\""))
        for part in parts {
            var part = part
            part.withUTF8 { appendEscaped($0) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { raw("null") }
    }

    mutating func int<I: BinaryInteger>(_ value: I) { bytes.append(contentsOf: String(value).utf8) }

    mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    /// As `JSONEncoder` writes a double: Swift's shortest round-trip form, `2` for `2.0`.
    /// Not-finite values (which the encoder refuses) are written as 0.
    mutating func double(_ value: Double) {
        guard value.isFinite else { raw("0"); return }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    private mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        empty.append(true)
    }

    private mutating func separate() {
        if let last = empty.last {
            if !last { bytes.append(UInt8(ascii: ",")) }
            empty[empty.count - 1] = false
        }
        bytes.append(UInt8(ascii: "\n"))
        indent()
    }

    private mutating func indent() {
        // A run of spaces at once: every line of the digest is indented, an item's lines
        // eight levels deep, and two bytes appended at a time checked the capacity each time.
        var count = empty.count * 2
        while count > 0 {
            let run = min(count, Self.spaces.count)
            Self.spaces.withUnsafeBufferPointer { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<run])) }
            count -= run
        }
    }

    private static let spaces = [UInt8](repeating: 0x20, count: 64)

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// `"…"` with `"` and `\` escaped, the short escapes `\b \f \n \r \t`, other control
    /// characters as `\u00XX`; everything else (`/`, non-ASCII) as it is.
    private mutating func appendQuoted(_ utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        appendEscaped(utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    /// `utf8` escaped for the inside of a JSON string.
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        var start = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if start < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index])) }
            start = index + 1
            bytes.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            default:
                bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0xF)]])
            }
        }
        if start < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
    }
}

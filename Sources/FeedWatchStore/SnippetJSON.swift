import Foundation
import FeedWatchModel

/// Match snippets as the JSON the stores keep, written and read directly: `JSONEncoder`/
/// `JSONDecoder` for every match were 15 % of a cold cycle's CPU. Two shapes:
/// - `encode`: `Snippet`'s own coding (`[{"parts":[{"text":…,"highlighted":…}]}]`), what
///   PostgreSQL keeps and every version reads;
/// - `encodeCompact`: one array of strings per snippet, each part's text behind a flag, `+`
///   highlighted or `-` not (`[["-before ","+missile","- after"]]`), what SQLite keeps since its
///   snippets have a table of their own: a third of the bytes for a snippet of many parts.
///
/// `decode` reads both. Anything the fast reader does not expect goes through `JSONDecoder`, so
/// rows written by other versions or tools still read.
enum SnippetJSON {
    /// The JSON text of `snippets` (what `JSONEncoder` would give, up to escaping).
    static func encode(_ snippets: [Snippet]) -> String {
        var out: [UInt8] = []
        // Two snippets of a sentence or so, and the keys around them.
        out.reserveCapacity(512)
        out.append(UInt8(ascii: "["))
        for (index, snippet) in snippets.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"parts":["#.utf8)
            for (partIndex, part) in snippet.parts.enumerated() {
                if partIndex > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: #"{"text":"#.utf8)
                appendQuoted(part.text, to: &out)
                out.append(contentsOf: (part.highlighted ? #","highlighted":true}"# : #","highlighted":false}"#).utf8)
            }
            out.append(contentsOf: "]}".utf8)
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    /// The compact JSON text of `snippets` (see the type's comment).
    static func encodeCompact(_ snippets: [Snippet]) -> String {
        String(decoding: encodeCompactUTF8(snippets), as: UTF8.self)
    }

    /// `encodeCompact`'s text as its UTF-8 bytes (valid UTF-8: the parts' text and ASCII), for
    /// binding to a statement without making a string of it first.
    static func encodeCompactUTF8(_ snippets: [Snippet]) -> [UInt8] {
        var out: [UInt8] = []
        // The parts' bytes, their quotes, flags and commas, and the brackets: one allocation.
        out.reserveCapacity(snippets.reduce(2) { total, snippet in
            snippet.parts.reduce(total + 3) { $0 + $1.text.utf8.count + 4 }
        } + 16)
        out.append(UInt8(ascii: "["))
        for (index, snippet) in snippets.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            for (partIndex, part) in snippet.parts.enumerated() {
                if partIndex > 0 { out.append(UInt8(ascii: ",")) }
                appendQuoted(part.text, to: &out, flag: part.highlighted ? Self.highlightedFlag : Self.plainFlag)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    static let highlightedFlag = UInt8(ascii: "+")
    static let plainFlag = UInt8(ascii: "-")

    /// Whether `text` is in the compact shape (a non-empty list whose first snippet is an array).
    static func isCompact(_ text: String) -> Bool {
        let bytes = text.utf8.lazy.filter { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }.prefix(2)
        return Array(bytes) == [UInt8(ascii: "["), UInt8(ascii: "[")]
    }

    /// The snippets in `text`, in either shape; empty when it is not snippet JSON at all.
    static func decode(_ text: String) -> [Snippet] {
        var contiguous = text
        if let snippets = contiguous.withUTF8({ bytes in
            var reader = Reader(bytes: bytes)
            return reader.snippets()
        }) {
            return snippets
        }
        return (try? JSONDecoder().decode([Snippet].self, from: Data(text.utf8))) ?? []
    }

    /// `text` as a JSON string literal. Runs of bytes that need no escape are copied whole
    /// (snippet text rarely has any); multi-byte UTF-8 sequences never contain bytes below
    /// 0x80, so they pass through whole.
    private static func appendQuoted(_ text: String, to bytes: inout [UInt8], flag: UInt8? = nil) {
        bytes.append(UInt8(ascii: "\""))
        if let flag { bytes.append(flag) }
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            var index = nextEscape(in: utf8, from: 0)
            while index < utf8.count {
                let byte = utf8[index]
                defer { index = nextEscape(in: utf8, from: index + 1) }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
                case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: #"\u00"#.utf8)
                    bytes.append(hex[Int(byte >> 4)])
                    bytes.append(hex[Int(byte & 0xF)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The index of the first byte from `start` on that a JSON string must escape (a control
    /// byte, `"` or `\\`), or `utf8.count`. Eight bytes are tested at a time, each test exact
    /// for "any such byte in the word" (Hacker's Delight's zero-byte tests): the scan runs
    /// over every snippet of every match, and a byte-by-byte loop was half of encoding them.
    static func nextEscape(in utf8: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let count = utf8.count
        guard let base = utf8.baseAddress, start < count else { return count }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = start
        let raw = UnsafeRawPointer(base)
        while index + 8 <= count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
            let control = (word &- ones &* 0x20) & ~word
            let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | control
            if special & highs != 0 { break }
            index += 8
        }
        while index < count {
            let byte = base[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return index }
            index += 1
        }
        return count
    }

    /// A strict reader of exactly the snippet shape; nil on anything else.
    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0
        /// The parts of the snippet being read.
        var parts: [Snippet.Part] = []

        mutating func snippets() -> [Snippet]? {
            var result: [Snippet] = []
            guard take(UInt8(ascii: "[")) else { return nil }
            if take(UInt8(ascii: "]")) { return atEnd() ? result : nil }
            if peek(UInt8(ascii: "[")) { return compactSnippets() }
            repeat {
                guard take(UInt8(ascii: "{")), let key = string(), key == "parts", take(UInt8(ascii: ":")),
                      take(UInt8(ascii: "["))
                else { return nil }
                parts.removeAll(keepingCapacity: true)
                if !take(UInt8(ascii: "]")) {
                    repeat {
                        guard let part = part() else { return nil }
                        parts.append(part)
                    } while take(UInt8(ascii: ","))
                    guard take(UInt8(ascii: "]")) else { return nil }
                }
                guard take(UInt8(ascii: "}")) else { return nil }
                // Copied out of the scratch array at their exact size: a day's snippets are
                // held while its digest is published, and grown arrays carry up to twice that.
                result.append(Snippet(parts: Array(parts[...])))
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "]")), atEnd() else { return nil }
            return Array(result[...])
        }

        /// The compact shape, from its first snippet on.
        mutating func compactSnippets() -> [Snippet]? {
            var result: [Snippet] = []
            repeat {
                guard take(UInt8(ascii: "[")) else { return nil }
                parts.removeAll(keepingCapacity: true)
                if !take(UInt8(ascii: "]")) {
                    repeat {
                        guard let flagged = string(flagged: true), let highlighted = flagged.highlighted else { return nil }
                        parts.append(Snippet.Part(text: flagged.text, highlighted: highlighted))
                    } while take(UInt8(ascii: ","))
                    guard take(UInt8(ascii: "]")) else { return nil }
                }
                result.append(Snippet(parts: Array(parts[...])))
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "]")), atEnd() else { return nil }
            return Array(result[...])
        }

        mutating func part() -> Snippet.Part? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var text: String?
            var highlighted: Bool?
            repeat {
                guard let key = string(), take(UInt8(ascii: ":")) else { return nil }
                switch key {
                case "text": text = string()
                case "highlighted": highlighted = boolean()
                default: return nil
                }
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")), let text, let highlighted else { return nil }
            return Snippet.Part(text: text, highlighted: highlighted)
        }

        mutating func skipSpace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x0A, 0x0D, 0x09: position += 1
                default: return
                }
            }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        /// Whether the next byte after white space is `byte` (not taken).
        mutating func peek(_ byte: UInt8) -> Bool {
            skipSpace()
            return position < bytes.count && bytes[position] == byte
        }

        mutating func atEnd() -> Bool {
            skipSpace()
            return position == bytes.count
        }

        mutating func boolean() -> Bool? {
            skipSpace()
            let rest = bytes.count - position
            if rest >= 4, bytes[position] == UInt8(ascii: "t"), bytes[position + 1] == UInt8(ascii: "r"),
               bytes[position + 2] == UInt8(ascii: "u"), bytes[position + 3] == UInt8(ascii: "e") {
                position += 4
                return true
            }
            if rest >= 5, bytes[position] == UInt8(ascii: "f"), bytes[position + 1] == UInt8(ascii: "a"),
               bytes[position + 2] == UInt8(ascii: "l"), bytes[position + 3] == UInt8(ascii: "s"),
               bytes[position + 4] == UInt8(ascii: "e") {
                position += 5
                return false
            }
            return nil
        }

        /// A JSON string; escapes other than `\uXXXX` pairs that form a scalar are refused (nil).
        mutating func string() -> String? {
            string(flagged: false)?.text
        }

        /// A JSON string; `flagged`, its first byte is the compact shape's flag: `highlighted` is
        /// what it says (nil when it is neither flag) and `text` the rest.
        mutating func string(flagged: Bool) -> (text: String, highlighted: Bool?)? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            var highlighted: Bool?
            if flagged {
                guard position < bytes.count else { return nil }
                switch bytes[position] {
                case SnippetJSON.highlightedFlag: highlighted = true
                case SnippetJSON.plainFlag: highlighted = false
                default: return nil
                }
                position += 1
            }
            var start = position
            var decoded: [UInt8] = []
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    // Most texts have no escape: made straight from the input's bytes.
                    let text = decoded.isEmpty
                        ? String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                        : String(decoding: decoded + bytes[start..<position], as: UTF8.self)
                    position += 1
                    return (text, highlighted)
                }
                if byte < 0x20 { return nil }
                guard byte == UInt8(ascii: "\\") else {
                    position += 1
                    continue
                }
                decoded.append(contentsOf: bytes[start..<position])
                position += 1
                guard position < bytes.count else { return nil }
                let escaped = bytes[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escaped)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "u"):
                    guard var value = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(value) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                              bytes[position + 1] == UInt8(ascii: "u")
                        else { return nil }
                        position += 2
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(value) else { return nil }
                    decoded.append(contentsOf: Array(String(scalar).utf8))
                default:
                    return nil
                }
                start = position
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard position + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: return nil
                }
                value = value << 4 | digit
                position += 1
            }
            return value
        }
    }
}

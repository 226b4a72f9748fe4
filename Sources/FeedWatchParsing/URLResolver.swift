internal import CLibXML2
import FeedWatchModel

/// Resolves relative references (RFC 3986) against `xml:base`, the document URL or the
/// channel link, using libxml2's resolver, which is fast and tolerant of odd input.
enum URLResolver {
    /// `reference` resolved against `base`; `reference` unchanged when it is already absolute,
    /// when there is no base, or when resolution fails.
    static func resolve(_ reference: String, against base: String?) -> String {
        let trimmed = reference.trimmingASCIIWhitespace()
        guard let base, !base.isEmpty, !isAbsolute(trimmed) else { return trimmed }
        if trimmed.isEmpty { return base }
        if let fast = resolveAbsolutePath(trimmed, against: base) { return fast }
        guard let built = xmlBuildURI(trimmed, base) else { return trimmed }
        defer { fw_xmlFree(built) }
        return String(cString: built)
    }

    /// `/path?query` against `scheme://authority/…` is the authority plus the path: the most
    /// common relative link in feeds, resolved without a round trip through libxml2. nil when
    /// the reference needs the general algorithm (dot segments, network-path `//`, no authority).
    private static func resolveAbsolutePath(_ reference: String, against base: String) -> String? {
        let utf8 = reference.utf8
        guard utf8.first == UInt8(ascii: "/"), utf8.dropFirst().first != UInt8(ascii: "/"),
              let authorityEnd = authorityEnd(of: base) else { return nil }
        // libxml2 leaves dot segments in absolute paths; RFC 3986 §5.2.4 removes them.
        var base = base
        let authority = base.withUTF8 {
            String(decoding: UnsafeBufferPointer(rebasing: $0[..<authorityEnd]), as: UTF8.self)
        }
        return authority + (hasDotSegment(utf8) ? removingDotSegments(reference) : reference)
    }

    /// The UTF-8 length of `scheme://authority` at the start of `base`; nil when `base` has
    /// no authority (then an absolute-path reference needs the general algorithm).
    private static func authorityEnd(of base: String) -> Int? {
        base.withUTF8Bytes { bytes -> Int? in
            guard let colon = ByteSearch.firstIndex(of: UInt8(ascii: ":"), in: bytes, from: 0),
                  colon + 2 < bytes.count, bytes[colon + 1] == UInt8(ascii: "/"), bytes[colon + 2] == UInt8(ascii: "/")
            else { return nil }
            let authorityStart = colon + 3
            var end = authorityStart
            while end < bytes.count && bytes[end] != UInt8(ascii: "/") && bytes[end] != UInt8(ascii: "?")
                    && bytes[end] != UInt8(ascii: "#") {
                end += 1
            }
            return end > authorityStart ? end : nil
        }
    }

    /// Whether the reference holds `/.` (on bytes: Foundation's `contains` on String was a
    /// twentieth of the whole parse of a large feed).
    private static func hasDotSegment(_ utf8: String.UTF8View) -> Bool {
        var previous: UInt8 = 0
        for byte in utf8 {
            if byte == UInt8(ascii: ".") && previous == UInt8(ascii: "/") { return true }
            previous = byte
        }
        return false
    }

    /// RFC 3986 remove_dot_segments on the path of an absolute-path reference.
    static func removingDotSegments(_ reference: String) -> String {
        let end = reference.firstIndex { $0 == "?" || $0 == "#" } ?? reference.endIndex
        var output: [Substring] = []
        let segments = reference[reference.index(after: reference.startIndex)..<end].split(separator: "/", omittingEmptySubsequences: false)
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            switch segment {
            case ".":
                if isLast { output.append("") }
            case "..":
                if !output.isEmpty { output.removeLast() }
                if isLast { output.append("") }
            default:
                output.append(segment)
            }
        }
        return "/" + output.joined(separator: "/") + reference[end...]
    }

    /// Whether a reference starts with a scheme (`http:`, `mailto:`, `urn:`…).
    static func isAbsolute(_ reference: String) -> Bool {
        var sawLetter = false
        for byte in reference.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                sawLetter = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
                if !sawLetter { return false }
            case UInt8(ascii: ":"):
                return sawLetter
            default:
                return false
            }
        }
        return false
    }

    /// Rewrites relative `href` and `src` attribute values in an HTML fragment; the HTML is
    /// otherwise returned byte for byte as published.
    static func resolveLinks(inHTML html: String, against base: String?) -> String {
        guard let base, !base.isEmpty else { return html }
        return html.withUTF8Bytes { resolveLinks(in: $0, against: base) } ?? html
    }

    /// `resolveLinks(inHTML:against:)` over UTF-8 bytes that are valid by construction (see
    /// `String(knownValidUTF8:)`); nil when nothing needed resolving.
    static func resolveLinks(inHTMLBytes bytes: UnsafeBufferPointer<UInt8>, against base: String?) -> String? {
        guard let base, !base.isEmpty else { return nil }
        return resolveLinks(in: bytes, against: base)
    }

    /// nil when nothing needed resolving (the HTML is then returned as it is, uncopied).
    private static func resolveLinks(in bytes: UnsafeBufferPointer<UInt8>, against base: String) -> String? {
        // `scheme://authority` of the base, for the byte-level fast path below (nil when the
        // base has none, or holds an `&`, which would need escaping).
        // Computed at the first link: most fragments have none.
        var authorityComputed = false
        var authority: Int?  // the length of the base's `scheme://authority` prefix
        // A buffer of its own rather than an Array: appending a few runs to an Array cost more
        // than copying them, and the Array's bytes were copied once more into the String.
        var output: UnmanagedBuffer<UInt8>? = nil
        defer { output?.deallocate() }
        var copied = 0
        var index = 0
        let count = bytes.count
        while let equals = ByteSearch.firstIndex(of: UInt8(ascii: "="), in: bytes, from: index) {
            // Every `href=` or `src=` (case-insensitive, spaces allowed around `=`) preceded by
            // whitespace has an `=`: jump from one `=` to the next and look back for the name.
            var nameEnd = equals
            while nameEnd > index && bytes[nameEnd - 1].isASCIIWhitespace { nameEnd -= 1 }
            var attributeEnd = -1
            // The name starts at or after `index` (never inside the value just rewritten).
            if nameEnd >= 5, nameEnd - 4 >= index, bytes[nameEnd - 5].isASCIIWhitespace,
               lowercaseEquals(bytes, nameEnd - 4, "href") {
                attributeEnd = nameEnd
            } else if nameEnd >= 4, nameEnd - 3 >= index, bytes[nameEnd - 4].isASCIIWhitespace,
                      lowercaseEquals(bytes, nameEnd - 3, "src") {
                attributeEnd = nameEnd
            }
            guard attributeEnd > 0 else {
                index = equals + 1
                continue
            }
            var cursor = attributeEnd
            while cursor < count && bytes[cursor].isASCIIWhitespace { cursor += 1 }
            guard cursor < count, bytes[cursor] == UInt8(ascii: "=") else {
                index = equals + 1
                continue
            }
            cursor += 1
            while cursor < count && bytes[cursor].isASCIIWhitespace { cursor += 1 }
            guard cursor < count else { break }
            let quote = bytes[cursor]
            let valueStart: Int
            var valueEnd: Int
            if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
                valueStart = cursor + 1
                valueEnd = valueStart
                while valueEnd < count && bytes[valueEnd] != quote { valueEnd += 1 }
            } else {
                valueStart = cursor
                valueEnd = cursor
                while valueEnd < count && !bytes[valueEnd].isASCIIWhitespace && bytes[valueEnd] != UInt8(ascii: ">") {
                    valueEnd += 1
                }
            }
            if !authorityComputed {
                authorityComputed = true
                if let end = authorityEnd(of: base) {
                    let hasAmpersand = base.withUTF8Bytes { UnsafeBufferPointer(rebasing: $0[..<end]).contains(UInt8(ascii: "&")) }
                    if !hasAmpersand { authority = end }
                }
            }
            if let authority, isPlainAbsolutePath(UnsafeBufferPointer(rebasing: bytes[valueStart..<valueEnd])) {
                // What `resolve` returns for this value, without making Strings of it.
                if output == nil { output = UnmanagedBuffer(capacity: count + 256) }
                output!.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<valueStart]))
                base.withUTF8Bytes { output!.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<authority])) }
                output!.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[valueStart..<valueEnd]))
                copied = valueEnd
                index = max(valueEnd, index + 1)
                continue
            }
            let value = String(knownValidUTF8: UnsafeBufferPointer(rebasing: bytes[valueStart..<valueEnd]))
            if !value.isEmpty, !isAbsolute(value), !value.hasPrefix("#") {
                // The value is HTML-escaped; the resolver wants the URL itself.
                let hasAmpersand = value.utf8.contains(UInt8(ascii: "&"))
                var resolved = resolve(hasAmpersand ? value.replacingAll("&amp;", with: "&") : value, against: base)
                if resolved.utf8.contains(UInt8(ascii: "&")) { resolved = resolved.replacingAll("&", with: "&amp;") }
                if output == nil { output = UnmanagedBuffer(capacity: count + 256) }
                output!.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<valueStart]))
                resolved.withUTF8 { output!.append(contentsOf: $0) }
                copied = valueEnd
            }
            index = max(valueEnd, index + 1)
        }
        guard output != nil else { return nil }
        output!.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
        return String(knownValidUTF8: output!.elements(output!.indices))
    }

    /// `/path…` with nothing `resolve` would change: no `//` start, no surrounding whitespace,
    /// no `&` (escaped in HTML), no dot segment.
    private static func isPlainAbsolutePath(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard value.count >= 1, value[0] == UInt8(ascii: "/"), value.count < 2 || value[1] != UInt8(ascii: "/"),
              !value[value.count - 1].isASCIIWhitespace else { return false }
        var previous: UInt8 = 0
        for byte in value {
            if byte == UInt8(ascii: "&") || (byte == UInt8(ascii: ".") && previous == UInt8(ascii: "/")) {
                return false
            }
            previous = byte
        }
        return true
    }

    private static func lowercaseEquals(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int, _ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard index + length <= bytes.count else { return false }
        for offset in 0..<length where bytes[index + offset] | 0x20 != word.utf8Start[offset] { return false }
        return true
    }
}

/// The identity of an entry across fetches, decided once, in the parser.
///
/// The chain is: the entry's own id (guid), else its canonical link (fragment and tracking
/// parameters removed, see `CanonicalLink`), else a hash of title and content. Per-feed
/// refinements (guid+link, link first) are `EntryIdentity`'s job. The prefix says which rule applied, so a later change of rule never makes
/// two different entries collide.
public enum EntryFingerprint {
    public static func compute(id: String?, link: String?, title: String?, content: String?) -> String {
        if let id = nonEmpty(id) { return "id:" + id }
        if let link = nonEmpty(link) { return "link:" + CanonicalLink.normalise(link) }
        let material = (title ?? "") + "\u{1F}" + (content ?? "")
        return "hash:" + ContentDigest.hexDigest(of: Array(material.utf8))
    }

    private static func nonEmpty(_ s: String?) -> String? {
        guard let s else { return nil }
        let trimmed = s.trimmingASCIIWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }
}

extension String {
    /// The string without leading and trailing ASCII whitespace; cheaper than Foundation's
    /// `trimmingCharacters(in:)`, which dominates profiles when called per field.
    public func trimmingASCIIWhitespace() -> String {
        // Native strings: index arithmetic on the bytes, several times cheaper than the
        // generic index walk below (this runs for nearly every field of every entry). The
        // view is read in place: a copy of it in a local costs a retain and a release.
        let contiguous = self.utf8.withContiguousStorageIfAvailable { bytes -> String? in
            var start = 0
            var end = bytes.count
            while start < end && bytes[start].isASCIIWhitespace { start += 1 }
            while end > start && bytes[end - 1].isASCIIWhitespace { end -= 1 }
            if start == 0 && end == bytes.count { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
        switch contiguous {
        case .some(.some(let trimmed)): return trimmed
        case .some(.none): return self
        case .none: break
        }
        let utf8 = self.utf8
        guard let first = utf8.firstIndex(where: { !$0.isASCIIWhitespace }) else { return "" }
        let last = utf8.lastIndex(where: { !$0.isASCIIWhitespace })!
        if first == utf8.startIndex && last == utf8.index(before: utf8.endIndex) { return self }
        return String(self[first...last])
    }
}

extension UInt8 {
    /// Space, tab, newline, carriage return, form feed.
    @inlinable public var isASCIIWhitespace: Bool {
        self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0D || self == 0x0C
    }
}

extension String {
    /// Whether the string holds a control character (CR, LF, NUL, …). Checked on Unicode
    /// scalars: "\r\n" is one Swift `Character`, equal to neither "\r" nor "\n", so a
    /// `Character` comparison lets a CRLF through into a header or a log line.
    public var containsControlCharacters: Bool {
        unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }
}

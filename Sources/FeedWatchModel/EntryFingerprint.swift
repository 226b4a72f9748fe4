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
        return "hash:" + SHA256.hexDigest(of: Array(material.utf8))
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

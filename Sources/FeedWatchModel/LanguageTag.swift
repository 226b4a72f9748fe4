/// The language a feed or entry declares (RSS `<language>`, `xml:lang`, JSON Feed `language`),
/// bounded and normalised before it is stored: feed text is hostile input, and the matcher only
/// needs the primary subtag.
public enum LanguageTag {
    /// Most characters of a stored tag (RFC 5646 advises buffers of at least 35).
    public static let maxLength = 35

    /// The declared language as a BCP 47-like tag, or nil when there is none worth keeping.
    ///
    /// The first of a comma- or space-separated list is taken; `_` reads as `-`; the primary
    /// subtag (2–8 letters) is lowercased, a region uppercased (`en-GB`), a script titlecased
    /// (`zh-Hant`), other subtags lowercased. Subtags that are not 1–8 ASCII letters or digits end
    /// the tag there, and subtags past `maxLength` characters are dropped, so a hostile value of
    /// any length is at most 35 characters; a value whose primary subtag is not a plausible
    /// language (`*`, digits, 9 letters or more) is nil.
    public static func normalised(_ raw: String?) -> String? {
        guard let raw else { return nil }
        // Only the first tag of a list matters; reading it looks at a bounded prefix.
        var first: [UInt8] = []
        for byte in raw.utf8 {
            if byte == UInt8(ascii: ","), !first.isEmpty { break }
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if first.isEmpty { continue }
                break
            }
            first.append(byte == UInt8(ascii: "_") ? UInt8(ascii: "-") : byte)
            if first.count > maxLength + 9 { break }
        }
        var subtags: [String] = []
        var length = 0
        for (index, part) in first.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false).enumerated() {
            guard part.count >= 1, part.count <= 8, part.allSatisfy(isAlphanumeric) else { break }
            if index == 0 {
                guard part.count >= 2, part.allSatisfy(isLetter) else { return nil }
            }
            let added = part.count + (index == 0 ? 0 : 1)
            guard length + added <= maxLength else { break }
            length += added
            let text = String(decoding: part, as: UTF8.self)
            switch (index, part.count) {
            case (0, _): subtags.append(text.lowercased())
            case (_, 2) where part.allSatisfy(isLetter): subtags.append(text.uppercased())
            case (_, 4) where part.allSatisfy(isLetter): subtags.append(text.prefix(1).uppercased() + text.dropFirst().lowercased())
            default: subtags.append(text.lowercased())
            }
        }
        return subtags.isEmpty ? nil : subtags.joined(separator: "-")
    }

    /// The primary language subtag of a tag, lowercased (`fa` for `fa-IR`, `en` for `EN_us`).
    public static func primarySubtag(_ tag: String) -> String {
        let end = tag.firstIndex { $0 == "-" || $0 == "_" } ?? tag.endIndex
        return tag[..<end].lowercased()
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- UInt8(ascii: "a") < 26 }
    private static func isAlphanumeric(_ byte: UInt8) -> Bool { isLetter(byte) || byte &- UInt8(ascii: "0") < 10 }
}

/// Control characters in text that came from outside (feeds, pages, error messages quoting
/// them): C0 controls, DEL and the C1 range (U+0080–U+009F). ESC alone can retitle a terminal,
/// hide lines or fake output, so such text is either stripped (the parser, once, at the end)
/// or shown with each control written out as `\x1B` (the terminal, the digest health footer).
public enum ControlText {
    /// Whether `value` is a control character, tab, line feed and carriage return excepted
    /// as `keeping` says.
    @inline(__always)
    public static func isControl(_ value: UInt32, keeping kept: Kept) -> Bool {
        switch value {
        case 0x09: return !kept.contains(.tab)
        case 0x0A: return !kept.contains(.lineFeed)
        case 0x0D: return !kept.contains(.carriageReturn)
        default: return value < 0x20 || (0x7F...0x9F).contains(value)
        }
    }

    /// The layout characters a caller keeps.
    public struct Kept: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let tab = Kept(rawValue: 1)
        public static let lineFeed = Kept(rawValue: 2)
        public static let carriageReturn = Kept(rawValue: 4)
        /// Tab and line feed: text shown on a terminal or in a file keeps its lines.
        public static let lines: Kept = [.tab, .lineFeed]
        /// Tab, line feed and carriage return: text stored as it was written.
        public static let layout: Kept = [.tab, .lineFeed, .carriageReturn]
    }

    /// Whether `text` holds a control character other than those `kept`. Bytes, not
    /// characters, read in place (no copy of the String, so no retain and release): most
    /// text has none, and the parser checks every string of every feed.
    public static func contains(_ text: String, keeping kept: Kept) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { contains(bytes: $0, keeping: kept) }
            ?? text.unicodeScalars.contains { isControl($0.value, keeping: kept) }
    }

    /// The same check on UTF-8 bytes, eight at a time: a word is read byte by byte only when
    /// it may hold a control character (a byte below 0x20, which tabs and line breaks also
    /// are, 0x7F, or 0xC2, the lead byte of C1 controls and of U+00A0–U+00BF). The last word
    /// overlaps the one before it rather than leaving a tail to read byte by byte.
    public static func contains(bytes: UnsafeBufferPointer<UInt8>, keeping kept: Kept) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let count = bytes.count
        guard count >= 8 else { return containsBytewise(bytes, from: 0, to: count, keeping: kept) }
        let raw = UnsafeRawPointer(base)
        var index = 0
        while true {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if candidates(word) != 0 && containsBytewise(bytes, from: index, to: index + 8, keeping: kept) {
                return true
            }
            if index + 8 == count { return false }
            index = min(index + 8, count - 8)
        }
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Non-zero when any byte of `word` is below 0x20, 0x7F or 0xC2 (no false negatives:
    /// the classic "has a byte less than n" and "has a zero byte" word tests).
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
    private static func containsBytewise(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int,
                                         keeping kept: Kept) -> Bool {
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte < 0x80, isControl(UInt32(byte), keeping: kept) { return true }
            if byte == 0xC2, index + 1 < bytes.count, (0x80...0x9F).contains(bytes[index + 1]) { return true }
            index += 1
        }
        return false
    }

    /// `text` without its control characters (tab, line feed and carriage return kept).
    public static func stripped(_ text: String) -> String {
        guard contains(text, keeping: .layout) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !isControl(scalar.value, keeping: .layout) { scalars.append(scalar) }
        return String(scalars)
    }

    /// `text` with each control character but those `kept` written as `\x1B`, except where a
    /// sequence in `passing` starts (the colours the command line draws itself).
    public static func escaped(_ text: String, keeping kept: Kept = .lines, passing: [String.UnicodeScalarView] = []) -> String {
        guard contains(text, keeping: kept) else { return text }
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars[...]
        while let scalar = scalars.first {
            if scalar.value == 0x1B, let sequence = passing.first(where: { scalars.starts(with: $0) }) {
                out.append(contentsOf: sequence)
                scalars = scalars.dropFirst(sequence.count)
                continue
            }
            scalars = scalars.dropFirst()
            if isControl(scalar.value, keeping: kept) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out.append(contentsOf: ("\\x" + (hex.count < 2 ? "0" + hex : hex)).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}

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
    /// characters: most text has none, and this keeps that case one scan without a copy.
    public static func contains(_ text: String, keeping kept: Kept) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var previous: UInt8 = 0
            for byte in bytes {
                if byte < 0x80, isControl(UInt32(byte), keeping: kept) { return true }
                if previous == 0xC2, (0x80...0x9F).contains(byte) { return true }  // C1 in UTF-8
                previous = byte
            }
            return false
        }
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

public import Foundation
import FeedWatchModel

/// Feed dates in the forms real feeds write them, to UTC instants. Parsed on UTF-8 bytes:
/// DateFormatter is slow, locale-dependent and rejects most real-world variants.
public enum FeedDates {
    /// Parses an RFC 822/1123 date (and its real-world variants) or an RFC 3339 / ISO 8601 /
    /// W3C-DTF date, whichever the text looks like; nil when it is neither.
    public static func parse(_ text: String) -> Date? {
        text.withUTF8Bytes { parse(bytes: $0) }
    }

    /// `parse(_:)` on UTF-8 bytes, so element text is parsed where it lies, without a String.
    static func parse(bytes buffer: UnsafeBufferPointer<UInt8>) -> Date? {
        let bytes = buffer[...]
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end && bytes[start].isASCIIWhitespace { start += 1 }
        while end > start && bytes[end - 1].isASCIIWhitespace { end -= 1 }
        guard start < end else { return nil }
        let slice = bytes[start..<end]
        if slice.count >= 4, slice.prefix(4).allSatisfy(isDigit) {
            if let date = parseISO8601(slice) { return date }
        }
        return parseRFC822(slice)
    }

    // MARK: RFC 3339 / ISO 8601 / W3C-DTF

    /// `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, then `T` or space, `hh:mm[:ss[.fff]]`, then `Z`,
    /// `±hh:mm`, `±hhmm` or `±hh`; the compact `YYYYMMDDThhmmss` form too. No zone means UTC.
    static func parseISO8601(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Date? {
        var scanner = ByteScanner(bytes)
        guard let year = scanner.digits(exactly: 4) else { return nil }
        var month = 1, day = 1, hour = 0, minute = 0, second = 0
        var fraction = 0.0
        let compact = scanner.peek.map(isDigit) ?? false
        if compact {
            guard let m = scanner.digits(exactly: 2), let d = scanner.digits(exactly: 2) else { return nil }
            month = m
            day = d
        } else if scanner.skip(UInt8(ascii: "-")) {
            guard let m = scanner.digits(exactly: 2) else { return nil }
            month = m
            if scanner.skip(UInt8(ascii: "-")) {
                guard let d = scanner.digits(exactly: 2) else { return nil }
                day = d
            }
        }
        var offsetSeconds = 0
        if scanner.skip(UInt8(ascii: "T")) || scanner.skip(UInt8(ascii: "t")) || scanner.skip(UInt8(ascii: " ")) {
            while scanner.skip(UInt8(ascii: " ")) {}
            guard let h = scanner.digits(exactly: 2) else { return nil }
            hour = h
            let separated = scanner.skip(UInt8(ascii: ":"))
            guard let mi = scanner.digits(exactly: 2) else { return nil }
            minute = mi
            if (separated && scanner.skip(UInt8(ascii: ":"))) || (!separated && (scanner.peek.map(isDigit) ?? false)) {
                guard let s = scanner.digits(exactly: 2) else { return nil }
                second = s
                if scanner.skip(UInt8(ascii: ".")) || scanner.skip(UInt8(ascii: ",")) {
                    var scale = 0.1
                    while let byte = scanner.peek, isDigit(byte) {
                        fraction += Double(byte - 0x30) * scale
                        scale /= 10
                        scanner.advance()
                    }
                }
            }
            while scanner.skip(UInt8(ascii: " ")) {}
            if let zone = parseNumericOrLetterZone(&scanner) { offsetSeconds = zone }
        }
        return makeDate(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                        offsetSeconds: offsetSeconds, fraction: fraction)
    }

    private static func parseNumericOrLetterZone(_ scanner: inout ByteScanner) -> Int? {
        guard let byte = scanner.peek else { return nil }
        if byte == UInt8(ascii: "Z") || byte == UInt8(ascii: "z") {
            scanner.advance()
            return 0
        }
        if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
            scanner.advance()
            let sign = byte == UInt8(ascii: "-") ? -1 : 1
            guard let hours = scanner.digits(exactly: 2) else { return nil }
            _ = scanner.skip(UInt8(ascii: ":"))
            let minutes = scanner.digits(exactly: 2) ?? 0
            return sign * (hours * 3600 + minutes * 60)
        }
        return nil
    }

    // MARK: RFC 822 / 1123 and variants

    /// `[Weekday,] DD Mon YYYY HH:MM[:SS] [zone]`, tolerating: a missing or wrong weekday, full
    /// month names, `Mon DD YYYY`, two-digit years, missing seconds, `UT`/`GMT`/`Z`, North
    /// American zone names, military letters, `+hhmm`/`+hh:mm`, and a trailing comment.
    static func parseRFC822(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Date? {
        var day: Int?, month: Int?, year: Int?
        var hour = 0, minute = 0, second = 0
        var sawTime = false
        var offsetSeconds = 0
        var scanner = ByteScanner(bytes)
        while let byte = scanner.peek {
            if byte.isASCIIWhitespace || byte == UInt8(ascii: ",") || byte == UInt8(ascii: ".") {
                scanner.advance()
            } else if byte == UInt8(ascii: "(") {
                break  // "(UTC)" style trailing comment
            } else if isDigit(byte) {
                let start = scanner.index
                guard let number = scanner.number() else { return nil }
                let length = scanner.index - start
                if scanner.peek == UInt8(ascii: ":") {
                    guard !sawTime else { return nil }
                    sawTime = true
                    hour = number
                    scanner.advance()
                    guard let mi = scanner.number() else { return nil }
                    minute = mi
                    if scanner.skip(UInt8(ascii: ":")) {
                        guard let s = scanner.number() else { return nil }
                        second = s
                        if scanner.skip(UInt8(ascii: ".")) { _ = scanner.number() }
                    }
                } else if day == nil && length <= 2 && year == nil {
                    day = number
                } else if year == nil {
                    year = length <= 2 ? (number < 50 ? 2000 + number : 1900 + number) : number
                } else if day == nil && length <= 2 {
                    day = number
                } else {
                    return nil
                }
                if scanner.peek == UInt8(ascii: "-") && !sawTime { scanner.advance() }  // 22-Mar-2016
            } else if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                scanner.advance()
                let sign = byte == UInt8(ascii: "-") ? -1 : 1
                let start = scanner.index
                guard let value = scanner.number() else { continue }
                var hours = 0, minutes = 0
                if scanner.index - start <= 2 {
                    hours = value
                    if scanner.skip(UInt8(ascii: ":")) { minutes = scanner.number() ?? 0 }
                } else {
                    hours = value / 100
                    minutes = value % 100
                }
                offsetSeconds = sign * (hours * 3600 + minutes * 60)
            } else if isLetter(byte) {
                let word = scanner.word()
                if let m = monthNumber(word) {
                    month = m
                } else if let zone = zoneOffset(word) {
                    offsetSeconds = zone
                } else if isWeekday(word) || (word.count == 2 && packUpper(word) == pack("AT")) {
                    continue
                } else {
                    return nil
                }
                if scanner.peek == UInt8(ascii: "-") && !sawTime { scanner.advance() }
            } else {
                return nil
            }
        }
        guard let day, let month, let year else { return nil }
        return makeDate(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                        offsetSeconds: offsetSeconds, fraction: 0)
    }

    private static let monthPrefixes: [UInt32] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                                   "nov", "dec"].map(packPrefix)
    private static let monthNames = ["january", "february", "march", "april", "may", "june", "july", "august",
                                     "september", "october", "november", "december"]
    private static let weekdayNames = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    private static let weekdayPrefixes: [UInt32] = weekdayNames.map(packPrefix)

    /// The first three letters, lower-cased, as one integer.
    private static func packPrefix(_ word: String) -> UInt32 { packPrefix(Array(word.utf8)) }
    private static func packPrefix(_ word: [UInt8]) -> UInt32 {
        (UInt32(word[0] | 0x20) << 16) | (UInt32(word[1] | 0x20) << 8) | UInt32(word[2] | 0x20)
    }
    private static func packPrefix(_ word: Slice<UnsafeBufferPointer<UInt8>>) -> UInt32 {
        let start = word.startIndex
        return (UInt32(word[start] | 0x20) << 16) | (UInt32(word[start + 1] | 0x20) << 8)
            | UInt32(word[start + 2] | 0x20)
    }

    /// A word of up to four letters, upper-cased and packed into one integer (zone names).
    private static func packUpper(_ word: Slice<UnsafeBufferPointer<UInt8>>) -> UInt32 {
        var packed: UInt32 = 0
        for byte in word { packed = packed << 8 | UInt32(byte & ~0x20) }
        return packed
    }

    private static func pack(_ name: StaticString) -> UInt32 {
        var packed: UInt32 = 0
        for index in 0..<name.utf8CodeUnitCount { packed = packed << 8 | UInt32(name.utf8Start[index]) }
        return packed
    }

    /// `Mar`, `March`, `Sept`; nil for anything else.
    private static func monthNumber(_ word: Slice<UnsafeBufferPointer<UInt8>>) -> Int? {
        guard word.count >= 3, let index = monthPrefixes.firstIndex(of: packPrefix(word)) else { return nil }
        if word.count > 3 && !isPrefix(word, of: monthNames[index]) { return nil }
        return index + 1
    }

    /// `Tue`, `Tues`, `Tuesday`.
    private static func isWeekday(_ word: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard word.count >= 3, let index = weekdayPrefixes.firstIndex(of: packPrefix(word)) else { return false }
        return word.count == 3 || word.count == 4 || isPrefix(word, of: weekdayNames[index])
    }

    private static func isPrefix(_ word: Slice<UnsafeBufferPointer<UInt8>>, of name: String) -> Bool {
        let nameBytes = name.utf8
        guard word.count <= nameBytes.count else { return false }
        return zip(word, nameBytes).allSatisfy { $0 | 0x20 == $1 }
    }

    /// Named zones: UT/GMT/UTC/Z, North American zones, military letters (RFC 822 signs).
    private static func zoneOffset(_ word: Slice<UnsafeBufferPointer<UInt8>>) -> Int? {
        guard word.count <= 4 else { return nil }
        // Packed, not a String: this runs for nearly every RSS date.
        switch packUpper(word) {
        case pack("UT"), pack("UTC"), pack("GMT"), pack("Z"), pack("WET"): return 0
        case pack("EST"): return -5 * 3600
        case pack("EDT"): return -4 * 3600
        case pack("CST"): return -6 * 3600
        case pack("CDT"): return -5 * 3600
        case pack("MST"): return -7 * 3600
        case pack("MDT"): return -6 * 3600
        case pack("PST"): return -8 * 3600
        case pack("PDT"): return -7 * 3600
        case pack("AST"): return -4 * 3600
        case pack("ADT"): return -3 * 3600
        case pack("HST"): return -10 * 3600
        case pack("AKST"): return -9 * 3600
        case pack("AKDT"): return -8 * 3600
        case pack("BST"), pack("CET"), pack("MET"): return 3600
        case pack("CEST"), pack("MEST"), pack("EET"): return 2 * 3600
        case pack("EEST"): return 3 * 3600
        case pack("JST"), pack("KST"): return 9 * 3600
        case pack("IST"): return 5 * 3600 + 1800
        case pack("AEST"): return 10 * 3600
        case pack("AEDT"): return 11 * 3600
        default: break
        }
        guard word.count == 1 else { return nil }
        let letter = Int(word[word.startIndex] & ~0x20)
        switch letter {
        case 0x41...0x49: return -(letter - 0x40) * 3600  // A–I: −1…−9
        case 0x4B...0x4D: return -(letter - 0x41) * 3600  // K–M: −10…−12
        case 0x4E...0x59: return (letter - 0x4D) * 3600  // N–Y: +1…+12
        default: return nil
        }
    }

    // MARK: Calendar arithmetic

    static func makeDate(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, offsetSeconds: Int,
                         fraction: Double) -> Date? {
        guard (1...12).contains(month), (1...31).contains(day), (0...24).contains(hour), (0...59).contains(minute),
              (0...60).contains(second), (1...9999).contains(year) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
private func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

/// A cursor over UTF-8 bytes for the date parsers.
private struct ByteScanner {
    let bytes: Slice<UnsafeBufferPointer<UInt8>>
    var index: Int

    init(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    var peek: UInt8? { index < bytes.endIndex ? bytes[index] : nil }

    mutating func advance() { index += 1 }

    mutating func skip(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    mutating func digits(exactly count: Int) -> Int? {
        guard index + count <= bytes.endIndex else { return nil }
        var value = 0
        for offset in 0..<count {
            let byte = bytes[index + offset]
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        index += count
        return value
    }

    mutating func number() -> Int? {
        var value = 0
        let start = index
        while let byte = peek, isDigit(byte), index - start < 9 {
            value = value * 10 + Int(byte - 0x30)
            index += 1
        }
        return index > start ? value : nil
    }

    mutating func word() -> Slice<UnsafeBufferPointer<UInt8>> {
        let start = index
        while let byte = peek, isLetter(byte) { index += 1 }
        return bytes[start..<index]
    }
}

public import Foundation

/// A moment's calendar fields at a fixed offset from UTC, by arithmetic alone (Howard
/// Hinnant's civil-from-days), in the proleptic Gregorian calendar.
///
/// Digests and listings print a timestamp per entry; `Calendar.dateComponents` plus
/// `String(format:)` cost a few microseconds each, which for a day of 40,000 matches was a
/// noticeable part of a cycle. `Calendar` switches to the Julian calendar before 1582, so
/// callers that must agree with it use this only for `isModern` moments.
public struct CivilTime: Sendable, Hashable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// 1 for Sunday … 7 for Saturday, as `Calendar` numbers weekdays.
    public var weekday: Int

    /// The fields of `date` seen at `offset` seconds east of UTC (whole seconds, rounded down).
    public init(_ date: Date, offset: Int = 0) {
        let interval = date.timeIntervalSince1970
        // Out-of-range instants (hostile dates) are clamped rather than trapping on conversion.
        let seconds = (interval.isFinite ? Int(max(-1e15, min(1e15, interval)).rounded(.down)) : 0) + offset
        var days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // 1970-01-01 was a Thursday (weekday 5).
        weekday = ((days % 7 + 7 + 4) % 7) + 1
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60
    }

    /// Whether the year is one `Calendar` and this type count alike and prints in four digits.
    public var isModern: Bool { (1583...9999).contains(year) }

    /// `2026-01-31`.
    public var dateText: String {
        if hasFourDigitYear { return Self.text(count: 10) { writeDate(to: $0) } }
        var text = ""
        text.reserveCapacity(10)
        Self.append(year, width: 4, to: &text)
        text.append("-")
        Self.append(month, width: 2, to: &text)
        text.append("-")
        Self.append(day, width: 2, to: &text)
        return text
    }

    /// `2026-01-31 09:05`.
    public var minuteText: String {
        if hasFourDigitYear {
            return Self.text(count: 16) { bytes in
                writeDate(to: bytes)
                bytes[10] = UInt8(ascii: " ")
                writeClock(to: bytes, at: 11)
            }
        }
        var text = dateText
        text.append(" ")
        text.append(clockText)
        return text
    }

    /// `09:05`.
    public var clockText: String {
        Self.text(count: 5) { writeClock(to: $0, at: 0) }
    }

    /// `2026-01-31T09:05:00Z` (meaningful at offset 0).
    public var rfc3339: String {
        if hasFourDigitYear {
            return Self.text(count: 20) { bytes in
                writeDate(to: bytes)
                bytes[10] = UInt8(ascii: "T")
                writeClock(to: bytes, at: 11)
                bytes[16] = UInt8(ascii: ":")
                Self.put(second, width: 2, to: bytes, at: 17)
                bytes[19] = UInt8(ascii: "Z")
            }
        }
        var text = dateText
        text.append("T")
        text.append(clockText)
        text.append(":")
        Self.append(second, width: 2, to: &text)
        text.append("Z")
        return text
    }

    // Digests print a timestamp or two per item in every format: the texts are written as
    // bytes into the string's own storage, where appending padded parts made several strings
    // and grew the result twice (2 % of a cold cycle's CPU).

    /// Whether the year prints as four digits without a sign (the other fields always fit
    /// their widths: the initialiser makes them so).
    private var hasFourDigitYear: Bool { (0...9999).contains(year) }

    /// `YYYY-MM-DD` at the start of `bytes` (a year of four digits).
    private func writeDate(to bytes: UnsafeMutableBufferPointer<UInt8>) {
        Self.put(year, width: 4, to: bytes, at: 0)
        bytes[4] = UInt8(ascii: "-")
        Self.put(month, width: 2, to: bytes, at: 5)
        bytes[7] = UInt8(ascii: "-")
        Self.put(day, width: 2, to: bytes, at: 8)
    }

    /// `HH:MM` at `offset`.
    private func writeClock(to bytes: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        Self.put(hour, width: 2, to: bytes, at: offset)
        bytes[offset + 2] = UInt8(ascii: ":")
        Self.put(minute, width: 2, to: bytes, at: offset + 3)
    }

    /// A string of `count` ASCII bytes written by `write`.
    private static func text(count: Int, _ write: (UnsafeMutableBufferPointer<UInt8>) -> Void) -> String {
        String(unsafeUninitializedCapacity: count) { bytes in
            write(bytes)
            return count
        }
    }

    /// `value` (0 ≤ value < 10^width) as `width` decimal digits at `offset`.
    private static func put(_ value: Int, width: Int, to bytes: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        var rest = value
        for position in stride(from: offset + width - 1, through: offset, by: -1) {
            bytes[position] = UInt8(truncatingIfNeeded: 48 + rest % 10)
            rest /= 10
        }
    }

    /// `value` zero-padded to `width` digits, as `%0Nd` prints it (a minus sign takes a digit's place).
    static func append(_ value: Int, width: Int, to text: inout String) {
        let digits = String(value.magnitude)
        if value < 0 { text.append("-") }
        let padding = width - digits.count - (value < 0 ? 1 : 0)
        if padding > 0 { text.append(String(repeating: "0", count: padding)) }
        text.append(digits)
    }
}

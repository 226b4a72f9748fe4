public import Foundation

/// Reads an HTTP `Retry-After` value.
public enum RetryAfter {
    /// Seconds from `now` that `value` asks to wait: delay-seconds, or an HTTP date (IMF-fixdate, RFC 850 or
    /// asctime). A date in the past gives 0; anything unreadable gives nil.
    public static func parse(_ value: String, now: Date) -> Double? {
        let text = value.trimmingWhitespace
        guard !text.isEmpty, text.utf8.count <= 64 else { return nil }
        if text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return Double(text)
        }
        guard let date = httpDate(text) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Parses the three date formats HTTP allows (RFC 9110 §5.6.7), all in GMT.
    static func httpDate(_ text: String) -> Date? {
        let tokens = text.split { $0 == " " || $0 == "," || $0 == "-" || $0 == ":" }.map { $0.lowercased() }
        var month: Int?
        var monthFirst = false
        var numbers: [Int] = []
        for token in tokens {
            if let number = Int(token) {
                numbers.append(number)
            } else if let index = months.firstIndex(of: String(token.prefix(3))), token.count == 3 {
                month = index + 1
                monthFirst = numbers.isEmpty
            } else if token != "gmt" && token != "utc" && !token.allSatisfy(\.isLetter) {
                return nil
            }
        }
        guard let month, numbers.count == 5 else { return nil }
        var (day, year, hour, minute, second) =
            monthFirst
            ? (numbers[0], numbers[4], numbers[1], numbers[2], numbers[3])
            : (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4])
        if year < 100 { year += year >= 70 ? 1900 : 2000 }
        guard (1...31).contains(day), (1600...9999).contains(year), (0...23).contains(hour), (0...59).contains(minute),
            (0...60).contains(second)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Date(timeIntervalSince1970: Double(days * 86400 + hour * 3600 + minute * 60 + second))
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }
}

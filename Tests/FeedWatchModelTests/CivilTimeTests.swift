import FeedWatchModel
import Foundation
import Testing

/// `CivilTime`'s texts, written as bytes, against `Calendar` and `String(format:)` (what they
/// replaced), over random instants of every year from 1583 to 9999 and at fixed offsets.
@Suite struct CivilTimeTests {
    static func calendarTexts(_ date: Date, offset: Int) -> (date: String, minute: String, clock: String, rfc3339: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: offset)!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let day = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        let clock = String(format: "%02d:%02d", c.hour!, c.minute!)
        return (day, day + " " + clock, clock, day + "T" + clock + String(format: ":%02dZ", c.second!))
    }

    @Test func textsAreCalendarsForModernInstants() {
        var generator = SystemRandomNumberGenerator()
        // 1583-01-01 to 9999-12-31, UTC.
        let range = -12_212_553_600.0...253_402_300_799.0
        for _ in 0..<20_000 {
            let date = Date(timeIntervalSince1970: Double.random(in: range, using: &generator).rounded(.down))
            let offset = [0, 3600, -18_000, 12_600, 50_400][Int.random(in: 0..<5, using: &generator)]
            let civil = CivilTime(date, offset: offset)
            guard civil.isModern else { continue }
            let expected = Self.calendarTexts(date, offset: offset)
            #expect(civil.dateText == expected.date)
            #expect(civil.minuteText == expected.minute)
            #expect(civil.clockText == expected.clock)
            if offset == 0 { #expect(civil.rfc3339 == expected.rfc3339) }
        }
    }

    @Test func edgesOfTheFourDigitYears() {
        #expect(CivilTime(Date(timeIntervalSince1970: 0)).rfc3339 == "1970-01-01T00:00:00Z")
        #expect(CivilTime(Date(timeIntervalSince1970: 253_402_300_799)).rfc3339 == "9999-12-31T23:59:59Z")
        #expect(CivilTime(Date(timeIntervalSince1970: 951_782_400)).minuteText == "2000-02-29 00:00")
        // Year 0 and year 10000 (outside `isModern`, still printed as `%04d` would).
        let yearZero = CivilTime(Date(timeIntervalSince1970: -62_167_219_200))
        #expect(yearZero.year == 0)
        #expect(yearZero.dateText == "0000-01-01")
        let year10000 = CivilTime(Date(timeIntervalSince1970: 253_402_300_800))
        #expect(year10000.rfc3339 == "10000-01-01T00:00:00Z")
        #expect(year10000.minuteText == "10000-01-01 00:00")
    }

    @Test func hostileInstantsPrintWithASign() {
        // Before year 0 the year is negative; `%04d` puts the sign in the first digit's place.
        let early = CivilTime(Date(timeIntervalSince1970: -62_167_219_201))
        #expect(early.year == -1)
        #expect(early.dateText == "-001-12-31")
        #expect(early.rfc3339 == "-001-12-31T23:59:59Z")
        // Clamped, not trapping: ±1e15 s is some 31 million years away.
        #expect(CivilTime(Date(timeIntervalSince1970: 1e300)).dateText.hasPrefix("31690708"))
        #expect(CivilTime(Date(timeIntervalSince1970: -.infinity)).dateText == "1970-01-01")
    }
}

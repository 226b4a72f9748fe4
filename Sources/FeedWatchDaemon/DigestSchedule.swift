public import Foundation

/// When digests are due: a wall-clock time of day in an IANA time zone. Pure calendar
/// arithmetic, no clock reading, so every daylight-saving case can be tested directly.
///
/// On a spring-forward day a time inside the gap (02:30 in Berlin on the last Sunday of
/// March) does not exist; the digest is then due the same length of time after the gap
/// starts, i.e. at 03:30 local time. On a fall-back day a time that occurs twice is due at
/// its first occurrence.
public struct DigestSchedule: Sendable, Hashable {
    public let minuteOfDay: Int
    public let timeZone: TimeZone

    public init(minuteOfDay: Int, timeZone: TimeZone) {
        self.minuteOfDay = minuteOfDay
        self.timeZone = timeZone
    }

    /// A local calendar day.
    public struct Day: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var year: Int
        public var month: Int
        public var day: Int
        public init(year: Int, month: Int, day: Int) {
            self.year = year
            self.month = month
            self.day = day
        }
        public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }
        public static func < (a: Day, b: Day) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        return calendar
    }()

    /// The local day `date` falls on.
    public func day(of date: Date) -> Day {
        let local = date.addingTimeInterval(Double(timeZone.secondsFromGMT(for: date)))
        let c = Self.utc.dateComponents([.year, .month, .day], from: local)
        return Day(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1)
    }

    /// `day` moved by `days` (calendar days, not 24-hour periods).
    public func day(_ day: Day, adding days: Int) -> Day {
        let noon = Self.utc.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: 12)) ?? Date()
        let c = Self.utc.dateComponents([.year, .month, .day], from: noon.addingTimeInterval(Double(days) * 86_400))
        return Day(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1)
    }

    /// The moment the digest of `day` is due.
    public func slot(on day: Day) -> Date {
        // The wall-clock reading as if it were UTC; the real moment is that minus the offset
        // in force at that moment, which is one of the offsets around the day.
        let wall = Self.utc.date(
            from: DateComponents(year: day.year, month: day.month, day: day.day, hour: minuteOfDay / 60, minute: minuteOfDay % 60))
            ?? Date(timeIntervalSince1970: 0)
        let before = timeZone.secondsFromGMT(for: wall.addingTimeInterval(-86_400))
        let after = timeZone.secondsFromGMT(for: wall.addingTimeInterval(86_400))
        let candidates = Set([before, after, timeZone.secondsFromGMT(for: wall)])
            .map { wall.addingTimeInterval(-Double($0)) }
            .filter { moment in timeZone.secondsFromGMT(for: moment) == Int(wall.timeIntervalSince(moment)) }
        if let first = candidates.min() { return first }
        // In the gap: read the wall time with the offset from before the change.
        return wall.addingTimeInterval(-Double(before))
    }

    /// The latest due time at or before `now`, with its day.
    public func latestSlot(atOrBefore now: Date) -> (day: Day, at: Date) {
        let today = day(of: now)
        let slot = slot(on: today)
        if slot <= now { return (today, slot) }
        let yesterday = day(today, adding: -1)
        return (yesterday, self.slot(on: yesterday))
    }

    /// The first due time after `now`.
    public func nextSlot(after now: Date) -> Date {
        let today = day(of: now)
        let slot = slot(on: today)
        return slot > now ? slot : self.slot(on: day(today, adding: 1))
    }
}

public import Foundation
import FeedWatchModel

/// Calendar arithmetic in the digest's time zone: which day a moment belongs to, and how
/// times are shown to the reader.
public struct DigestClock: Sendable {
    public let timeZone: TimeZone

    /// - Throws: nothing; returns nil for an identifier that is not an IANA time zone.
    public init?(timeZoneIdentifier: String) {
        guard let zone = TimeZone(identifier: timeZoneIdentifier) else { return nil }
        self.timeZone = zone
    }

    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The calendar fields of `date` in the zone: by arithmetic for the years where that
    /// agrees with `Calendar` (digests print a time per story), else from `Calendar`.
    func civil(_ date: Date) -> CivilTime {
        let fast = CivilTime(date, offset: timeZone.secondsFromGMT(for: date))
        if fast.isModern { return fast }
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        var slow = fast
        (slow.year, slow.month, slow.day) = (c.year ?? 0, c.month ?? 0, c.day ?? 0)
        (slow.hour, slow.minute, slow.second, slow.weekday) = (c.hour ?? 0, c.minute ?? 0, c.second ?? 0, c.weekday ?? 1)
        return slow
    }

    /// The local day of `date` as `YYYY-MM-DD`.
    public func day(of date: Date) -> String { civil(date).dateText }

    /// `date` as the reader sees it: `2016-03-22 10:30 CET`.
    public func displayTime(_ date: Date) -> String {
        civil(date).minuteText + " " + abbreviation(at: date)
    }

    /// The zone's abbreviation at `date` as its readers know it (`CET`, `CEST`, `EST`, `+0330`),
    /// from the zone database; "UTC+1" only when the database has none.
    public func abbreviation(at date: Date) -> String {
        // Foundation on Linux calls "UTC" "GMT"; the configuration and the reader say UTC.
        if timeZone.identifier == "UTC" || timeZone.identifier == "GMT" { return "UTC" }
        if let known = ZoneAbbreviation.abbreviation(timeZone, at: date) { return known }
        var abbreviation = timeZone.abbreviation(for: date) ?? timeZone.identifier
        // Linux Foundation knows few zone abbreviations and says "GMT+1"; readers know "UTC+1".
        if abbreviation.hasPrefix("GMT") { abbreviation = "UTC" + abbreviation.dropFirst(3) }
        return abbreviation
    }

    /// The start of a digest's period as a reader says it: `Tue 07:00 CET` within a week of
    /// `reference` (the digest's own time), else `2026-11-20 07:00 CET`.
    public func periodStart(_ date: Date, reference: Date) -> String {
        guard reference.timeIntervalSince(date) < 6 * 86400, reference >= date else { return displayTime(date) }
        let c = civil(date)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        return weekdays[(c.weekday - 1 + 7) % 7] + " " + c.clockText + " " + abbreviation(at: date)
    }
}

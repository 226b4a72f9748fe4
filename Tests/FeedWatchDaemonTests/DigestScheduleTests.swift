import Foundation
import FeedWatchDaemon
import Testing

/// Digest times across daylight-saving changes. Europe/Berlin 2026: clocks go from 02:00 CET
/// to 03:00 CEST on 29 March and from 03:00 CEST back to 02:00 CET on 25 October.
@Suite struct DigestScheduleTests {
    let berlin = TimeZone(identifier: "Europe/Berlin")!

    func utc(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }

    func day(_ y: Int, _ m: Int, _ d: Int) -> DigestSchedule.Day { DigestSchedule.Day(year: y, month: m, day: d) }

    @Test(arguments: [
        // (time, day, expected UTC moment)
        (7 * 60, "2026-03-28", "2026-03-28T06:00:00Z"),  // CET
        (7 * 60, "2026-03-29", "2026-03-29T05:00:00Z"),  // spring-forward day, already CEST at 07:00
        (7 * 60, "2026-10-25", "2026-10-25T06:00:00Z"),  // fall-back day, CET again at 07:00
        (150, "2026-03-29", "2026-03-29T01:30:00Z"),     // 02:30 does not exist: due at 03:30 CEST
        (150, "2026-10-25", "2026-10-25T00:30:00Z"),     // 02:30 happens twice: the first (CEST)
        (150, "2026-10-26", "2026-10-26T01:30:00Z"),
        (0, "2026-03-29", "2026-03-28T23:00:00Z"),       // midnight before the change
        (23 * 60 + 59, "2026-03-29", "2026-03-29T21:59:00Z"),
    ])
    func slotIsTheLocalWallClockTime(minute: Int, dayText: String, expected: String) {
        let schedule = DigestSchedule(minuteOfDay: minute, timeZone: berlin)
        let parts = dayText.split(separator: "-").compactMap { Int($0) }
        #expect(schedule.slot(on: day(parts[0], parts[1], parts[2])) == utc(expected))
    }

    @Test func theSpringForwardDayIs23HoursAndTheFallBackDay25() {
        let schedule = DigestSchedule(minuteOfDay: 7 * 60, timeZone: berlin)
        let before = schedule.slot(on: day(2026, 3, 28))
        #expect(schedule.nextSlot(after: before) == before.addingTimeInterval(23 * 3600))
        let autumn = schedule.slot(on: day(2026, 10, 24))
        #expect(schedule.nextSlot(after: autumn) == autumn.addingTimeInterval(25 * 3600))
    }

    @Test func the0230DigestOnTheSpringForwardDayComesOnceThatDay() {
        let schedule = DigestSchedule(minuteOfDay: 150, timeZone: berlin)
        // 01:59 CET, just before the gap: the next digest is that day's, after the gap.
        let next = schedule.nextSlot(after: utc("2026-03-29T00:59:00Z"))
        #expect(next == utc("2026-03-29T01:30:00Z"))
        #expect(schedule.day(of: next).description == "2026-03-29")
        // Right after it, the next one is the following night at 02:30 CEST.
        #expect(schedule.nextSlot(after: next) == utc("2026-03-30T00:30:00Z"))
        let latest = schedule.latestSlot(atOrBefore: utc("2026-03-29T02:00:00Z"))
        #expect(latest.day.description == "2026-03-29" && latest.at == next)
    }

    @Test func latestSlotBeforeTodaysTimeIsYesterdays() {
        let schedule = DigestSchedule(minuteOfDay: 7 * 60, timeZone: berlin)
        let latest = schedule.latestSlot(atOrBefore: utc("2026-03-29T04:59:00Z"))
        #expect(latest.day.description == "2026-03-28")
        #expect(latest.at == utc("2026-03-28T06:00:00Z"))
        let onTime = schedule.latestSlot(atOrBefore: utc("2026-03-29T05:00:00Z"))
        #expect(onTime.day.description == "2026-03-29")
    }

    @Test func theDayFollowsTheZoneNotUTC() {
        let schedule = DigestSchedule(minuteOfDay: 30, timeZone: TimeZone(identifier: "Pacific/Auckland")!)
        // 2026-06-30 12:45 UTC is 00:45 on 1 July in Auckland (NZST, UTC+12).
        let latest = schedule.latestSlot(atOrBefore: utc("2026-06-30T12:45:00Z"))
        #expect(latest.day.description == "2026-07-01")
        #expect(latest.at == utc("2026-06-30T12:30:00Z"))
    }
}

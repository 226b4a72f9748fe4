import Foundation
import FeedWatchDaemon
import FeedWatchDigest
import FeedWatchStore
import FeedWatchTestSupport
import Testing

/// The service's schedule policy, driven with explicit times (no clock reading).
@Suite struct DigestServiceScheduleTests {
    func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func afterDowntimeOneDigestCoversEverythingSinceThePreviousOne() async throws {
        let world = try await DigestWorld.make(digest: "time = \"07:00\"")
        let runtime = try world.runtime()
        let service = DigestService(runtime: runtime)
        try await world.refresh(runtime)
        #expect(try await service.tick(now: utc("2026-11-25T07:00:01Z")) == utc("2026-11-26T07:00:00Z"))
        #expect(try await runtime.store.digests().map(\.day) == ["2026-11-25"])
        // Down from the 25th to the 28th: on start, one digest for the latest missed time.
        let wake = try await service.tick(now: utc("2026-11-28T09:30:00Z"))
        #expect(wake == utc("2026-11-29T07:00:00Z"))
        #expect(try await runtime.store.digests().map(\.day) == ["2026-11-28", "2026-11-25"])
        _ = try await service.tick(now: utc("2026-11-28T10:00:00Z"))
        _ = try await service.tick(now: utc("2026-11-29T06:59:59Z"))
        #expect(try await runtime.store.digests().count == 2, "nothing is due before 07:00 on the 29th")
        _ = try await service.tick(now: utc("2026-11-29T07:00:00Z"))
        #expect(try await runtime.store.digests().map(\.day) == ["2026-11-29", "2026-11-28", "2026-11-25"])
        // The four matches went into the first digest only.
        #expect(try await runtime.store.digests().map(\.matchCount) == [0, 0, 4])
        await world.shutdown()
    }

    @Test(arguments: [true, false])
    func anEmptyPeriodWritesNothingWhenSkipEmpty(skipEmpty: Bool) async throws {
        let hooks = try TemporaryDirectory(prefix: "fw-empty")
        let hookDirectory = hooks.path
        let world = try await DigestWorld.make(
            digest: "skip_empty = \(skipEmpty)\ntime = \"07:00\"",
            tables: "[[notify]]\nkind = \"command\"\ncommand = [\"/bin/cp\", \"-t\", \"\(hookDirectory)\"]\n")
        let runtime = try world.runtime()
        _ = try await DigestService(runtime: runtime).tick(now: utc("2026-11-28T08:00:00Z"))
        let record = try #require(try await runtime.store.digests().first)
        #expect(record.day == "2026-11-28" && record.matchCount == 0 && record.published != nil)
        let written = FileManager.default.fileExists(atPath: runtime.publisher.path(day: record.day, format: .markdown))
        #expect(written == !skipEmpty)
        #expect(try await runtime.store.recentDeliveries(limit: 5).count == (skipEmpty ? 0 : 1))
        await world.shutdown()
    }

    @Test func berlinDigestAt0230OnTheSpringForwardDay() async throws {
        let world = try await DigestWorld.make(digest: "time = \"02:30\"\ntimezone = \"Europe/Berlin\"")
        // DigestWorld writes timezone = "UTC" first; a second key is a TOML error, so build by hand.
        let text = try String(contentsOfFile: world.configPath, encoding: .utf8)
            .replacingOccurrences(of: "timezone = \"UTC\"\n", with: "")
        try text.write(toFile: world.configPath, atomically: true, encoding: .utf8)
        let runtime = try world.runtime()
        let service = DigestService(runtime: runtime)
        // 01:59 CET on 29 March 2026: the next digest is at 03:30 CEST (01:30 UTC), named the 29th.
        #expect(try await service.tick(now: utc("2026-03-29T00:59:00Z")) == utc("2026-03-29T01:30:00Z"))
        #expect(try await runtime.store.digests().map(\.day) == ["2026-03-28"])
        #expect(try await service.tick(now: utc("2026-03-29T01:30:00Z")) == utc("2026-03-30T00:30:00Z"))
        #expect(try await runtime.store.digests().map(\.day) == ["2026-03-29", "2026-03-28"])
        await world.shutdown()
    }
}

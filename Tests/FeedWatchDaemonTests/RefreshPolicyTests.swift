import Foundation
@testable import FeedWatchDaemon
import FeedWatchModel
import Testing

@Suite struct RefreshPolicyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = RefreshPolicy()

    /// Seconds to the next check with `[fetch] max_interval` at its default (2h) unless given.
    func seconds(_ configured: TimeSpan, _ hints: PublisherHints, ceiling: TimeSpan = FetchConfiguration().maxInterval, random: Double = 0.5) -> Double {
        policy.nextCheck(configured: configured, ceiling: ceiling, hints: hints, now: now, random: random).seconds
    }

    @Test func configuredIntervalWithJitterWhenNothingIsKnown() {
        #expect(seconds(.minutes(30), PublisherHints()) == 1800)
        #expect(seconds(.minutes(30), PublisherHints(), random: 0) == 1620)
        let high = seconds(.minutes(30), PublisherHints(), random: 0.999)
        #expect(high > 1970 && high < 1980)
        #expect(policy.nextCheck(configured: .minutes(30), ceiling: .hours(2), hints: PublisherHints(), now: now, random: 0.5).reason
            == "every 30m (interval)")
    }

    @Test func aQuietFeedIsCheckedLessOftenButNeverPastMaxInterval() {
        // Ten entries a week apart: half the average gap is far beyond max_interval.
        let weekly = (1...10).map { now.addingTimeInterval(-Double($0) * 7 * 86400) }
        #expect(seconds(.minutes(30), PublisherHints(publicationDates: weekly)) == 7200)
        #expect(seconds(.minutes(30), PublisherHints(publicationDates: weekly), ceiling: .hours(24)) == 86400)
        let quiet = policy.nextCheck(configured: .minutes(30), ceiling: .hours(2), hints: PublisherHints(publicationDates: weekly), now: now, random: 0.5)
        #expect(quiet.reason == "every 2h (max_interval), stretched from 30m by the feed publishing about every 7d")
        // Entries every two hours: checked about hourly.
        let busy = (1...10).map { now.addingTimeInterval(-Double($0) * 7200) }
        #expect(seconds(.minutes(30), PublisherHints(publicationDates: busy)) == 3600)
    }

    /// The case that filed the bug: `interval = "1m"` and items a few days old set the next
    /// check about 21 hours later. Now it is at most max_interval away.
    @Test func aOneMinuteWatcherWithDaysOldItemsIsCheckedWithinMaxInterval() {
        let daysOld = (0..<10).map { now.addingTimeInterval(-3 * 86400 - Double($0) * 3600) }
        #expect(seconds(TimeSpan(seconds: 60), PublisherHints(publicationDates: daysOld)) == 7200)
        #expect(seconds(TimeSpan(seconds: 60), PublisherHints(publicationDates: daysOld), ceiling: .minutes(10)) == 600)
    }

    @Test func aFastFeedIsNeverCheckedMoreOftenThanConfigured() {
        let rapid = (1...20).map { now.addingTimeInterval(-Double($0) * 60) }
        #expect(seconds(.hours(1), PublisherHints(publicationDates: rapid)) == 3600)
        // A ceiling below the feed's own interval does not shorten it.
        #expect(seconds(.hours(6), PublisherHints(feedTTL: 86400), ceiling: .hours(2)) == 6 * 3600)
    }

    @Test func publisherHintsLengthenTheIntervalUpToMaxInterval() {
        #expect(seconds(.minutes(30), PublisherHints(feedTTL: 5400)) == 5400)
        #expect(policy.nextCheck(configured: .minutes(30), ceiling: .hours(2), hints: PublisherHints(feedTTL: 5400), now: now, random: 0.5).reason
            == "every 90m, stretched from 30m by the feed's ttl")
        #expect(seconds(.minutes(30), PublisherHints(httpFreshness: 3 * 3600), ceiling: .hours(4)) == 10800)
        // A tiny max-age is no reason to poll more often.
        #expect(seconds(.minutes(30), PublisherHints(httpFreshness: 60)) == 1800)
        // A week-long TTL is capped at max_interval.
        #expect(seconds(.minutes(30), PublisherHints(feedTTL: 7 * 86400)) == 7200)
    }

    @Test func unconditionalFetchAfterTwelveHours() {
        #expect(!policy.wantsUnconditionalFetch(lastFullFetch: nil, now: now))
        #expect(!policy.wantsUnconditionalFetch(lastFullFetch: now.addingTimeInterval(-3600), now: now))
        #expect(policy.wantsUnconditionalFetch(lastFullFetch: now.addingTimeInterval(-12 * 3600), now: now))
    }
}

@Suite struct HostPolitenessTests {
    @Test func aPauseCoversTheHostUntilItEnds() {
        let politeness = HostPoliteness()
        let now = Date(timeIntervalSince1970: 1_000)
        #expect(politeness.pausedUntil(host: "a.example", now: now) == nil)
        let until = politeness.pause(host: "a.example", seconds: 120, now: now)
        #expect(until == now.addingTimeInterval(120))
        #expect(politeness.pausedUntil(host: "a.example", now: now.addingTimeInterval(60)) == until)
        #expect(politeness.pausedUntil(host: "b.example", now: now) == nil)
        #expect(politeness.pausedUntil(host: "a.example", now: now.addingTimeInterval(121)) == nil)
    }

    @Test func unstatedAndExcessivePausesAreBounded() {
        let politeness = HostPoliteness(defaultPause: .hours(1), longestPause: .hours(24))
        let now = Date(timeIntervalSince1970: 0)
        #expect(politeness.pause(host: "x", seconds: nil, now: now) == now.addingTimeInterval(3600))
        #expect(politeness.pause(host: "y", seconds: 1e9, now: now) == now.addingTimeInterval(86400))
    }

    @Test func readsCacheControlAndExpires() {
        #expect(PublisherHints.maxAge("public, max-age=600") == 600)
        #expect(PublisherHints.maxAge("no-cache, max-age=600") == nil)
        #expect(PublisherHints.maxAge("private") == nil)
    }
}

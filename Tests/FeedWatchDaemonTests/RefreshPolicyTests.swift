import Foundation
@testable import FeedWatchDaemon
import FeedWatchModel
import Testing

@Suite struct RefreshPolicyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = RefreshPolicy()

    @Test func configuredIntervalWithJitterWhenNothingIsKnown() {
        let low = policy.interval(configured: .minutes(30), hints: PublisherHints(), now: now, random: 0)
        let mid = policy.interval(configured: .minutes(30), hints: PublisherHints(), now: now, random: 0.5)
        let high = policy.interval(configured: .minutes(30), hints: PublisherHints(), now: now, random: 0.999)
        #expect(mid == 1800)
        #expect(low == 1620)
        #expect(high > 1970 && high < 1980)
    }

    @Test func aQuietFeedIsCheckedLessOftenButAtLeastDaily() {
        // Ten entries a week apart: half the average gap is far beyond a day.
        let weekly = (1...10).map { now.addingTimeInterval(-Double($0) * 7 * 86400) }
        let quiet = policy.interval(configured: .minutes(30), hints: PublisherHints(publicationDates: weekly), now: now, random: 0.5)
        #expect(quiet == 86400)
        // Entries every two hours: checked about hourly.
        let busy = (1...10).map { now.addingTimeInterval(-Double($0) * 7200) }
        let hourly = policy.interval(configured: .minutes(30), hints: PublisherHints(publicationDates: busy), now: now, random: 0.5)
        #expect(hourly == 3600)
    }

    @Test func aFastFeedIsNeverCheckedMoreOftenThanConfigured() {
        let rapid = (1...20).map { now.addingTimeInterval(-Double($0) * 60) }
        #expect(policy.interval(configured: .hours(1), hints: PublisherHints(publicationDates: rapid), now: now, random: 0.5) == 3600)
    }

    @Test func publisherHintsLengthenTheInterval() {
        #expect(policy.interval(configured: .minutes(30), hints: PublisherHints(feedTTL: 7200), now: now, random: 0.5) == 7200)
        #expect(policy.interval(configured: .minutes(30), hints: PublisherHints(httpFreshness: 3 * 3600), now: now, random: 0.5) == 10800)
        // A tiny max-age is no reason to poll more often.
        #expect(policy.interval(configured: .minutes(30), hints: PublisherHints(httpFreshness: 60), now: now, random: 0.5) == 1800)
        // A week-long TTL is capped at a day.
        #expect(policy.interval(configured: .minutes(30), hints: PublisherHints(feedTTL: 7 * 86400), now: now, random: 0.5) == 86400)
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

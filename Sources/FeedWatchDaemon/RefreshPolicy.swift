import Foundation
import FeedWatchFetching
import FeedWatchModel

/// What a publisher told us about how often to check, from the feed and the response.
public struct PublisherHints: Sendable, Hashable {
    /// RSS `<ttl>`, or the syndication module's update period, in seconds.
    public var feedTTL: Double?
    /// `Cache-Control: max-age`, or `Expires` measured from the response, in seconds.
    public var httpFreshness: Double?
    /// Publication times of the entries in the latest document.
    public var publicationDates: [Date]

    public init(feedTTL: Double? = nil, httpFreshness: Double? = nil, publicationDates: [Date] = []) {
        self.feedTTL = feedTTL
        self.httpFreshness = httpFreshness
        self.publicationDates = publicationDates
    }

    /// Reads the HTTP hints of `result` and the feed hints of `feed`.
    public init(result: FetchResult, feed: ParsedFeed?, now: Date) {
        self.init()
        // The longer of RSS <ttl> and the syndication module's update period.
        let minutes = [feed?.ttlMinutes, feed?.updatePeriodMinutes].compactMap { $0 }.filter { $0 > 0 }.max()
        if let minutes { feedTTL = Double(minutes) * 60 }
        if let cacheControl = result.header("cache-control") {
            httpFreshness = Self.maxAge(cacheControl)
        }
        if httpFreshness == nil, let expires = result.header("expires") {
            httpFreshness = RetryAfter.parse(expires, now: now)
        }
        publicationDates = feed?.entries.compactMap { $0.published ?? $0.updated } ?? []
    }

    /// The `max-age` directive of a `Cache-Control` value, unless `no-cache`/`no-store` rule it out.
    static func maxAge(_ value: String) -> Double? {
        var maxAge: Double?
        for directive in value.lowercased().split(separator: ",") {
            let part = directive.trimmingCharacters(in: .whitespaces)
            if part == "no-cache" || part == "no-store" { return nil }
            if part.hasPrefix("max-age="), let seconds = Double(part.dropFirst("max-age=".count)), seconds >= 0 {
                maxAge = seconds
            }
        }
        return maxAge
    }
}

/// When to check a feed next: the configured interval, stretched for feeds that publish
/// rarely or ask to be polled less, spread with jitter so feeds do not move in lockstep.
///
/// The policy never checks a feed more often than its configured interval: the publisher
/// and the feed's own rhythm can only ask for fewer requests, which is what a polite client
/// owes the hosts it reads.
public struct RefreshPolicy: Sendable, Hashable {
    /// The stretched interval never exceeds this (a quiet feed is still checked daily).
    public var longest: TimeSpan = .hours(24)
    /// Publisher hints shorter than this are not taken as a reason to lengthen the interval.
    public var shortest: TimeSpan = .minutes(15)
    /// Fraction of the interval by which a check is moved earlier or later at random.
    public var jitter: Double = 0.1
    /// How many recent entries estimate the publishing rhythm.
    public var rhythmSample: Int = 20
    /// After this long without a full (unconditional) fetch, validators are not sent once, which
    /// recovers feeds whose servers answer 304 wrongly.
    public var unconditionalFetchAge: TimeSpan = .hours(12)

    public init() {}

    /// Seconds until the next check after a successful fetch. `random` is in 0..<1.
    public func interval(configured: TimeSpan, hints: PublisherHints, now: Date, random: Double) -> Double {
        let base = configured.timeInterval
        var interval = base
        if let ttl = hints.feedTTL, ttl >= shortest.timeInterval { interval = max(interval, ttl) }
        if let fresh = hints.httpFreshness, fresh >= shortest.timeInterval { interval = max(interval, fresh) }
        if let gap = averageGap(hints.publicationDates, now: now) {
            // Checking twice per average gap catches most entries within half a gap.
            interval = max(interval, gap / 2)
        }
        interval = min(interval, max(base, longest.timeInterval))
        let unit = min(max(random, 0), 1)
        return interval * (1 + jitter * (2 * unit - 1))
    }

    /// The mean time between the most recent entries, counting "now" as the end of the last
    /// gap so a feed that has gone quiet stretches out; nil with fewer than three dates.
    func averageGap(_ dates: [Date], now: Date) -> Double? {
        let recent = dates.filter { $0 <= now }.sorted(by: >).prefix(rhythmSample)
        guard recent.count >= 3, let oldest = recent.last else { return nil }
        return now.timeIntervalSince(oldest) / Double(recent.count)
    }

    /// Whether the next fetch should leave out the validators.
    public func wantsUnconditionalFetch(lastFullFetch: Date?, now: Date) -> Bool {
        guard let last = lastFullFetch else { return false }
        return now.timeIntervalSince(last) >= unconditionalFetchAge.timeInterval
    }
}

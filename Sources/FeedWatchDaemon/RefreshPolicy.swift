public import Foundation
public import FeedWatchFetching
public import FeedWatchModel

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

/// When to check a feed next, and why: the configured interval, stretched for feeds that
/// publish rarely or ask to be polled less, spread with jitter so feeds do not move in lockstep.
public struct NextCheck: Sendable, Hashable {
    /// Seconds from the fetch to the next check, jitter included.
    public var seconds: Double
    /// Why, in words for `feedwatch status`: "every 30m", "stretched to 2h by RSS ttl (max_interval)".
    public var reason: String
}

/// The policy never checks a feed more often than its configured interval: the publisher
/// and the feed's own rhythm can only ask for fewer requests, which is what a polite client
/// owes the hosts it reads. Nor does it stretch past the ceiling (`[fetch] max_interval`):
/// a watcher that waits a day after being asked for minutes misses the news it exists for.
public struct RefreshPolicy: Sendable, Hashable {
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

    /// The next check after a successful fetch: never sooner than `configured`, never later
    /// than the larger of `configured` and `ceiling` (plus jitter). `random` is in 0..<1.
    public func nextCheck(configured: TimeSpan, ceiling: TimeSpan, hints: PublisherHints, now: Date, random: Double) -> NextCheck {
        let base = configured.timeInterval
        var interval = base
        var cause: String?
        func stretch(to seconds: Double, _ why: String) {
            if seconds > interval {
                interval = seconds
                cause = why
            }
        }
        if let ttl = hints.feedTTL, ttl >= shortest.timeInterval { stretch(to: ttl, "the feed's ttl") }
        if let fresh = hints.httpFreshness, fresh >= shortest.timeInterval { stretch(to: fresh, "the server's Cache-Control/Expires") }
        if let gap = averageGap(hints.publicationDates, now: now) {
            // Checking twice per average gap catches most entries within half a gap.
            stretch(to: gap / 2, "the feed publishing about every \(Self.rough(gap))")
        }
        let limit = max(base, ceiling.timeInterval)
        var capped = false
        if interval > limit {
            interval = limit
            capped = true
        }
        let unit = min(max(random, 0), 1)
        let seconds = interval * (1 + jitter * (2 * unit - 1))
        let every = Self.rough(interval)
        let reason: String
        switch (cause, capped) {
        case (nil, _): reason = "every \(every) (interval)"
        case (let why?, false): reason = "every \(every), stretched from \(configured.description) by \(why)"
        case (let why?, true): reason = "every \(every) (max_interval), stretched from \(configured.description) by \(why)"
        }
        return NextCheck(seconds: seconds, reason: reason)
    }

    /// A length of time in its largest sensible unit, for reasons people read: 90s, 45m, 21h, 3d.
    static func rough(_ seconds: Double) -> String {
        if seconds >= 2 * 86400 { return "\(Int((seconds / 86400).rounded()))d" }
        if seconds >= 2 * 3600 { return "\(Int((seconds / 3600).rounded()))h" }
        if seconds >= 120 { return "\(Int((seconds / 60).rounded()))m" }
        return "\(Int(seconds.rounded()))s"
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

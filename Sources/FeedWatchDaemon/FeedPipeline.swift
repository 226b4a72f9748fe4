public import Foundation
public import FeedWatchFetching
public import FeedWatchMatching
public import FeedWatchModel
import FeedWatchParsing
public import FeedWatchStore
public import Logging

/// What one feed's refresh did, for logs and the `fetch` table.
public struct FeedRefreshReport: Sendable, Hashable {
    public var feed: StoredFeed
    /// HTTP status of the final response; nil when there was none.
    public var status: Int?
    public var bytes: Int
    public var seconds: Double
    public var newArticles: Int
    public var newMatches: Int
    /// Why the refresh failed, in plain words; nil on success.
    public var error: String?
    /// Parser warnings (recoveries) for this document.
    public var warnings: [String]
    /// The fetch was aborted because the daemon is shutting down; the feed's stored state was
    /// left as it was, so it is simply due again after the restart.
    public var cancelled = false
}

/// A stored feed with its source in the running configuration, resolved once when it is
/// claimed: its interval, request headers and full-text mode travel with it.
public struct ScheduledFeed: Sendable, Hashable {
    public var stored: StoredFeed
    public var source: FeedSource

    public init(stored: StoredFeed, source: FeedSource) {
        self.stored = stored
        self.source = source
    }
}

/// The only place where the stages meet: fetch → parse → store new → match → record.
/// Each stage gets a value and returns one; this type passes them along and records the
/// outcome, so one feed's failure stays that feed's.
public struct FeedPipeline: Sendable {
    public let configuration: FeedWatchConfiguration
    public let store: any Store
    public let fetcher: Fetcher
    public let matcher: TopicMatcher
    public let logger: Logger
    public let policy: RefreshPolicy
    public let politeness: HostPoliteness
    /// Configured feeds by URL, for their own intervals.
    private let sources: [String: FeedSource]
    /// Configured topics by id, as matches are recorded under them (made once, not per call).
    private let topics: [String: TopicReference]
    /// Groups articles from different feeds into stories; shared by every refresh.
    public let stories: StoryIndex

    public init(
        configuration: FeedWatchConfiguration, store: any Store, fetcher: Fetcher, matcher: TopicMatcher, logger: Logger,
        policy: RefreshPolicy = RefreshPolicy(), politeness: HostPoliteness = HostPoliteness(),
        stories: StoryIndex = StoryIndex()
    ) {
        self.configuration = configuration
        self.store = store
        self.fetcher = fetcher
        self.matcher = matcher
        self.logger = logger
        self.policy = policy
        self.politeness = politeness
        self.sources = Dictionary(configuration.feeds.map { ($0.url, $0) }, uniquingKeysWith: { first, _ in first })
        self.topics = configuration.topics.referencesByID
        self.stories = stories
    }

    /// Pairs stored feeds with their configured sources, resolved once per claim: a scheduled
    /// feed carries its own interval, headers and full-text mode from here on. Feeds the
    /// running configuration does not name are returned apart and never fetched with made-up
    /// settings (another daemon sharing the database may have them configured).
    public func schedule(_ feeds: [StoredFeed]) -> (scheduled: [ScheduledFeed], unconfigured: [StoredFeed]) {
        var scheduled: [ScheduledFeed] = []
        var unconfigured: [StoredFeed] = []
        scheduled.reserveCapacity(feeds.count)
        for feed in feeds {
            if let source = sources[feed.url] {
                scheduled.append(ScheduledFeed(stored: feed, source: source))
            } else {
                unconfigured.append(feed)
            }
        }
        return (scheduled, unconfigured)
    }

    /// Refreshes `feeds` concurrently and returns one report per feed, in the order given;
    /// `onReport` sees each report as its feed finishes. The one refresh loop: the daemon's
    /// scheduler, `run --once` and `fetch` all go through it.
    ///
    /// At most `window` refreshes are in flight: the fetcher enforces the global and per-host
    /// connection limits, and the window keeps a cycle over tens of thousands of feeds from
    /// parking one suspended task per feed in its queue (that costs memory, not speed).
    public func refresh(
        _ feeds: [ScheduledFeed], now: @escaping @Sendable () -> Date = Date.init,
        onReport: (FeedRefreshReport) -> Void = { _ in }
    ) async -> [FeedRefreshReport] {
        let window = max(configuration.fetch.concurrency * 4, 16)
        return await withTaskGroup(of: (Int, FeedRefreshReport).self) { group in
            var reports = [FeedRefreshReport?](repeating: nil, count: feeds.count)
            var next = 0
            func startNext() {
                let index = next
                let feed = feeds[index]
                next += 1
                group.addTask { (index, await refresh(feed, now: now)) }
            }
            while next < min(window, feeds.count) { startNext() }
            for await (index, report) in group {
                reports[index] = report
                onReport(report)
                if next < feeds.count { startNext() }
            }
            return reports.compactMap { $0 }
        }
    }

    /// How a refresh failed and what that means for the feed's schedule.
    struct RefreshFailure: Error {
        enum Consequence {
            /// Back off exponentially and keep probing.
            case backOff
            /// The host asked to wait until this moment (429, 503 with Retry-After, repeated 403).
            case waitUntil(Date)
            /// The feed is gone for good (410): stop fetching it.
            case disable
        }
        var message: String
        var consequence: Consequence = .backOff
        /// The fetch was aborted because the daemon is stopping.
        var cancelled = false
    }

    /// Refreshes one feed. Never throws: every failure becomes the report's `error` and the
    /// feed's stored fetch state, and the feed backs off.
    public func refresh(_ scheduled: ScheduledFeed, now: @escaping @Sendable () -> Date = Date.init) async -> FeedRefreshReport {
        let feed = scheduled.stored
        var report = FeedRefreshReport(feed: feed, status: nil, bytes: 0, seconds: 0, newArticles: 0, newMatches: 0, error: nil, warnings: [])
        let started = now()
        let urlForLog = LogRedaction.url(feed.url)
        var state: FetchState
        do {
            state = try await store.fetchState(feedID: feed.id)
        } catch {
            report.error = "\(error)"
            logger.error("cannot read fetch state", metadata: ["feed_url": "\(urlForLog)", "error": "\(error)"])
            return report
        }
        let interval = configuration.interval(for: scheduled.source)
        do {
            let outcome = try await process(scheduled, state: &state, started: started, now: now, report: &report)
            report.newArticles = outcome.articles
            report.newMatches = outcome.matches
            state.errorCount = 0
            state.lastError = nil
            state.lastSuccess = now()
            let next = policy.nextCheck(
                configured: interval, ceiling: configuration.fetch.maxInterval, hints: outcome.hints, now: started,
                random: Double.random(in: 0..<1))
            state.nextCheck = started.addingTimeInterval(next.seconds)
            state.nextCheckReason = next.reason
        } catch let error where error.cancelled {
            // Shutting down: the transfer was aborted, not failed. Keep the stored state so the
            // feed neither backs off nor loses its place in the schedule.
            report.cancelled = true
            report.error = error.message
            report.seconds = now().timeIntervalSince(started)
            return report
        } catch {
            state.errorCount += 1
            state.lastError = error.message
            report.error = error.message
            switch error.consequence {
            case .backOff:
                let delay = Backoff.delay(afterFailures: state.errorCount, random: Double.random(in: 0..<1))
                let wait = max(delay, min(interval.timeInterval, 3600))
                state.nextCheck = started.addingTimeInterval(wait)
                state.nextCheckReason = "backing off \(RefreshPolicy.rough(wait)) after \(state.errorCount) failure\(state.errorCount == 1 ? "" : "s")"
            case .waitUntil(let until):
                state.nextCheck = until
                state.nextCheckReason = "the host asked us to wait (Retry-After, rate limit or repeated 403)"
            case .disable:
                state.disabledReason = error.message
                state.nextCheck = nil
                state.nextCheckReason = "disabled: \(error.message)"
            }
            logger.warning("feed refresh failed", metadata: [
                "feed_url": "\(urlForLog)", "error": "\(error.message)", "error_count": "\(state.errorCount)",
                "next_check": "\(state.nextCheck.map { "\($0)" } ?? "never")",
            ])
        }
        report.seconds = now().timeIntervalSince(started)
        do {
            try await store.saveFetchState(feedID: feed.id, state)
        } catch {
            logger.error("cannot save fetch state", metadata: ["feed_url": "\(urlForLog)", "error": "\(error)"])
        }
        return report
    }

    private func process(
        _ scheduled: ScheduledFeed, state: inout FetchState, started: Date, now: @Sendable () -> Date, report: inout FeedRefreshReport
    ) async throws(RefreshFailure) -> (articles: Int, matches: Int, hints: PublisherHints) {
        let feed = scheduled.stored
        let url = state.movedTo ?? feed.url
        if let host = HostPoliteness.host(of: url), let until = politeness.pausedUntil(host: host, now: started) {
            throw RefreshFailure(message: "\(host) asked us to wait until \(until) (rate limited)", consequence: .waitUntil(until))
        }
        state.lastFetched = started
        let unconditional = policy.wantsUnconditionalFetch(lastFullFetch: state.lastFullFetch ?? state.lastSuccess, now: started)
        let request = FetchRequest(
            url: url, etag: unconditional ? nil : state.etag, lastModified: unconditional ? nil : state.lastModified,
            allowFileScheme: feed.url.lowercased().hasPrefix("file:"), extraHeaders: scheduled.source.headers,
            // A redirect away from the configured host is untrusted: it must not lead into the private network.
            crossHostRedirectPolicy: AddressPolicy(allowedNetworks: configuration.fetch.allowPrivateNetworks))
        let result: FetchResult
        do {
            result = try await fetcher.fetch(request)
        } catch {
            throw RefreshFailure(message: error.message, cancelled: error.code == .cancelled)
        }
        report.status = result.status
        report.bytes = result.body.count
        let previousStatus = state.lastStatus
        state.lastStatus = result.status
        let host = HostPoliteness.host(of: result.effectiveURL) ?? "the server"
        switch result.disposition(now: started) {
        case .notModified:
            return (0, 0, PublisherHints(result: result, feed: nil, now: started))
        case .movedPermanently(let target):
            if target != feed.url, target != state.movedTo {
                state.movedTo = target
                logger.notice("feed moved permanently", metadata: [
                    "feed_url": "\(LogRedaction.url(feed.url))", "moved_to": "\(LogRedaction.url(target))",
                ])
            }
            if result.notModified { return (0, 0, PublisherHints(result: result, feed: nil, now: started)) }
        case .ok:
            break
        case .gone:
            throw RefreshFailure(message: "HTTP 410 Gone from \(host): the publisher removed this feed; it is no longer fetched", consequence: .disable)
        case .rateLimited(let retryAfter):
            let until = politeness.pause(host: host, seconds: retryAfter, now: started)
            throw RefreshFailure(message: "HTTP \(result.status) from \(host): rate limited until \(until)", consequence: .waitUntil(until))
        case .clientError(403) where previousStatus == 403 && state.errorCount >= 1:
            // A host that keeps refusing is usually throttling us; treat it like a 429 for the host.
            let until = politeness.pause(host: host, seconds: nil, now: started)
            throw RefreshFailure(message: "HTTP 403 from \(host) again: treated as rate limiting until \(until)", consequence: .waitUntil(until))
        case .clientError(let status), .serverError(let status):
            throw RefreshFailure(message: "HTTP \(status) from \(host)")
        }
        state.etag = result.etag
        state.lastModified = result.lastModified
        state.lastFullFetch = started

        let parsed: ParsedFeed
        do {
            // The base for relative links carries no credentials or query: an empty <link/>
            // must not become the feed URL with its ?token=.
            parsed = try FeedParser.parse(result.body, documentURL: URLRedaction.linkBase(result.effectiveURL), httpContentType: result.contentType,
                                          limits: configuration.parseLimits)
        } catch {
            var message = error.message
            if !error.advertisedFeeds.isEmpty {
                message += " (the page advertises: \(error.advertisedFeeds.map(URLRedaction.display).joined(separator: ", ")))"
            }
            throw RefreshFailure(message: message)
        }
        report.warnings = parsed.warnings
        let hints = PublisherHints(result: result, feed: parsed, now: started)
        let discovered = now()
        let stored: StoredEntries
        do {
            if let title = parsed.title, title != feed.title {
                try await store.updateFeedTitle(feedID: feed.id, title: title)
            }
            stored = try await store.storeEntries(
                feedID: feed.id, entries: parsed.entries, discovered: discovered, maxNew: configuration.fetch.maxNewPerRefresh)
        } catch {
            throw RefreshFailure(message: "\(error)")
        }
        if stored.skippedNew > 0 {
            let note = "stored \(stored.new.count) new entries and left \(stored.skippedNew) for later refreshes "
                + "([fetch] max_new_per_refresh = \(configuration.fetch.maxNewPerRefresh))"
            report.warnings.append(note)
            logger.warning("feed served more new entries than one refresh stores", metadata: [
                "feed_url": "\(LogRedaction.url(feed.url))", "stored": "\(stored.new.count)", "left": "\(stored.skippedNew)",
            ])
        }
        if stored.identityChanged {
            logger.notice("feed identity changed", metadata: [
                "feed_url": "\(LogRedaction.url(feed.url))", "identity": "\(stored.identityMode.rawValue)",
            ])
        }
        let articles = stored.new
        let matches = await processArticles(stored, feed: feed, fullText: scheduled.source.fullText, discovered: discovered)
        do {
            // Marks the new and updated articles matched in the same transaction; if this fails,
            // they stay pending and `matchPending` finds them (the next fetch sees them as known).
            let added = try await record(matches, completing: (stored.new + stored.updated).map(\.id))
            return (articles.count, added, hints)
        } catch {
            throw RefreshFailure(message: "articles stored, matches not recorded (they will be retried): \(error)")
        }
    }

    /// Matches `articles` of `feed` against the topics and records the matches; returns how
    /// many were new. Recording is idempotent, so matching an article twice adds nothing.
    /// Marks the articles matched, whether or not any topic matched them.
    func recordMatches(for articles: [Article], of feed: StoredFeed?, at matched: Date) async throws -> Int {
        // A feed no longer configured is not watched: its leftover articles are closed unmatched.
        let matches = feed.map { match(articles, of: $0, at: matched) } ?? []
        return try await record(matches, completing: articles.map(\.id))
    }

    /// The topic matches of `articles` of `feed`, each on the text the daemon matches
    /// (`Article.bestText`: the extracted full text when there is one, else the feed's).
    func match(_ articles: [Article], of feed: StoredFeed, at matched: Date) -> [TopicMatch] {
        var matches: [TopicMatch] = []
        for article in articles {
            for hit in matcher.matches(MatchDocument(article), feedURL: feed.url, feedTags: feed.tags) {
                matches.append(TopicMatch(topicID: hit.topicID, articleID: article.id, score: hit.score, snippets: hit.snippets, matched: matched))
            }
        }
        return matches
    }

    /// Stores matches with the topics' current names and marks `completing` matched, in one
    /// transaction; returns how many matches were new.
    func record(_ matches: [TopicMatch], completing: [Int64]) async throws -> Int {
        guard !matches.isEmpty || !completing.isEmpty else { return 0 }
        return try await store.recordMatches(matches, topics: topics, completing: completing)
    }

    /// Matches the articles that were stored but whose matches were never recorded: the
    /// database failed between the two steps, or the process died there (`kill -9`, power
    /// loss). Only articles stored before `storedBefore` are taken, so refreshes another
    /// daemon has in flight are left to finish their own work; recording is idempotent, so an
    /// article matched twice adds nothing. Returns how many matches were added.
    public func matchPending(storedBefore: Date, limit: Int) async throws -> Int {
        let articles = try await store.articlesPendingMatch(storedBefore: storedBefore, limit: limit)
        guard !articles.isEmpty else { return 0 }
        let feeds = Dictionary(try await store.activeFeeds().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var byFeed: [Int64: [Article]] = [:]
        for article in articles { byFeed[article.feedID, default: []].append(article) }
        var added = 0
        for (feedID, articles) in byFeed.sorted(by: { $0.key < $1.key }) {
            added += try await recordMatches(for: articles, of: feeds[feedID], at: Date())
        }
        logger.notice("matched articles whose matching had been interrupted", metadata: [
            "articles": "\(articles.count)", "new_matches": "\(added)",
        ])
        return added
    }
}

extension MatchDocument {
    /// What the daemon matches of a stored article: its title and `bestText` (the extracted
    /// full text when there is one, else the feed's). `topics test` backtests on the same.
    public init(_ article: Article) {
        self.init(title: article.title, body: article.bestText)
    }
}

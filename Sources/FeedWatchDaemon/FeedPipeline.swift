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
        let writes = FetchStateBatch(
            store: store, limit: configuration.storage.stateBatch, delay: .seconds(configuration.storage.stateBatchDelay.seconds),
            logger: logger)
        let reports = await withTaskGroup(of: (Int, FeedRefreshReport).self) { group in
            var reports = [FeedRefreshReport?](repeating: nil, count: feeds.count)
            var next = 0
            // Fetch states are read a window at a time, one read for the lot (PostgreSQL: none
            // for a claimed batch, whose claim read them): a state is at most a window older
            // than its fetch, as a claimed batch's is.
            var states: [Int64: FetchState]?
            var statesEnd = 0
            func startNext() async {
                let index = next
                let feed = feeds[index]
                next += 1
                if index >= statesEnd {
                    statesEnd = min(feeds.count, index + window)
                    // On failure each refresh reads its own state (and reports why it cannot).
                    states = try? await store.fetchStates(feedIDs: feeds[index..<statesEnd].map(\.stored.id))
                }
                let known = states?.removeValue(forKey: feed.stored.id)
                group.addTask { (index, await refresh(feed, known: known, writes: writes, now: now)) }
            }
            while next < min(window, feeds.count) { await startNext() }
            for await (index, report) in group {
                reports[index] = report
                onReport(report)
                if next < feeds.count { await startNext() }
            }
            return reports.compactMap { $0 }
        }
        // Also after a shutdown aborted the transfers: the routine states buffered so far are
        // committed before the wave returns (and before a claimer releases its leases).
        await writes.finish()
        return reports
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
        await refresh(scheduled, known: nil, writes: nil, now: now)
    }

    /// One feed's refresh within a wave: `known` is its fetch state when the wave read it
    /// (nil: read it here), and `writes` takes the resulting state (nil: saved at once).
    func refresh(
        _ scheduled: ScheduledFeed, known: FetchState?, writes: FetchStateBatch?, now: @escaping @Sendable () -> Date
    ) async -> FeedRefreshReport {
        let feed = scheduled.stored
        var report = FeedRefreshReport(feed: feed, status: nil, bytes: 0, seconds: 0, newArticles: 0, newMatches: 0, error: nil, warnings: [])
        let started = now()
        var state: FetchState
        if let known {
            state = known
        } else {
            do {
                state = try await store.fetchState(feedID: feed.id)
            } catch {
                report.error = "\(error)"
                logger.error("cannot read fetch state", metadata: ["feed_url": "\(LogRedaction.url(feed.url))", "error": "\(error)"])
                return report
            }
        }
        let interval = configuration.interval(for: scheduled.source)
        let before = state
        var stateSaved = false
        do {
            let outcome = try await process(scheduled, state: &state, started: started, now: now, report: &report)
            var succeeded = state
            succeeded.errorCount = 0
            succeeded.lastError = nil
            succeeded.lastSuccess = now()
            let next = policy.nextCheck(
                configured: interval, ceiling: configuration.fetch.maxInterval, hints: outcome.hints, now: started,
                random: Double.random(in: 0..<1))
            succeeded.nextCheck = started.addingTimeInterval(next.seconds)
            succeeded.nextCheckReason = next.reason
            if let parsed = outcome.parsed {
                switch await storeResult(parsed, of: scheduled, state: succeeded, now: now) {
                case .success(let stored):
                    report.newArticles = stored.articles
                    report.newMatches = stored.matches
                    if stored.skipped > 0 {
                        report.warnings.append(
                            "stored \(stored.articles) new entries and left \(stored.skipped) for later refreshes "
                                + "([fetch] max_new_per_refresh = \(configuration.fetch.maxNewPerRefresh))")
                    }
                    stateSaved = true
                case .failure(let failure):
                    // Nothing of this document was stored (a full-text feed: only its entries,
                    // which stay pending): keep the old validators, so the next fetch gets the
                    // document again rather than a 304.
                    state.etag = before.etag
                    state.lastModified = before.lastModified
                    state.lastFullFetch = before.lastFullFetch
                    try Self.fail(failure)
                }
            }
            state = succeeded
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
                "feed_url": "\(LogRedaction.url(feed.url))", "error": "\(error.message)", "error_count": "\(state.errorCount)",
                "next_check": "\(state.nextCheck.map { "\($0)" } ?? "never")",
            ])
        }
        report.seconds = now().timeIntervalSince(started)
        guard !stateSaved else { return report }
        if let writes {
            await writes.save(feedID: feed.id, state, routine: Self.isRoutine(state, after: before), feedURL: feed.url)
        } else {
            do {
                try await store.saveFetchState(feedID: feed.id, state)
            } catch {
                logger.error("cannot save fetch state", metadata: ["feed_url": "\(LogRedaction.url(feed.url))", "error": "\(error)"])
            }
        }
        return report
    }

    /// Whether `state` only renews `before` (a 304 of a feed that was not failing): the same
    /// validators, location and standing, new times. Such a state may wait for a group commit,
    /// since losing it only means asking again with the same validators.
    static func isRoutine(_ state: FetchState, after before: FetchState) -> Bool {
        state.errorCount == 0 && before.errorCount == 0 && state.lastError == nil && before.lastError == nil
            && state.disabledReason == nil && before.disabledReason == nil
            && state.etag == before.etag && state.lastModified == before.lastModified && state.movedTo == before.movedTo
            && state.lastFullFetch == before.lastFullFetch && state.nextCheck != nil
    }

    /// What fetching and parsing gave: the publisher's scheduling hints, and the document when
    /// there is one to store (nil for 304 and other answers without a new body).
    struct FetchOutcome {
        var hints: PublisherHints
        var parsed: ParsedFeed?
    }

    /// Fetches and parses; the caller stores the document with the fetch state.
    private func process(
        _ scheduled: ScheduledFeed, state: inout FetchState, started: Date, now: @Sendable () -> Date, report: inout FeedRefreshReport
    ) async throws(RefreshFailure) -> FetchOutcome {
        let feed = scheduled.stored
        let url = state.movedTo ?? feed.url
        if politeness.hasPauses, let host = HostPoliteness.host(of: url), let until = politeness.pausedUntil(host: host, now: started) {
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
        // Named only when something goes wrong (parsing the URL is not free, and a 304 needs none).
        var host: String { HostPoliteness.host(of: result.effectiveURL) ?? "the server" }
        switch result.disposition(now: started) {
        case .notModified:
            return FetchOutcome(hints: PublisherHints(result: result, feed: nil, now: started))
        case .movedPermanently(let target):
            if target != feed.url, target != state.movedTo {
                state.movedTo = target
                logger.notice("feed moved permanently", metadata: [
                    "feed_url": "\(LogRedaction.url(feed.url))", "moved_to": "\(LogRedaction.url(target))",
                ])
            }
            if result.notModified { return FetchOutcome(hints: PublisherHints(result: result, feed: nil, now: started)) }
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
        return FetchOutcome(hints: PublisherHints(result: result, feed: parsed, now: started), parsed: parsed)
    }

    /// Throws `failure` as a typed `try`: a bare `throw` statement would make the enclosing
    /// do/catch's error untyped (`any Error`).
    private static func fail(_ failure: RefreshFailure) throws(RefreshFailure) -> Never {
        throw failure
    }

    /// `storeRefresh` as a Result: a nested typed-throws do/catch loses its error type here.
    private func storeResult(
        _ parsed: ParsedFeed, of scheduled: ScheduledFeed, state: FetchState, now: @Sendable () -> Date
    ) async -> Result<(articles: Int, matches: Int, skipped: Int), RefreshFailure> {
        do {
            return .success(try await storeRefresh(parsed, of: scheduled, state: state, now: now))
        } catch {
            return .failure(error)
        }
    }

    /// Stores a fetched document with everything it leads to in one transaction: the feed's
    /// title, its entries, the new articles' stories, the matches of new and updated articles,
    /// and the fetch state `state`. Clustering and matching run inside the transaction (they
    /// are in-memory work), so a crash or a database failure leaves all of it or none. A feed
    /// with `full_text` stores its entries and state first; its articles are extracted,
    /// clustered and matched afterwards in their own transaction (they stay pending until then).
    func storeRefresh(
        _ parsed: ParsedFeed, of scheduled: ScheduledFeed, state: FetchState, now: @Sendable () -> Date
    ) async throws(RefreshFailure) -> (articles: Int, matches: Int, skipped: Int) {
        let feed = scheduled.stored
        let discovered = now()
        let fullText = scheduled.source.fullText
        do {
            try await stories.seed(store: store, now: discovered)
        } catch {
            logger.error("cannot cluster articles", metadata: ["feed_url": "\(LogRedaction.url(feed.url))", "error": "\(error)"])
        }
        let write = FeedRefreshWrite(
            feedID: feed.id, title: parsed.title.flatMap { $0 != feed.title ? $0 : nil }, entries: parsed.entries,
            discovered: discovered, state: state, topics: topics, maxNew: configuration.fetch.maxNewPerRefresh,
            derivesNewArticles: fullText == .never)
        // Backfill (entries published well before the feed was added) is stored and clustered
        // but never matched.
        let cutoff = backfillCutoff(for: feed)
        let result: FeedRefreshResult
        do {
            result = try await store.storeRefresh(write) { [self] stored in
                guard fullText == .never else { return FeedRefreshDerivation() }
                let assigned = self.stories.assignSeeded(stored.new)
                let articles = stored.new + stored.updated
                let matches = match(Self.flaggable(articles, cutoff: cutoff), of: feed, at: discovered)
                return FeedRefreshDerivation(stories: assigned, matches: matches, completing: articles.map(\.id))
            }
        } catch {
            throw RefreshFailure(message: "refresh not stored (the next fetch retries): \(error)")
        }
        let stored = result.entries
        if stored.skippedNew > 0 {
            logger.warning("feed served more new entries than one refresh stores", metadata: [
                "feed_url": "\(LogRedaction.url(feed.url))", "stored": "\(stored.new.count)", "left": "\(stored.skippedNew)",
            ])
        }
        if stored.identityChanged {
            logger.notice("feed identity changed", metadata: [
                "feed_url": "\(LogRedaction.url(feed.url))", "identity": "\(stored.identityMode.rawValue)",
            ])
        }
        guard fullText != .never else { return (stored.new.count, result.newMatches, stored.skippedNew) }
        let matches = await processArticles(stored, feed: feed, fullText: fullText, discovered: discovered)
        do {
            // Marks the new and updated articles matched in the same transaction; if this fails,
            // they stay pending and `matchPending` finds them (the next fetch sees them as known).
            let added = try await record(matches, completing: (stored.new + stored.updated).map(\.id))
            return (stored.new.count, added, stored.skippedNew)
        } catch {
            throw RefreshFailure(message: "articles stored, matches not recorded (they will be retried): \(error)")
        }
    }

    /// Matches `articles` of `feed` against the topics and records the matches; returns how
    /// many were new. Recording is idempotent, so matching an article twice adds nothing.
    /// Marks the articles matched, whether or not any topic matched them.
    func recordMatches(for articles: [Article], of feed: StoredFeed?, at matched: Date) async throws -> Int {
        // A feed no longer configured is not watched: its leftover articles are closed unmatched.
        var matches: [TopicMatch] = []
        if let feed {
            matches = match(Self.flaggable(articles, cutoff: backfillCutoff(for: feed)), of: feed, at: matched)
        }
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
    /// full text when there is one, else the feed's), in the language its feed declared.
    /// `topics test` backtests on the same.
    public init(_ article: Article) {
        self.init(title: article.title, body: article.bestText, language: article.language)
    }
}

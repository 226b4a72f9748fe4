public import Foundation
public import FeedWatchModel

/// Whether a store may be changed. Read-only commands (`status`, `feeds list`, the source of
/// `store copy`) open it read-only: no file created, no schema migrated, nothing written, so
/// a newer binary's `status` never migrates a database older daemons still use.
public enum StoreAccess: Sendable, Hashable {
    case readWrite
    case readOnly
}

/// What the store remembers about fetching one feed between runs.
public struct FetchState: Sendable, Hashable, Codable {
    public var etag: String?
    public var lastModified: String?
    public var lastFetched: Date?
    public var lastSuccess: Date?
    /// When the feed is next due; nil means "as soon as possible".
    public var nextCheck: Date?
    /// Consecutive failed fetches, reset by a success.
    public var errorCount: Int
    public var lastError: String?
    public var lastStatus: Int?
    /// Set when the host said the feed is gone (410) or the user disabled it.
    public var disabledReason: String?
    /// The URL a permanent redirect (301/308) pointed to.
    public var movedTo: String?
    /// When a response last carried a body (not 304); drives the periodic unconditional fetch.
    public var lastFullFetch: Date?
    /// Why `nextCheck` is when it is, in words for `feedwatch status` (e.g. "every 30m",
    /// "stretched to 2h (max_interval): about one entry a day", "backing off after 3 failures").
    public var nextCheckReason: String?

    public init(
        etag: String? = nil, lastModified: String? = nil, lastFetched: Date? = nil, lastSuccess: Date? = nil,
        nextCheck: Date? = nil, errorCount: Int = 0, lastError: String? = nil, lastStatus: Int? = nil,
        disabledReason: String? = nil, movedTo: String? = nil, lastFullFetch: Date? = nil, nextCheckReason: String? = nil
    ) {
        self.etag = etag
        self.lastModified = lastModified
        self.lastFetched = lastFetched
        self.lastSuccess = lastSuccess
        self.nextCheck = nextCheck
        self.errorCount = errorCount
        self.lastError = lastError
        self.lastStatus = lastStatus
        self.disabledReason = disabledReason
        self.movedTo = movedTo
        self.lastFullFetch = lastFullFetch
        self.nextCheckReason = nextCheckReason
    }
}

/// One feed with its fetch state, for `feedwatch status` and `feeds list`.
public struct FeedStatus: Sendable, Hashable, Codable {
    public var feed: StoredFeed
    public var state: FetchState
    public var articleCount: Int
    /// How the feed's entries are recognised; `link` after its guids were found to churn.
    public var identityMode: FeedIdentityMode = .guid

    public init(feed: StoredFeed, state: FetchState, articleCount: Int, identityMode: FeedIdentityMode = .guid) {
        self.feed = feed
        self.state = state
        self.articleCount = articleCount
        self.identityMode = identityMode
    }
}

/// A digest as stored: its day and how many matches it holds.
public struct DigestRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var day: String
    public var timeZone: String
    public var created: Date
    public var matchCount: Int
    /// When its files were written and its deliveries queued; nil while that is still to do
    /// (a crash between collecting and publishing leaves it nil, and the daemon finishes it).
    public var published: Date?
    /// Why the last attempt to publish it failed (e.g. an unwritable directory); nil once published.
    public var publishError: String?

    public init(
        id: Int64, day: String, timeZone: String, created: Date, matchCount: Int, published: Date? = nil, publishError: String? = nil
    ) {
        self.id = id
        self.day = day
        self.timeZone = timeZone
        self.created = created
        self.matchCount = matchCount
        self.published = published
        self.publishError = publishError
    }
}

/// One message in the delivery outbox: what a notifier has to send, and how that went.
public struct Delivery: Sendable, Hashable {
    /// Where a delivery stands. `failed` is final: the retries are used up.
    public enum State: String, Sendable, Hashable, Codable {
        case pending, sent, failed
    }

    public var id: Int64
    /// The configured notifier's name.
    public var notifier: String
    /// What is sent, unique per notifier: `digest:YYYY-MM-DD`, `alert:<topic id>:<first match id>`
    /// (`alert:<match id>` when queued by an earlier version).
    public var subject: String
    /// For alerts: the one match as a one-item digest, frozen when queued. Nil for digests,
    /// which are rendered from the store when sent (byte-for-byte the written files).
    public var payload: Digest?
    public var state: State
    /// Attempts made so far.
    public var attempts: Int
    /// When the next attempt is due (meaningful for pending deliveries only).
    public var nextAttempt: Date
    public var lastError: String?
    public var created: Date
    public var sent: Date?

    public init(
        id: Int64, notifier: String, subject: String, payload: Digest?, state: State, attempts: Int, nextAttempt: Date,
        lastError: String?, created: Date, sent: Date?
    ) {
        self.id = id
        self.notifier = notifier
        self.subject = subject
        self.payload = payload
        self.state = state
        self.attempts = attempts
        self.nextAttempt = nextAttempt
        self.lastError = lastError
        self.created = created
        self.sent = sent
    }

    /// The day of the digest this delivery sends; nil for alerts.
    public var digestDay: String? {
        subject.hasPrefix("digest:") ? String(subject.dropFirst("digest:".count)) : nil
    }
}

/// How one delivery attempt ended.
public enum DeliveryAttemptResult: Sendable, Hashable {
    /// Sent: the delivery is done.
    case sent
    /// Failed; try again at `next`.
    case retry(error: String, next: Date)
    /// Failed for good (retries used up, or the notifier is no longer configured).
    case failed(error: String)
}

/// Why a store operation failed, naming the database and the cause.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case cannotOpen, locked, diskFull, corrupt, migrationFailed, unknownFeed, other
        /// The database server cannot be reached or dropped the connection; retrying later may work.
        case unavailable
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "store: \(message)" }
}

/// The state feedwatch keeps between runs. Every method is one transaction.
///
/// Two implementations share this contract: SQLite for one machine, PostgreSQL for several
/// daemons sharing one database.
public protocol Store: Sendable {
    /// Makes the stored feed list match the configuration: adds new feeds, updates names and
    /// tags, marks feeds no longer configured inactive (their articles stay). Returns the
    /// active feeds in configuration order.
    func syncFeeds(_ sources: [FeedSource]) async throws -> [StoredFeed]

    /// The active feeds.
    func activeFeeds() async throws -> [StoredFeed]

    func fetchState(feedID: Int64) async throws -> FetchState
    /// The feeds disabled for good (410 Gone, or by the user), in one read.
    func disabledFeedIDs() async throws -> Set<Int64>
    func saveFetchState(feedID: Int64, _ state: FetchState) async throws
    /// The fetch states of `feedIDs` in one read (a refresh wave reads its feeds' states at
    /// once, not one read per feed); a feed the store does not know is left out.
    func fetchStates(feedIDs: [Int64]) async throws -> [Int64: FetchState]
    /// Saves several feeds' fetch states in one transaction (PostgreSQL: one statement), as
    /// `saveFetchState` saves one: the group commit of routine refreshes (304s). All or none.
    func saveFetchStates(_ states: [Int64: FetchState]) async throws
    /// Remembers the title the feed announced, for display.
    func updateFeedTitle(feedID: Int64, title: String) async throws

    /// Records matches; a (topic, article) pair already recorded is left as it was. In the
    /// same transaction, marks the articles in `completing` as matched: they leave
    /// `articlesPendingMatch` (an article stored, whose matches were never recorded because
    /// the database or the process failed in between, stays there until this succeeds).
    /// Returns how many matches were new.
    /// Each match is stored with its topic's name from `topics` (by id; the id when absent).
    @discardableResult
    func recordMatches(_ matches: [TopicMatch], topics: [String: TopicReference], completing: [Int64]) async throws -> Int

    /// Articles stored (new, or updated with changed text) whose matching has not been
    /// recorded, last stored before `storedBefore`, oldest first, at most `limit`.
    func articlesPendingMatch(storedBefore: Date, limit: Int) async throws -> [Article]

    /// Assigns every match not yet in a digest to the digest of `day` (creating it), in one
    /// transaction, and returns that digest's record.
    func collectDigest(day: String, timeZone: String, now: Date) async throws -> DigestRecord

    /// The stored contents of the digest of `day`, nil if there is none. Each item lists at
    /// most `sourcesPerStory` other sources of its story (the earliest) and counts the rest
    /// (`Digest.Item.alsoReportedMore`), reading no more of them than that.
    func digest(day: String, sourcesPerStory: Int) async throws -> Digest?

    /// The digest of `day` without its items' text (`DigestIndex`), in the order and with the
    /// items `digest(day:)` gives (one per story and topic); nil if there is none. Holds a
    /// few dozen bytes per item, whatever the items say.
    func digestIndex(day: String) async throws -> DigestIndex?

    /// The items of digest `digestID` (`DigestIndex.id`) under `topicID` whose articles are
    /// `articleIDs`, in that order, each as `digest(day:)` builds it (with "also reported
    /// by"); an id the digest no longer has is left out. Publication reads a day this way, a
    /// page of items at a time. Sources are listed as `digest(day:sourcesPerStory:)` lists them.
    func digestItems(digestID: Int64, topicID: String, articleIDs: [Int64], sourcesPerStory: Int) async throws -> [Digest.Item]

    /// When the digest of `day` was published; nil when it is not (yet), or there is none.
    /// Reads one row: nothing is counted, whatever the digest holds.
    func digestPublished(day: String) async throws -> Date?

    /// All digests, newest first.
    func digests() async throws -> [DigestRecord]

    /// Matches not yet assigned to a digest.
    func pendingMatchCount() async throws -> Int

    /// Per-feed state for `status`.
    func feedStatuses() async throws -> [FeedStatus]

    /// Stored articles discovered since `since`, newest first (for backtesting topics).
    func articles(since: Date, limit: Int) async throws -> [Article]

    // MARK: Delivery outbox

    /// Marks the digest of `day` published (its files are written) and, in the same
    /// transaction, queues one delivery `digest:<day>` per name in `notifiers`, due at `at`.
    /// Idempotent: a delivery already queued for that notifier and day is left as it was.
    func markDigestPublished(day: String, notifiers: [String], at: Date) async throws

    /// Remembers why publishing the digest of `day` failed, for `status`; it stays unpublished
    /// and is retried.
    func recordDigestPublishFailure(day: String, error: String) async throws

    /// Queues alert messages, at most one per topic per `policy.interval`: for each topic in
    /// `topicIDs` whose last alert is at least `interval` old (or that never had one), the
    /// matches not yet in a digest, not yet alerted and not dismissed become one message, one
    /// item per story, at most `policy.maxStories` of them and the rest counted
    /// (`Digest.Section.moreCount`). One delivery `alert:<topic id>:<first match id>` per
    /// notifier; the matches are marked alerted in the same transaction. The payload's day is
    /// the day of `at` in `timeZone`. Topics held back by the interval are reported in
    /// `nextDue`, so the caller wakes when they may be sent.
    @discardableResult
    func enqueueAlerts(topicIDs: [String], notifiers: [String], timeZone: String, at: Date, policy: AlertPolicy) async throws
        -> AlertQueueing

    // MARK: What digests say about the watching itself

    /// When feed `feedID` was first configured (its first fetch follows at once); nil for an
    /// unknown feed. Entries published well before it are backfill, not news.
    func feedWatchedSince(feedID: Int64) async throws -> Date?

    /// When the first feed was configured, active or not: when this installation started
    /// watching. Nil when no feed ever was.
    func firstFeedWatched() async throws -> Date?

    /// Per active feed: how many entries are stored and the newest and oldest entry time
    /// (published, else discovered), for spotting feeds that fell silent.
    func feedActivity() async throws -> [Int64: FeedActivity]

    /// The health report frozen with the digest of `day` (as the digest stage encoded it);
    /// nil when none was recorded.
    func digestHealth(day: String) async throws -> String?

    /// Freezes `health` with the digest of `day` unless one is recorded already, and returns
    /// the recorded one: a digest finished twice keeps the report of its first publication.
    func recordDigestHealth(day: String, health: String) async throws -> String

    /// Dismisses the story of article `articleID` (its story, or the article alone when it
    /// was never clustered) under topic `topicID` (`Dismissal.everyTopic` for all). Nil when
    /// there is no such article; dismissing twice keeps the first.
    func dismiss(articleID: Int64, topicID: String, at: Date) async throws -> Dismissal?

    /// Every dismissal, oldest first.
    func dismissals() async throws -> [Dismissal]

    /// How many matches each digest holds per topic, by day: for the index of digests.
    func digestTopicCounts() async throws -> [String: [TopicCount]]

    /// Pending deliveries due at `now`, oldest first, at most `limit`. A store shared by several
    /// daemons (PostgreSQL) also claims what it returns (`FOR UPDATE SKIP LOCKED`, next attempt
    /// moved past the claim), so two daemons never get the same delivery; the caller must
    /// record each attempt with `finishDeliveryAttempt`. SQLite serves one daemon and only reads.
    func dueDeliveries(now: Date, limit: Int) async throws -> [Delivery]

    /// Records one attempt at delivery `id`: counts it and stores its result.
    func finishDeliveryAttempt(id: Int64, result: DeliveryAttemptResult, at: Date) async throws

    /// For `status`: failed and pending deliveries first, then the latest sent ones, at most
    /// `limit` in all.
    func recentDeliveries(limit: Int) async throws -> [Delivery]

    // MARK: Article pipeline

    /// Stores a fetched document's entries under the feed's identity rules and says which were
    /// new and which were updated (same identity, changed title or text). Atomically (SQLite:
    /// one transaction; PostgreSQL: one look-up, then one write statement that stores nothing
    /// and starts over if the feed's mode changed in between, and rewrites an edited article
    /// only over the content the look-up saw, so each new entry and each edit is reported once
    /// however many refreshes of the feed race): reads the feed's `FeedIdentityMode`; moves it to `.guidAndLink` when the document repeats
    /// a guid for different links (`EntryIdentity.repeatsGuids`) and to `.link` when its guids
    /// churn (`EntryIdentity.guidsChurn`: most guid entries unseen while their canonical link is
    /// stored) and persists the switch; fingerprints each entry with `EntryIdentity.fingerprint`,
    /// finds it by fingerprint (in `.link` mode also by canonical link), inserts the new ones,
    /// rewrites the changed ones (`EntryIdentity.contentHash`) and stamps every one as seen now.
    ///
    /// At most `maxNew` entries are stored as new (the first in document order); the rest are
    /// counted in `StoredEntries.skippedNew` and, if the feed still lists them, taken at a
    /// later refresh. Known entries are always recognised, updated and stamped as seen.
    func storeEntries(feedID: Int64, entries: [Entry], discovered: Date, maxNew: Int) async throws -> StoredEntries

    /// One successful refresh of a feed: the feed's announced title (`title`, when it
    /// changed), its entries (as `storeEntries`), what `derive` makes of the stored entries
    /// (story ids, matches, the articles to mark matched; it must not touch the store), and
    /// the feed's fetch state. SQLite does it all in one write transaction (`derive` runs
    /// inside it): everything is stored or nothing is. PostgreSQL stores the entries (pending)
    /// as `storeEntries` does and the rest in one statement, three round trips in all and no
    /// BEGIN or COMMIT, so no connection waits on `derive`; a failure in between leaves the
    /// articles pending for the sweep and the fetch state as it was.
    func storeRefresh(
        _ refresh: FeedRefreshWrite, derive: @escaping @Sendable (StoredEntries) -> FeedRefreshDerivation
    ) async throws -> FeedRefreshResult

    /// Sets the story id of articles (article id → story id).
    func assignStories(_ storyIDs: [Int64: Int64]) async throws

    /// Records what full-text extraction produced for articles: the text, or the reason there is none.
    func saveExtractions(_ extractions: [ArticleExtractionRecord]) async throws

    /// Deletes articles last seen before `seenBefore` that no topic matched, and every article
    /// last seen before `digestedSeenBefore` (with its matches). Returns how many were deleted.
    /// "Last seen" is the latest fetch whose document still carried the entry, so an entry a
    /// feed keeps listing is never pruned and then rediscovered as new.
    @discardableResult
    func prune(seenBefore: Date, digestedSeenBefore: Date) async throws -> Int

    // MARK: Sharing the work between daemons

    /// Leases up to `limit` active, enabled feeds that are due (never checked, or next check at
    /// or before `now`) and not under another live lease, to `owner` until `now + lease`.
    /// Atomic across daemons: a feed is leased to one owner at a time, so each due feed is
    /// fetched by one daemon. A daemon that dies loses its leases when they expire.
    /// Returns the claimed feeds in configuration order.
    func claimDueFeeds(owner: String, now: Date, lease: TimeInterval, limit: Int) async throws -> [StoredFeed]

    /// Ends `owner`'s leases on `feedIDs` once their fetch state is saved; a lease that has
    /// since passed to another owner is left alone.
    func releaseLeases(feedIDs: [Int64], owner: String) async throws

    /// Extends `owner`'s leases on `feedIDs` to `until`, while their fetches are still under
    /// way (a batch can outlast one lease when hosts are slow). Leases `owner` no longer holds
    /// are left alone. Returns how many were extended.
    @discardableResult
    func renewLeases(feedIDs: [Int64], owner: String, until: Date) async throws -> Int

    /// The owners of leases that have not run out at `now`.
    func leaseOwners(now: Date) async throws -> [String]

    /// Ends every lease held by `owners` (daemons known to be gone, or this daemon after a
    /// restart) so their feeds need not wait for the leases to run out. Returns how many ended.
    @discardableResult
    func releaseAllLeases(owners: [String]) async throws -> Int

    /// When the next active, enabled feed becomes claimable (its next check or the end of its
    /// lease, whichever is later); nil when there is no such feed.
    func nextClaimableDate() async throws -> Date?

    /// For the daemon's status: the active feeds counted in one statement (how many, how many
    /// failing, how many enabled ones are due at `now`, and the earliest next check of the others).
    func feedScheduleSummary(now: Date) async throws -> FeedScheduleSummary

    /// Builds the digest of `day` (creating it and assigning it every pending match, in one
    /// transaction) unless it exists already. Across all daemons sharing the database exactly
    /// one caller gets the record; every other caller gets nil and must not publish it.
    func buildDigestOnce(day: String, timeZone: String, now: Date) async throws -> DigestRecord?

    /// Lets go of connections and background work; the store must not be used afterwards.
    func close() async
}

/// How alerts of one topic are batched: at most one message per `interval`, listing at most
/// `maxStories` stories.
public struct AlertPolicy: Sendable, Hashable {
    /// The shortest time between two alert messages of one topic (`alert_interval`).
    public var interval: TimeInterval
    /// The most stories one message lists (`alert_max_stories`); the rest are counted.
    public var maxStories: Int

    /// A policy; `maxStories` is at least 1.
    public init(interval: TimeInterval = 15 * 60, maxStories: Int = 10) {
        self.interval = interval
        self.maxStories = max(1, maxStories)
    }
}

/// What `Store.enqueueAlerts` did.
public struct AlertQueueing: Sendable, Hashable {
    /// Alert messages made (one per topic that had something to say).
    public var messages: Int
    /// Deliveries queued (messages × notifiers).
    public var deliveries: Int
    /// The earliest moment a topic held back by its interval may be sent; nil when none waits.
    public var nextDue: Date?

    public init(messages: Int = 0, deliveries: Int = 0, nextDue: Date? = nil) {
        self.messages = messages
        self.deliveries = deliveries
        self.nextDue = nextDue
    }
}

/// How many matches of one topic a digest holds.
public struct TopicCount: Sendable, Hashable {
    public var topicID: String
    /// The name the matches were recorded under.
    public var name: String
    public var count: Int

    public init(topicID: String, name: String, count: Int) {
        self.topicID = topicID
        self.name = name
        self.count = count
    }
}

/// How much one feed has published, as far as the store knows.
public struct FeedActivity: Sendable, Hashable {
    /// Stored entries.
    public var entries: Int
    /// The oldest and newest entry (published, else discovered).
    public var oldest: Date
    public var newest: Date

    public init(entries: Int, oldest: Date, newest: Date) {
        self.entries = entries
        self.oldest = oldest
        self.newest = newest
    }
}

extension Store {
    /// `storeEntries` without a bound on new entries (tests, tools).
    public func storeEntries(feedID: Int64, entries: [Entry], discovered: Date) async throws -> StoredEntries {
        try await storeEntries(feedID: feedID, entries: entries, discovered: discovered, maxNew: .max)
    }
}

/// The active feeds' schedule at a glance (see `Store.feedScheduleSummary`).
public struct FeedScheduleSummary: Sendable, Hashable {
    /// Active feeds.
    public var total: Int
    /// Active feeds whose last fetch failed.
    public var failing: Int
    /// Enabled active feeds due now (never checked, or next check passed).
    public var due: Int
    /// The earliest next check of the enabled feeds not yet due; nil when there is none.
    public var nextCheck: Date?

    public init(total: Int, failing: Int, due: Int, nextCheck: Date?) {
        self.total = total
        self.failing = failing
        self.due = due
        self.nextCheck = nextCheck
    }
}

/// The outcome of full-text extraction for one article.
public struct ArticleExtractionRecord: Sendable, Hashable {
    public var articleID: Int64
    /// The extracted text; nil when extraction failed.
    public var fullText: String?
    /// Why there is no text (or a remark about it), e.g. "no discernible article: …".
    public var note: String?

    public init(articleID: Int64, fullText: String?, note: String?) {
        self.articleID = articleID
        self.fullText = fullText
        self.note = note
    }
}

extension Store {
    /// Records matches under topic names given by id (see
    /// `recordMatches(_:topics:completing:)`).
    @discardableResult
    public func recordMatches(_ matches: [TopicMatch], topicNames: [String: String], completing: [Int64]) async throws -> Int {
        try await recordMatches(
            matches, topics: topicNames.reduce(into: [:]) { $0[$1.key] = TopicReference(id: $1.key, name: $1.value) },
            completing: completing)
    }

    /// Records matches without marking any article as matched (see
    /// `recordMatches(_:topics:completing:)`).
    @discardableResult
    public func recordMatches(_ matches: [TopicMatch], topicNames: [String: String]) async throws -> Int {
        try await recordMatches(matches, topicNames: topicNames, completing: [])
    }
}

extension Store {
    /// `digest(day:sourcesPerStory:)` with the default bound (`Digest.defaultSourcesPerStory`).
    public func digest(day: String) async throws -> Digest? {
        try await digest(day: day, sourcesPerStory: Digest.defaultSourcesPerStory)
    }

    /// `digestItems(digestID:topicID:articleIDs:sourcesPerStory:)` with the default bound.
    public func digestItems(digestID: Int64, topicID: String, articleIDs: [Int64]) async throws -> [Digest.Item] {
        try await digestItems(digestID: digestID, topicID: topicID, articleIDs: articleIDs, sourcesPerStory: Digest.defaultSourcesPerStory)
    }
}

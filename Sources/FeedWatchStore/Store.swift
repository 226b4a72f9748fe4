import Foundation
import FeedWatchModel

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

    public init(
        etag: String? = nil, lastModified: String? = nil, lastFetched: Date? = nil, lastSuccess: Date? = nil,
        nextCheck: Date? = nil, errorCount: Int = 0, lastError: String? = nil, lastStatus: Int? = nil,
        disabledReason: String? = nil, movedTo: String? = nil
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
    }
}

/// One feed with its fetch state, for `feedwatch status` and `feeds list`.
public struct FeedStatus: Sendable, Hashable, Codable {
    public var feed: StoredFeed
    public var state: FetchState
    public var articleCount: Int

    public init(feed: StoredFeed, state: FetchState, articleCount: Int) {
        self.feed = feed
        self.state = state
        self.articleCount = articleCount
    }
}

/// A digest as stored: its day and how many matches it holds.
public struct DigestRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var day: String
    public var timeZone: String
    public var created: Date
    public var matchCount: Int

    public init(id: Int64, day: String, timeZone: String, created: Date, matchCount: Int) {
        self.id = id
        self.day = day
        self.timeZone = timeZone
        self.created = created
        self.matchCount = matchCount
    }
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
    func saveFetchState(feedID: Int64, _ state: FetchState) async throws
    /// Remembers the title the feed announced, for display.
    func updateFeedTitle(feedID: Int64, title: String) async throws

    /// Inserts the entries this feed has not had before and returns exactly those, in feed
    /// order. Atomic: two concurrent calls with the same entries return each one once.
    func insertNew(feedID: Int64, entries: [Entry], discovered: Date) async throws -> [Article]

    /// Records matches; a (topic, article) pair already recorded is left as it was.
    /// Returns how many were new.
    @discardableResult
    func recordMatches(_ matches: [TopicMatch], topicNames: [String: String]) async throws -> Int

    /// Assigns every match not yet in a digest to the digest of `day` (creating it), in one
    /// transaction, and returns that digest's record.
    func collectDigest(day: String, timeZone: String, now: Date) async throws -> DigestRecord

    /// The stored contents of the digest of `day`, nil if there is none.
    func digest(day: String) async throws -> Digest?

    /// All digests, newest first.
    func digests() async throws -> [DigestRecord]

    /// Matches not yet assigned to a digest.
    func pendingMatchCount() async throws -> Int

    /// Per-feed state for `status`.
    func feedStatuses() async throws -> [FeedStatus]

    /// Stored articles discovered since `since`, newest first (for backtesting topics).
    func articles(since: Date, limit: Int) async throws -> [Article]

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

    /// Builds the digest of `day` (creating it and assigning it every pending match, in one
    /// transaction) unless it exists already. Across all daemons sharing the database exactly
    /// one caller gets the record; every other caller gets nil and must not publish it.
    func buildDigestOnce(day: String, timeZone: String, now: Date) async throws -> DigestRecord?

    /// Lets go of connections and background work; the store must not be used afterwards.
    func close() async
}

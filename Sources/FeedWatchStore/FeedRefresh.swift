public import Foundation
public import FeedWatchModel

/// What `Store.storeEntries` did with a document's entries.
public struct StoredEntries: Sendable, Hashable {
    /// Entries the feed had not had before, in feed order.
    public var new: [Article]
    /// Known entries whose title or text changed, as now stored.
    public var updated: [Article]
    /// The feed's identity mode after this document.
    public var identityMode: FeedIdentityMode
    /// Whether this document made the feed change identity mode.
    public var identityChanged: Bool
    /// New entries left unstored because `maxNew` were stored already.
    public var skippedNew: Int = 0

    /// The outcome of one `storeEntries` call.
    public init(new: [Article], updated: [Article] = [], identityMode: FeedIdentityMode = .guid, identityChanged: Bool = false) {
        self.new = new
        self.updated = updated
        self.identityMode = identityMode
        self.identityChanged = identityChanged
    }
}

/// What one successful feed refresh stores (see `Store.storeRefresh`).
public struct FeedRefreshWrite: Sendable {
    public var feedID: Int64
    /// The title the feed announced, when it differs from the stored one; nil leaves it.
    public var title: String?
    public var entries: [Entry]
    public var discovered: Date
    /// The feed's fetch state after this refresh.
    public var state: FetchState
    /// Topic names matches are recorded under, by id (the id when absent).
    public var topics: [String: TopicReference]
    /// At most this many entries are stored as new (see `Store.storeEntries`).
    public var maxNew: Int
    /// Whether the derivation is expected to give every new article its story and complete
    /// it (the pipeline clusters and matches inside the transaction). A store may then write
    /// a new article as its own story and matched in its insert, and correct only the
    /// articles the derivation says otherwise of, instead of updating every new article once
    /// more. The stored result is the same either way; a hint, not a contract.
    public var derivesNewArticles: Bool

    /// A refresh to store.
    public init(
        feedID: Int64, title: String?, entries: [Entry], discovered: Date, state: FetchState, topics: [String: TopicReference],
        maxNew: Int = .max, derivesNewArticles: Bool = false
    ) {
        self.maxNew = maxNew
        self.derivesNewArticles = derivesNewArticles
        self.feedID = feedID
        self.title = title
        self.entries = entries
        self.discovered = discovered
        self.state = state
        self.topics = topics
    }
}

/// What the pipeline makes of a refresh's stored entries, inside its transaction.
public struct FeedRefreshDerivation: Sendable {
    /// Story ids of new articles (article id → story id).
    public var stories: [Int64: Int64]
    public var matches: [TopicMatch]
    /// Articles to mark matched (they leave `articlesPendingMatch`).
    public var completing: [Int64]

    /// The stories, matches and completed articles of one refresh.
    public init(stories: [Int64: Int64] = [:], matches: [TopicMatch] = [], completing: [Int64] = []) {
        self.stories = stories
        self.matches = matches
        self.completing = completing
    }
}

/// What `Store.storeRefresh` stored.
public struct FeedRefreshResult: Sendable {
    public var entries: StoredEntries
    /// How many matches were new.
    public var newMatches: Int

    /// The outcome of one refresh's transaction.
    public init(entries: StoredEntries, newMatches: Int) {
        self.entries = entries
        self.newMatches = newMatches
    }
}

public import Foundation

/// How the watching itself went when a digest was made, so that a quiet digest can be
/// trusted: feeds failing, feeds disabled, feeds silent for longer than usual, and matches
/// still waiting. Frozen with the digest when it is first published, so the digest renders
/// the same bytes ever after.
public struct DigestHealth: Sendable, Hashable, Codable {
    /// A feed whose fetches fail: since when it has had no success, and the last error.
    public struct Failing: Sendable, Hashable, Codable {
        public var feedName: String
        /// The last successful fetch; nil when it never had one.
        public var lastSuccess: Date?
        public var errorCount: Int
        public var error: String
        public init(feedName: String, lastSuccess: Date?, errorCount: Int, error: String) {
            self.feedName = feedName
            self.lastSuccess = lastSuccess
            self.errorCount = errorCount
            self.error = error
        }
    }

    /// A feed no longer fetched (410 Gone, or disabled by hand), and why.
    public struct Disabled: Sendable, Hashable, Codable {
        public var feedName: String
        public var reason: String
        public init(feedName: String, reason: String) {
            self.feedName = feedName
            self.reason = reason
        }
    }

    /// A feed that fetches fine but has published nothing for much longer than it usually does.
    public struct Silent: Sendable, Hashable, Codable {
        public var feedName: String
        /// Its latest entry (published, else discovered).
        public var lastEntry: Date
        /// Its usual gap between entries, in seconds.
        public var usualGap: Double
        public init(feedName: String, lastEntry: Date, usualGap: Double) {
            self.feedName = feedName
            self.lastEntry = lastEntry
            self.usualGap = usualGap
        }
    }

    public var failing: [Failing]
    public var disabled: [Disabled]
    public var silent: [Silent]
    /// Matches recorded but not in this digest (they arrived while it was made, or wait for
    /// the next one).
    public var pendingMatches: Int
    /// Active feeds watched when the digest was made.
    public var feedCount: Int

    public init(failing: [Failing] = [], disabled: [Disabled] = [], silent: [Silent] = [], pendingMatches: Int = 0, feedCount: Int = 0) {
        self.failing = failing
        self.disabled = disabled
        self.silent = silent
        self.pendingMatches = pendingMatches
        self.feedCount = feedCount
    }

    /// Whether there is nothing to warn about.
    public var isClean: Bool { failing.isEmpty && disabled.isEmpty && silent.isEmpty && pendingMatches == 0 }
}

/// A reader's request to stop showing one story under one topic (`feedwatch dismiss`).
public struct Dismissal: Sendable, Hashable, Codable {
    /// The topic it applies to; `*` for every topic.
    public var topicID: String
    /// The story (the id of its first article, or the article's own id when unclustered).
    public var storyID: Int64
    /// The headline it was dismissed under, for `topics test`.
    public var title: String
    public var created: Date

    /// The topic id that stands for every topic.
    public static let everyTopic = "*"

    public init(topicID: String, storyID: Int64, title: String, created: Date) {
        self.topicID = topicID
        self.storyID = storyID
        self.title = title
        self.created = created
    }

    /// Whether this dismissal hides story `storyID` under `topic`.
    public func hides(storyID: Int64, topic: String) -> Bool {
        self.storyID == storyID && (topicID == Self.everyTopic || topicID == topic)
    }
}

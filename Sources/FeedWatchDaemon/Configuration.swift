import Foundation
import FeedWatchFetching
import FeedWatchModel

/// Where the state lives.
public struct StorageConfiguration: Sendable, Hashable {
    /// The state directory: `[storage] state_directory`, else `$STATE_DIRECTORY`, else `./state`.
    public var stateDirectory: String
    public var database: DatabaseLocation
    /// Articles no topic matched are deleted once a feed has not listed them for this long (`retention`).
    public var retention: TimeSpan = .hours(90 * 24)
    /// Articles in a digest are kept this long (`digest_retention`); never shorter than `retention`.
    public var digestRetention: TimeSpan = .hours(365 * 24)
}

/// Which database holds the state.
public enum DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    /// An SQLite file (the default: `feedwatch.sqlite` in the state directory).
    case sqlite(path: String)
    /// A PostgreSQL server shared by several daemons.
    case postgres(url: String)

    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres: return "postgres (shared)"
        }
    }
}

/// Defaults for fetching, from `[fetch]`.
public struct FetchConfiguration: Sendable, Hashable {
    public var interval: TimeSpan = .minutes(30)
    public var concurrency: Int = 16
    public var perHostConcurrency: Int = 2
    public var timeout: TimeSpan = TimeSpan(seconds: 30)
    public var connectTimeout: TimeSpan = TimeSpan(seconds: 10)
    public var maxBodyBytes: Int = 16 << 20
    public var userAgent: String = FetchConfiguration.defaultUserAgent
    /// Non-public networks that full-text fetches may reach (`allow_private_networks`); none by default,
    /// since article links come from feeds and are untrusted.
    public var allowPrivateNetworks: [IPNetwork] = []
    /// At most this many article pages are fetched for one feed refresh (`full_text_per_refresh`).
    public var fullTextPerRefresh: Int = 20
    /// Article pages larger than this are not extracted (`full_text_max_bytes`).
    public var fullTextMaxBytes: Int = 8 << 20

    /// Names feedwatch, its version and where to read about it, so feed owners know who calls.
    public static let defaultUserAgent = "feedwatch/\(FeedWatchVersion.current) (+https://github.com/feedwatch/feedwatch)"
}

/// Story clustering, from `[stories]`.
public struct StoryConfiguration: Sendable, Hashable {
    /// Articles further apart than this are never one story (`window`).
    public var window: TimeSpan = .hours(72)
    /// Estimated share of common word shingles for one story (`text_similarity`).
    public var textSimilarity: Double = 0.4
    /// Share of common title trigrams for one story (`title_similarity`).
    public var titleSimilarity: Double = 0.8
}

/// When and how digests are written, from `[digest]`.
public struct DigestConfiguration: Sendable, Hashable {
    public var directory: String
    /// Local time of day, minutes after midnight.
    public var minuteOfDay: Int = 7 * 60
    public var timeZone: String
    public var formats: [DigestFormat] = [.markdown]
}

/// A format a digest is written in.
public enum DigestFormat: String, Sendable, Hashable, CaseIterable {
    case markdown
    /// The file extension of this format.
    public var fileExtension: String {
        switch self {
        case .markdown: return "md"
        }
    }
}

/// The whole validated configuration.
public struct FeedWatchConfiguration: Sendable, Hashable {
    /// The file it was read from, for messages.
    public var path: String
    public var storage: StorageConfiguration
    public var fetch: FetchConfiguration
    public var feeds: [FeedSource]
    public var topics: [Topic]
    public var digest: DigestConfiguration
    /// How articles are grouped into stories, from `[stories]`.
    public var stories = StoryConfiguration()

    /// The interval a feed is checked at: its own, else the global one.
    public func interval(for feed: FeedSource) -> TimeSpan { feed.interval ?? fetch.interval }
}

/// The version this build reports in `--version` and the User-Agent.
public enum FeedWatchVersion {
    public static let current = "0.1.0"
}

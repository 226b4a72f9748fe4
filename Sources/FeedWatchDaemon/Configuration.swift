import Foundation
import FeedWatchModel

/// Where the state lives.
public struct StorageConfiguration: Sendable, Hashable {
    /// The state directory: `[storage] state_directory`, else `$STATE_DIRECTORY`, else `./state`.
    public var stateDirectory: String
    public var database: DatabaseLocation
    /// This daemon's name in fetch leases: `[storage] node_name`, else `$FEEDWATCH_NODE_NAME`,
    /// else `hostname:pid`. Two daemons sharing a database must not share a name.
    public var nodeName: String = StorageConfiguration.defaultNodeName()
    /// How long a claimed feed stays leased to this daemon (`[storage] lease`): the longest a
    /// feed waits when its daemon dies. Must exceed `[fetch] timeout`.
    public var lease: TimeSpan = .minutes(5)
    /// How many due feeds one claim takes at most (`[storage] claim_batch`); the batch must be
    /// fetched within the lease.
    public var claimBatch: Int = 64
    /// PostgreSQL connection settings (`[storage] password_file`, `pool_size`, `timeout`).
    public var postgres = PostgresSettings()

    /// `hostname:pid`: unique per process on a network of daemons.
    public static func defaultNodeName() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }
}

/// PostgreSQL connection settings besides the URL.
public struct PostgresSettings: Sendable, Hashable {
    /// A file holding the password (first line), used when the URL carries none; else `$PGPASSWORD`.
    public var passwordFile: String?
    /// The most connections one daemon opens.
    public var poolSize: Int = 8
    /// How long one store operation may take before it fails and is retried later.
    public var timeout: TimeSpan = TimeSpan(seconds: 30)
    /// How long opening a connection may take.
    public var connectTimeout: TimeSpan = TimeSpan(seconds: 10)
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
        case .postgres(let url):
            // Never the password: rebuild the URL from its parts without it.
            guard var components = URLComponents(string: url) else { return "postgres (shared)" }
            components.password = nil
            components.query = nil
            return components.string ?? "postgres (shared)"
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
    /// The shortest interval any feed may have (`[fetch] minimum_interval`, default 60s, at
    /// least 5s). Lower it only for tests and benchmarks: real feed hosts should not be
    /// polled more often than once a minute.
    public var minimumInterval: TimeSpan = TimeSpan(seconds: 60)

    /// Names feedwatch, its version and where to read about it, so feed owners know who calls.
    public static let defaultUserAgent = "feedwatch/\(FeedWatchVersion.current) (+https://github.com/feedwatch/feedwatch)"
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

    /// The interval a feed is checked at: its own, else the global one.
    public func interval(for feed: FeedSource) -> TimeSpan { feed.interval ?? fetch.interval }
}

/// The version this build reports in `--version` and the User-Agent.
public enum FeedWatchVersion {
    public static let current = "0.1.0"
}

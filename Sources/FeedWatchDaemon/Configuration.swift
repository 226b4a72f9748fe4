import Foundation
import FeedWatchModel

/// Where the state lives.
public struct StorageConfiguration: Sendable, Hashable {
    /// The state directory: `[storage] state_directory`, else `$STATE_DIRECTORY`, else `./state`.
    public var stateDirectory: String
    public var database: DatabaseLocation
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

/// A `host:port` to listen on, from `[http] listen` (IPv6 hosts in brackets: `[::1]:9464`).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// A host name or IP address (IPv6 without brackets).
    public var host: String
    /// The TCP port, 1–65535.
    public var port: Int

    /// An address from its parts.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`; nil when it is not one.
    public init?(parsing text: String) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }),
              portText.allSatisfy(\.isNumber), let port = Int(portText), (1...65535).contains(port)
        else { return nil }
        self.host = String(host)
        self.port = port
    }

    /// `host:port`, IPv6 hosts in brackets.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The optional status endpoint, from `[http]`.
public struct HTTPConfiguration: Sendable, Hashable {
    /// Where `/metrics` and `/healthz` are served; nil (the default) serves nothing.
    public var listen: ListenAddress?

    /// An endpoint listening on `listen`, or none.
    public init(listen: ListenAddress? = nil) { self.listen = listen }
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
    /// The status endpoint; off unless `[http] listen` is set.
    public var http = HTTPConfiguration()

    /// The interval a feed is checked at: its own, else the global one.
    public func interval(for feed: FeedSource) -> TimeSpan { feed.interval ?? fetch.interval }
}

/// The version this build reports in `--version` and the User-Agent.
public enum FeedWatchVersion {
    public static let current = "0.1.0"
}

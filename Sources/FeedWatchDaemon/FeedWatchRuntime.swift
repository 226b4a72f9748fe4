public import Foundation
import FeedWatchClustering
public import FeedWatchDigest
public import FeedWatchFetching
import FeedWatchMatching
import FeedWatchModel
public import FeedWatchStore
public import Logging

/// Everything a command needs, built from a validated configuration: the store (migrated),
/// the fetcher, the compiled matcher and the digest publisher.
public struct FeedWatchRuntime: Sendable {
    public let configuration: FeedWatchConfiguration
    public let store: any Store
    public let pipeline: FeedPipeline
    public let publisher: StoredDigestPublisher
    public let logger: Logger

    /// Opens the store (connecting and migrating, for PostgreSQL) and compiles topics. Errors
    /// name what failed and why.
    public static func open(
        configuration: FeedWatchConfiguration, access: StoreAccess = .readWrite, logger: Logger
    ) async throws -> FeedWatchRuntime {
        let store = try await openStore(configuration.storage, access: access, logger: logger)
        do {
            return try FeedWatchRuntime(
                configuration: configuration, store: store, fetcher: Self.makeFetcher(configuration.fetch), logger: logger)
        } catch {
            await store.close()
            throw error
        }
    }

    /// Opens an SQLite store synchronously and compiles topics (tests and tools that never use
    /// PostgreSQL); a PostgreSQL configuration must go through `open(configuration:logger:)`.
    public init(configuration: FeedWatchConfiguration, logger: Logger) throws {
        guard case .sqlite(let path) = configuration.storage.database else {
            throw StoreError(code: .cannotOpen, message: "PostgreSQL storage is opened with FeedWatchRuntime.open")
        }
        let store = try SQLiteStore(path: path, refreshesPerTransaction: configuration.storage.refreshesPerTransaction)
        try self.init(configuration: configuration, store: store, fetcher: Self.makeFetcher(configuration.fetch), logger: logger)
    }

    /// A runtime over an open store and a running fetcher: what a reload builds, so the
    /// database stays open and connections stay warm when only feeds or topics changed.
    /// `politeness` carries host rate limits over from the runtime being replaced, and
    /// `stories` its story index (nil: a new one, as when `[stories]` changed).
    public init(
        configuration: FeedWatchConfiguration, store: any Store, fetcher: Fetcher, logger: Logger,
        politeness: HostPoliteness = HostPoliteness(), stories: StoryIndex? = nil
    ) throws {
        self.configuration = configuration
        self.logger = logger
        self.store = store
        let matcher: TopicMatcher
        do {
            matcher = try TopicMatcher(topics: configuration.topics)
        } catch {
            throw ConfigurationError(file: configuration.path, problems: [ConfigurationProblem("topic", error.description)])
        }
        self.pipeline = FeedPipeline(
            configuration: configuration, store: store, fetcher: fetcher, matcher: matcher, logger: logger,
            politeness: politeness, stories: stories ?? StoryIndex(configuration: configuration.stories.clustering))
        self.publisher = try StoredDigestPublisher(configuration: configuration.digest, store: store)
    }

    /// A fetcher with the `[fetch]` limits, User-Agent and proxy: the one every command that
    /// fetches uses.
    public static func makeFetcher(_ fetch: FetchConfiguration) throws -> Fetcher {
        try Fetcher(configuration: fetch.fetcher)
    }

    /// Opens the configured store. The PostgreSQL password comes from the URL, else
    /// `[storage] password_file`, else `$PGPASSWORD`; it is never logged.
    public static func openStore(
        _ storage: StorageConfiguration, access: StoreAccess = .readWrite, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> any Store {
        switch storage.database {
        case .sqlite(let path):
            return try SQLiteStore(path: path, access: access, refreshesPerTransaction: storage.refreshesPerTransaction)
        case .postgres(let url):
            var configuration = try storage.postgres.storeConfiguration(url: url)
            if configuration.password == nil, let file = storage.postgres.passwordFile {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw StoreError(code: .cannotOpen, message: "storage.password_file: cannot read \(file)")
                }
                configuration.password = String(decoding: data, as: UTF8.self)
                    .split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            }
            if configuration.password == nil, let password = environment["PGPASSWORD"], !password.isEmpty {
                configuration.password = password
            }
            return try await PostgresStore.open(configuration, access: access, logger: logger)
        }
    }

    /// What one full cycle did.
    public struct CycleReport: Sendable {
        public var feeds: [FeedRefreshReport]
        public var digestFiles: [DigestPublisher.WrittenFile]
        public var newArticles: Int { feeds.reduce(0) { $0 + $1.newArticles } }
        public var newMatches: Int { feeds.reduce(0) { $0 + $1.newMatches } }
        public var failedFeeds: Int { feeds.filter { $0.error != nil }.count }
    }

    /// One full cycle, as `feedwatch run --once` does it: every configured feed is refreshed
    /// (whatever its schedule), alerts are queued, today's digest is updated with the pending
    /// matches, and the deliveries that are due are sent (failed ones wait for the next run).
    /// `onReport` hears of each feed as it finishes (progress on a terminal).
    public func runOnce(
        now: @escaping @Sendable () -> Date = Date.init, onReport: (FeedRefreshReport) -> Void = { _ in }
    ) async throws -> CycleReport {
        let feeds = try await store.syncFeeds(configuration.feeds)
        await matchPendingArticles(now: now())
        let disabled = try await store.disabledFeedIDs()
        let due = feeds.filter { !disabled.contains($0.id) }
        let reports = await pipeline.refresh(pipeline.schedule(due).scheduled, now: now, onReport: onReport)
        let digests = DigestService(runtime: self)
        // Queues alerts before collecting the pending matches into today's digest.
        let files = try await publisher.publish(now: now())
        try await digests.sendDueDeliveries(now: now())
        await pruneArticles(now: now())
        return CycleReport(feeds: reports, digestFiles: files)
    }
}

import Foundation
import FeedWatchFetching
import FeedWatchMatching
import FeedWatchModel
import FeedWatchStore
import Logging

/// Everything a command needs, built from a validated configuration: the store (migrated),
/// the fetcher, the compiled matcher and the digest publisher.
public struct FeedWatchRuntime: Sendable {
    public let configuration: FeedWatchConfiguration
    public let store: any Store
    public let pipeline: FeedPipeline
    public let publisher: DigestPublisher
    public let logger: Logger

    /// Opens the store (connecting and migrating, for PostgreSQL) and builds the runtime.
    /// Errors name what failed and why.
    public static func open(configuration: FeedWatchConfiguration, logger: Logger) async throws -> FeedWatchRuntime {
        let store = try await openStore(configuration.storage, logger: logger)
        do {
            return try FeedWatchRuntime(configuration: configuration, store: store, logger: logger)
        } catch {
            await store.close()
            throw error
        }
    }

    /// Builds the runtime around an open store and compiles topics.
    public init(configuration: FeedWatchConfiguration, store: any Store, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.store = store
        let matcher: TopicMatcher
        do {
            matcher = try TopicMatcher(topics: configuration.topics)
        } catch {
            throw ConfigurationError(file: configuration.path, problems: [ConfigurationProblem("topic", error.description)])
        }
        var fetcherConfiguration = FetcherConfiguration()
        fetcherConfiguration.maxConcurrent = configuration.fetch.concurrency
        fetcherConfiguration.maxPerHost = configuration.fetch.perHostConcurrency
        fetcherConfiguration.connectTimeout = configuration.fetch.connectTimeout.timeInterval
        fetcherConfiguration.totalTimeout = configuration.fetch.timeout.timeInterval
        fetcherConfiguration.maxBodyBytes = configuration.fetch.maxBodyBytes
        fetcherConfiguration.userAgent = configuration.fetch.userAgent
        let fetcher = try Fetcher(configuration: fetcherConfiguration)
        self.pipeline = FeedPipeline(configuration: configuration, store: store, fetcher: fetcher, matcher: matcher, logger: logger)
        self.publisher = try DigestPublisher(configuration: configuration.digest, store: store)
    }

    /// Opens the configured store. The PostgreSQL password comes from the URL, else
    /// `[storage] password_file`, else `$PGPASSWORD`; it is never logged.
    public static func openStore(
        _ storage: StorageConfiguration, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> any Store {
        switch storage.database {
        case .sqlite(let path):
            return try SQLiteStore(path: path)
        case .postgres(let url):
            var configuration = try PostgresStore.Configuration(url: url)
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
            configuration.poolSize = storage.postgres.poolSize
            configuration.operationTimeout = storage.postgres.timeout.timeInterval
            configuration.connectTimeout = storage.postgres.connectTimeout.timeInterval
            return try await PostgresStore.open(configuration, logger: logger)
        }
    }

    /// What one full cycle did.
    public struct CycleReport: Sendable {
        public var feeds: [FeedRefreshReport]
        public var digestFiles: [DigestPublisher.Output]
        public var newArticles: Int { feeds.reduce(0) { $0 + $1.newArticles } }
        public var newMatches: Int { feeds.reduce(0) { $0 + $1.newMatches } }
        public var failedFeeds: Int { feeds.filter { $0.error != nil }.count }
    }

    /// One full cycle, as `feedwatch run --once` does it: every configured feed is refreshed
    /// (whatever its schedule), then today's digest is updated with the pending matches.
    public func runOnce(now: @escaping @Sendable () -> Date = Date.init) async throws -> CycleReport {
        let feeds = try await store.syncFeeds(configuration.feeds)
        var due: [StoredFeed] = []
        for feed in feeds {
            let state = try await store.fetchState(feedID: feed.id)
            if state.disabledReason == nil { due.append(feed) }
        }
        let reports = await pipeline.refresh(due, now: now)
        let files = try await publisher.publish(now: now())
        return CycleReport(feeds: reports, digestFiles: files)
    }
}

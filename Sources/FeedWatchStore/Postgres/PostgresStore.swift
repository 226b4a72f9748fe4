import Foundation
import FeedWatchModel
public import Logging
import PostgresNIO
import Synchronization

/// The shared store: one PostgreSQL database used by several feedwatch daemons at once.
///
/// Same contract as `SQLiteStore`; what several daemons need on top (claiming due feeds with
/// a lease, building each digest once) rests on row locks, `SKIP LOCKED` and advisory locks,
/// so no coordination service is needed. Every operation is bounded by
/// `Configuration.operationTimeout`; a server that is down gives `StoreError.Code.unavailable`
/// and the connection pool reconnects by itself, with backoff, once it is back.
public final class PostgresStore: Store {
    /// Where this store connects, for messages (never the password).
    public let configuration: Configuration
    let client: PostgresClient
    /// Runs the client's connection pool; cancelled by `close()`.
    private let runner: Task<Void, Never>
    let logger: Logger
    private let counter = Atomic<Int>(0)
    /// Fetch states read by `claimDueFeeds`, each handed out once by `fetchState(feedID:)`
    /// and dropped on save or release; at most one claimed batch per daemon.
    let claimedStates = Mutex<[Int64: FetchState]>([:])
    /// The identity mode each feed had when this daemon last stored or claimed it: a refresh
    /// fingerprints its entries for it before reading the feed (see `storeDocument`). One
    /// entry per feed; a stale one costs a refresh one more look-up, never a wrong write.
    let identityModes = Mutex<[Int64: FeedIdentityMode]>([:])

    /// Statements sent to the server so far (a transaction's BEGIN and COMMIT count too),
    /// for tests and benchmarks: round trips per feed.
    public var roundTrips: Int { counter.load(ordering: .relaxed) }

    private init(configuration: Configuration, client: PostgresClient, runner: Task<Void, Never>, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.runner = runner
        self.logger = logger
    }

    deinit { runner.cancel() }

    /// Connects, brings the schema up to date (under an advisory lock, so daemons started
    /// together do not race) and starts the connection pool. Errors name the server and
    /// say why, e.g. "connection refused" or "password authentication failed".
    /// With `access: .readOnly`, migrates nothing (a schema that is not this build's is
    /// refused) and every transaction of the pool is read-only on the server.
    public static func open(
        _ configuration: Configuration, access: StoreAccess = .readWrite, logger daemonLogger: Logger
    ) async throws -> PostgresStore {
        let configuration = {
            var copy = configuration
            copy.readOnly = access == .readOnly
            return copy
        }()
        let server = configuration.server
        // postgres-nio logs statements and bound values at debug and trace levels: feed
        // content and, in principle, anything bound. Only its notices and errors get through.
        let logger = {
            var quiet = daemonLogger
            quiet.logLevel = max(quiet.logLevel, .notice)
            return quiet
        }()
        // A direct connection first: when the server is down or refuses us, this fails at
        // once with the real reason, where a pooled lease would only wait.
        do {
            try await withDeadline(seconds: configuration.connectTimeout + configuration.operationTimeout) {
                let connection = try await PostgresConnection.connect(
                    on: PostgresConnection.defaultEventLoopGroup.any(),
                    configuration: try connectionConfiguration(configuration), id: 0, logger: logger)
                do {
                    try await connection.withTransaction(logger: logger) { connection in
                        if configuration.readOnly {
                            try await PostgresMigrations.verify(connection, logger: logger)
                        } else {
                            try await PostgresMigrations.migrate(connection, logger: logger)
                        }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            }
        } catch {
            if let failure = PostgresErrorText.unwrap(error) as? PostgresMigrations.MigrationFailure {
                let lost = PostgresErrorText.code(for: failure.underlying ?? failure) == .unavailable
                throw StoreError(
                    code: lost ? .unavailable : .migrationFailed,
                    message: configuration.readOnly
                        ? "postgres \(server): \(failure.reason)"
                        : "postgres \(server): migration \"\(failure.migration)\" failed: \(failure.reason)")
            }
            throw PostgresErrorText.storeError(error, server: server, doing: "connecting")
        }
        // The pool's own warnings repeat what our errors already say (and it warns when the
        // first query beats `run()` starting, which is harmless: the query waits for it).
        var poolLogger = logger
        poolLogger.logLevel = max(logger.logLevel, .error)
        let client = PostgresClient(configuration: clientConfiguration(configuration), backgroundLogger: poolLogger)
        let runner = Task { await client.run() }
        return PostgresStore(configuration: configuration, client: client, runner: runner, logger: logger)
    }

    static func connectionConfiguration(_ c: Configuration) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch c.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try .init(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try .init(configuration: .makeClientConfiguration()))
        }
        var result = PostgresConnection.Configuration(
            host: c.host, port: c.port, username: c.username, password: c.password, database: c.database, tls: tls)
        result.options.connectTimeout = .milliseconds(Int64(c.connectTimeout * 1000))
        result.options.additionalStartupParameters = startupParameters(c)
        return result
    }

    static func clientConfiguration(_ c: Configuration) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch c.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var result = PostgresClient.Configuration(
            host: c.host, port: c.port, username: c.username, password: c.password, database: c.database, tls: tls)
        result.options.maximumConnections = c.poolSize
        result.options.minimumConnections = 0
        result.options.connectTimeout = .milliseconds(Int64(c.connectTimeout * 1000))
        result.options.additionalStartupParameters = startupParameters(c)
        return result
    }

    /// The server enforces the operation bound too, so a stuck statement does not hold locks
    /// (and leases) after the client gave up on it.
    static func startupParameters(_ c: Configuration) -> [(String, String)] {
        var parameters = [("application_name", "feedwatch"), ("statement_timeout", "\(Int(c.operationTimeout * 1000))")]
        if c.readOnly { parameters.append(("default_transaction_read_only", "on")) }
        return parameters
    }

    /// Stops the connection pool and closes its connections.
    public func close() async {
        runner.cancel()
        // Bounded too: a pool that cannot say goodbye to an unreachable server is left behind.
        let runner = self.runner
        _ = try? await withDeadline(seconds: configuration.connectTimeout) { await runner.value }
    }

    // MARK: Running statements

    /// Runs `body` within the operation bound, translating every failure into a `StoreError`
    /// that names the server and what was being done.
    @discardableResult
    func operation<T: Sendable>(_ doing: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await withDeadline(seconds: configuration.operationTimeout, body)
        } catch {
            throw PostgresErrorText.storeError(error, server: configuration.server, doing: doing)
        }
    }

    /// One statement on a pooled connection, outside any explicit transaction.
    @discardableResult
    func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        counter.add(1, ordering: .relaxed)
        return try await client.query(query, logger: logger)
    }

    /// One statement inside a transaction.
    @discardableResult
    func query(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> PostgresRowSequence {
        counter.add(1, ordering: .relaxed)
        return try await connection.query(query, logger: logger)
    }

    /// Runs `body` in one transaction (BEGIN … COMMIT, ROLLBACK on error).
    func transaction<T: Sendable>(
        _ doing: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await operation(doing) { [self] in
            counter.add(2, ordering: .relaxed)
            return try await client.withTransaction(logger: logger) { connection in
                try await body(connection)
            }
        }
    }

    // MARK: Encoding

    /// PostgreSQL text cannot hold NUL characters, which feeds do send; SQLite keeps them, and
    /// no reader can see them, so they are dropped here.
    static func clean(_ text: String) -> String {
        text.contains("\u{0}") ? text.replacingOccurrences(of: "\u{0}", with: "") : text
    }

    static func clean(_ text: String?) -> String? { text.map(clean) }

    /// Rows are sent as one JSON document read by `jsonb_to_recordset`, so a whole batch is one
    /// round trip whatever its size.
    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }
}

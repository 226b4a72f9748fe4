import FeedWatchStore
import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL server the tests may use: `$FEEDWATCH_TEST_POSTGRES_URL` (set by
/// `scripts/with-postgres.sh`, which `make test` runs). Each test gets a database of its own,
/// created for it and dropped afterwards, so tests never see each other's rows.
public enum PostgresTestServer {
    /// The server URL, nil when none is given (PostgreSQL tests then skip, or fail under
    /// `FEEDWATCH_REQUIRE_ALL=1`: see `TestRequirement.postgres`).
    public static var url: String? {
        guard let url = ProcessInfo.processInfo.environment["FEEDWATCH_TEST_POSTGRES_URL"], !url.isEmpty else { return nil }
        return url
    }

    /// Creates a uniquely named database, runs `body` with its URL, then drops it (also when
    /// `body` throws). Without a server the running test (or test case) ends as skipped, or
    /// fails under `FEEDWATCH_REQUIRE_ALL=1` (`TestRequirement.check`).
    public static func withDatabase<T: Sendable>(
        fileID: String = #fileID, filePath: String = #filePath, line: Int = #line, column: Int = #column,
        _ body: (_ url: String) async throws -> T
    ) async throws -> T {
        try TestRequirement.postgres.check(fileID: fileID, filePath: filePath, line: line, column: column)
        guard let url else { throw TestRequirement.Missing(description: TestRequirement.postgres.skipReason) }
        let admin = try PostgresStore.Configuration(url: url)
        let name = "feedwatch_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        // The name is generated here from hex digits only, so writing it into the SQL is safe.
        try await execute("CREATE DATABASE \(name)", on: admin)
        var scoped = admin
        scoped.database = name
        let result: T
        do {
            result = try await body(urlString(scoped))
        } catch {
            try? await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: admin)
            throw error
        }
        try await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: admin)
        return result
    }

    /// What went wrong, in words a failing test can show (PSQLError hides its details).
    public struct QueryFailure: Error, CustomStringConvertible {
        public var description: String
    }

    static func readable(_ error: any Error, _ sql: String) -> QueryFailure {
        guard let psql = error as? PSQLError else { return QueryFailure(description: "\(sql): \(error)") }
        let message = psql.serverInfo?[.message] ?? "\(psql.code)"
        return QueryFailure(description: "\(sql): \(message)")
    }

    /// `configuration` as a URL again, password included (tests only).
    static func urlString(_ c: PostgresStore.Configuration) -> String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = c.username
        components.password = c.password
        components.host = c.host
        components.port = c.port
        components.path = "/" + c.database
        components.queryItems = [URLQueryItem(name: "sslmode", value: c.tls.rawValue)]
        return components.string ?? ""
    }

    /// Runs one statement (DDL that cannot take bind parameters) on its own connection.
    public static func execute(_ sql: String, on c: PostgresStore.Configuration) async throws {
        let connection = try await PostgresConnection.connect(
            on: PostgresConnection.defaultEventLoopGroup.any(),
            configuration: PostgresConnection.Configuration(
                host: c.host, port: c.port, username: c.username, password: c.password, database: c.database, tls: .disable),
            id: 1, logger: quietLogger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: quietLogger)
        } catch {
            try? await connection.close()
            throw readable(error, sql)
        }
        try await connection.close()
    }

    /// One integer from one query, on its own connection (for checks the Store API does not offer).
    public static func count(_ sql: String, url: String) async throws -> Int {
        let c = try PostgresStore.Configuration(url: url)
        let connection = try await PostgresConnection.connect(
            on: PostgresConnection.defaultEventLoopGroup.any(),
            configuration: PostgresConnection.Configuration(
                host: c.host, port: c.port, username: c.username, password: c.password, database: c.database, tls: .disable),
            id: 2, logger: quietLogger)
        var value = 0
        do {
            for try await n in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: quietLogger).decode(Int.self) {
                value = n
            }
        } catch {
            try? await connection.close()
            throw readable(error, sql)
        }
        try await connection.close()
        return value
    }

    /// The first (text) column of every row of one query, on its own connection.
    public static func texts(_ sql: String, url: String) async throws -> [String] {
        let c = try PostgresStore.Configuration(url: url)
        let connection = try await PostgresConnection.connect(
            on: PostgresConnection.defaultEventLoopGroup.any(),
            configuration: PostgresConnection.Configuration(
                host: c.host, port: c.port, username: c.username, password: c.password, database: c.database, tls: .disable),
            id: 3, logger: quietLogger)
        var values: [String] = []
        do {
            for try await text in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: quietLogger).decode(String.self) {
                values.append(text)
            }
        } catch {
            try? await connection.close()
            throw readable(error, sql)
        }
        try await connection.close()
        return values
    }
}

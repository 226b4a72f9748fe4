import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import Testing

/// What only the PostgreSQL store does: URLs, connecting, migrating under a lock, errors that
/// name the server without the password, reconnecting.
@Suite struct PostgresStoreTests {
    @Test func urlsAreParsedAndNeverShowThePassword() throws {
        let c = try PostgresStore.Configuration(url: "postgres://feedwatch:s3cr%40t@db.example:6543/watch?sslmode=require")
        #expect(c.host == "db.example" && c.port == 6543 && c.username == "feedwatch" && c.database == "watch")
        #expect(c.password == "s3cr@t")
        #expect(c.tls == .require)
        #expect(c.description == "postgres://feedwatch@db.example:6543/watch")
        #expect(!c.description.contains("s3cr"))
        let plain = try PostgresStore.Configuration(url: "postgresql://u@localhost/db")
        #expect(plain.port == 5432 && plain.password == nil && plain.tls == .prefer)
        for bad in ["postgres://localhost/db", "postgres://u@localhost", "postgres://u@localhost/db?sslmode=maybe",
                    "postgres://u@localhost/db?pool=3", "mysql://u@localhost/db"] {
            #expect(throws: StoreError.self) { _ = try PostgresStore.Configuration(url: bad) }
        }
    }

    @Test func aServerThatIsDownGivesAClearErrorNamingIt() async throws {
        // A port nobody listens on: bind one, then close it.
        let port = try freeLoopbackPort()
        var c = try PostgresStore.Configuration(url: "postgres://feedwatch:topsecret@127.0.0.1:\(port)/feedwatch?sslmode=disable")
        c.connectTimeout = 2
        c.operationTimeout = 5
        await #expect {
            _ = try await PostgresStore.open(c, logger: quietLogger)
        } throws: { error in
            let text = "\(error)"
            return (error as? StoreError)?.code == .unavailable && text.contains("127.0.0.1:\(port)/feedwatch")
                && !text.contains("topsecret")
        }
    }

    @Test(.requires(.postgres)) func aWrongPasswordIsReportedWithoutRepeatingIt() async throws {
        try TestRequirement.postgres.check()
        let url = try #require(PostgresTestServer.url)
        var c = try PostgresStore.Configuration(url: url)
        c.password = "definitely-wrong-password"
        await #expect {
            _ = try await PostgresStore.open(c, logger: quietLogger)
        } throws: { error in
            let text = "\(error)"
            return (error as? StoreError)?.code == .cannotOpen && text.contains("password authentication failed")
                && text.contains(c.server) && !text.contains("definitely-wrong-password")
        }
    }

    /// Three daemons starting at the same moment on an empty database: each migration runs once.
    @Test(.requires(.postgres)) func daemonsStartingTogetherMigrateOnce() async throws {
        _ = try await PostgresTestServer.withDatabase { url in
            let c = try PostgresStore.Configuration(url: url)
            let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
                for _ in 0..<3 { group.addTask { try await PostgresStore.open(c, logger: quietLogger) } }
                var all: [PostgresStore] = []
                for try await s in group { all.append(s) }
                return all
            }
            for store in stores { await store.close() }
            #expect(try await PostgresTestServer.count("SELECT COUNT(*) FROM schema_migrations", url: url) == 14)
            // Reopening applies nothing new and keeps the data.
            let again = try await PostgresStore.open(c, logger: quietLogger)
            #expect(try await again.syncFeeds(feedSources(2)).count == 2)
            await again.close()
            #expect(try await PostgresTestServer.count("SELECT COUNT(*) FROM schema_migrations", url: url) == 14)
        }
    }

    @Test(.requires(.postgres)) func aDatabaseMigratedByANewerVersionIsRefused() async throws {
        _ = try await PostgresTestServer.withDatabase { url in
            let c = try PostgresStore.Configuration(url: url)
            let first = try await PostgresStore.open(c, logger: quietLogger)
            await first.close()
            try await PostgresTestServer.execute("INSERT INTO schema_migrations (name) VALUES ('Something from the future')", on: c)
            await #expect {
                _ = try await PostgresStore.open(c, logger: quietLogger)
            } throws: { error in
                (error as? StoreError)?.code == .migrationFailed && "\(error)".contains("newer feedwatch")
            }
        }
    }

    /// The server drops every connection (a restart, a failover): the next operations fail as
    /// "unavailable" at worst, then the pool reconnects by itself and nothing is lost.
    @Test(.requires(.postgres)) func droppedConnectionsAreReplaced() async throws {
        _ = try await PostgresTestServer.withDatabase { url in
            let c = try PostgresStore.Configuration(url: url)
            let store = try await PostgresStore.open(c, logger: quietLogger)
            let feed = try #require(try await store.syncFeeds(feedSources(1)).first)
            _ = try await store.insertNew(feedID: feed.id, entries: [entry(1)], discovered: Date())
            var admin = c
            admin.database = "postgres"
            try await PostgresTestServer.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(c.database)' AND pid <> pg_backend_pid()",
                on: admin)
            var inserted: [Article]?
            var failures: [StoreError] = []
            for _ in 0..<5 where inserted == nil {
                do {
                    inserted = try await store.insertNew(feedID: feed.id, entries: [entry(1), entry(2)], discovered: Date())
                } catch let error as StoreError {
                    failures.append(error)
                }
            }
            #expect(inserted?.map(\.title) == ["Title 2"])
            #expect(failures.allSatisfy { $0.code == .unavailable && $0.message.contains(c.server) })
            #expect(try await store.articles(since: .distantPast, limit: 10).count == 2)
            await store.close()
        }
    }
}


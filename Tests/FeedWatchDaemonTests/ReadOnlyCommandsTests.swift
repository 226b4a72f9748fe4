import Foundation
import FeedWatchStore
import FeedWatchTestSupport
import GRDB
import Testing

/// `status`, `feeds list` and `topics test` only read: they create no database, migrate no
/// schema and sync no feed list (a newer binary's `status` must not migrate a database older
/// daemons still use, and a listed feed must not become claimable by every daemon).
@Suite struct ReadOnlyCommandsTests {
    func configuration(in directory: TemporaryDirectory, feeds: [String]) throws -> String {
        let path = directory.path + "/feedwatch.toml"
        var text = "[storage]\nstate_directory = \"\(directory.path)/state\"\n\n[[topic]]\nid = \"missiles\"\nquery = \"missile\"\n"
        for feed in feeds { text += "\n[[feed]]\nurl = \"\(feed)\"\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(.requires(.feedwatchBinary))
    func readingCommandsCreateAndSyncNothing() throws {
        let directory = try TemporaryDirectory(prefix: "fw-read-only")
        let wire = "file://" + FeedWatchBinary.repository.appendingPathComponent("Config/examples/world-wire.xml").path
        let desk = "file://" + FeedWatchBinary.repository.appendingPathComponent("Config/examples/defense-desk.atom").path
        let config = try configuration(in: directory, feeds: [wire])
        let database = directory.path + "/state/feedwatch.sqlite"

        // Before the daemon ever ran: nothing is created.
        let early = try FeedWatchBinary.run(["status", "--config", config])
        #expect(early.status == 4 && early.stderr.contains("no database yet"), "\(early.stderr)")
        let listed = try FeedWatchBinary.run(["feeds", "list", "--config", config])
        #expect(listed.status == 0 && listed.stdout.contains(wire), "\(listed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: database))

        #expect(try FeedWatchBinary.run(["run", "--once", "--config", config, "--log-level", "error"]).status == 0)
        // A second feed configured afterwards: listed, but not put into the store by listing.
        _ = try configuration(in: directory, feeds: [wire, desk])
        let before = try Data(contentsOf: URL(fileURLWithPath: database))
        let list = try FeedWatchBinary.run(["feeds", "list", "--config", config])
        #expect(list.status == 0 && list.stdout.contains(desk))
        let status = try FeedWatchBinary.run(["status", "--config", config])
        #expect(status.status == 0, "\(status.stderr)")
        let backtest = try FeedWatchBinary.run(["topics", "test", "missiles", "--config", config])
        #expect(backtest.status == 0, "\(backtest.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == before, "a reading command changed the database")
        let queue = try DatabaseQueue(path: database)
        let stored = try queue.read { db in try String.fetchAll(db, sql: "SELECT url FROM feeds ORDER BY id") }
        #expect(stored == [wire])
    }

    /// An older schema is reported, not migrated, by a read-only open; a writing open migrates.
    @Test func aReadOnlyOpenRefusesAnOlderSchemaInsteadOfMigratingIt() throws {
        let directory = try TemporaryDirectory(prefix: "fw-read-only-schema")
        let path = directory.path + "/feedwatch.sqlite"
        _ = try SQLiteStore(path: path)
        let queue = try DatabaseQueue(path: path)
        // The schema as the previous release left it: without the next-check reason.
        try queue.write { db in
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = ?", arguments: ["Remember why each feed's next check is when it is"])
            try db.execute(sql: "ALTER TABLE fetch_state DROP COLUMN next_check_reason")
        }
        try queue.close()
        #expect {
            _ = try SQLiteStore(path: path, access: .readOnly)
        } throws: { error in
            "\(error)".contains("older schema")
        }
        let count = try DatabaseQueue(path: path).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations") }
        _ = try SQLiteStore(path: path)
        let migrated = try DatabaseQueue(path: path).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations") }
        #expect(migrated == (count ?? 0) + 1)
        #expect {
            _ = try SQLiteStore(path: directory.path + "/missing.sqlite", access: .readOnly)
        } throws: { error in
            "\(error)".contains("no database yet")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/missing.sqlite"))
    }

    /// On PostgreSQL a read-only open migrates nothing and every transaction is read-only.
    @Test(.requires(.postgres)) func aReadOnlyPostgresOpenNeitherMigratesNorWrites() async throws {
        _ = try await PostgresTestServer.withDatabase { url in
            let configuration = try PostgresStore.Configuration(url: url)
            await #expect {
                _ = try await PostgresStore.open(configuration, access: .readOnly, logger: quietLogger)
            } throws: { error in
                "\(error)".contains("no feedwatch schema yet")
            }
            let writer = try await PostgresStore.open(configuration, logger: quietLogger)
            _ = try await writer.syncFeeds([.init(url: "https://example.org/a.xml")])
            await writer.close()
            let reader = try await PostgresStore.open(configuration, access: .readOnly, logger: quietLogger)
            #expect(try await reader.feedStatuses().map(\.feed.url) == ["https://example.org/a.xml"])
            await #expect(throws: (any Error).self) { _ = try await reader.syncFeeds([.init(url: "https://example.org/b.xml")]) }
            await reader.close()
        }
    }
}

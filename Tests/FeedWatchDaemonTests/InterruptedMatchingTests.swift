import Foundation
import FeedWatchDaemon
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import GRDB
import Logging
import Testing

/// The database refuses a feed's match rows (a real failure: a trigger makes the real database
/// refuse them).
///
/// An ordinary refresh stores its entries, stories, matches and fetch state in one
/// transaction: the refresh fails, nothing of the document is kept, and the next fetch after
/// the database mends stores and matches every article once.
///
/// A `full_text` feed stores its entries first and matches them after extraction, in a second
/// transaction. When that one fails, the next fetch sees those articles as known, so only the
/// store's pending mark brings them back: the sweep matches them once the database works
/// again, and nothing is lost or doubled.
@Suite struct InterruptedMatchingTests {
    static let items = 9

    static func configuration(directory: String, database: String?, feedURL: String, fullText: Bool = true) throws -> FeedWatchConfiguration {
        let text = """
            [storage]
            state_directory = "\(directory)"
            \(database.map { "database = \"\($0)\"\nlease = \"60s\"" } ?? "")

            [[feed]]
            url = "\(feedURL)"
            \(fullText ? "full_text = \"always\"" : "")

            [[topic]]
            id = "missiles"
            name = "Missile tests"
            query = "missile"

            [digest]
            timezone = "UTC"
            """
        return try ConfigurationLoader.parse(text, path: directory + "/feedwatch.toml")
    }

    /// Refreshes with match recording broken, refreshes again (nothing new), mends the
    /// database, sweeps twice, and checks the counts after each step.
    static func exercise(
        _ runtime: FeedWatchRuntime, breakMatches: () async throws -> Void, mendMatches: () async throws -> Void,
        matchCount: () async throws -> Int
    ) async throws {
        let feed = try #require(try await runtime.store.syncFeeds(runtime.configuration.feeds).first)
        try await breakMatches()
        let failed = await runtime.pipeline.refresh(feed)
        #expect(failed.error?.contains("matches not recorded") == true, "\(failed.error ?? "no error")")
        #expect(try await runtime.store.articles(since: .distantPast, limit: 100).count == items)
        #expect(try await matchCount() == 0)
        let pending = try await runtime.store.articlesPendingMatch(storedBefore: .distantFuture, limit: 100)
        #expect(pending.count == items)

        // The next fetch finds nothing new: on its own it would never match those articles.
        let again = await runtime.pipeline.refresh(feed)
        #expect(again.error == nil && again.newArticles == 0 && again.newMatches == 0, "\(again)")
        #expect(try await matchCount() == 0)

        // While the database still refuses, a sweep fails, says so, and keeps them pending.
        await runtime.matchPendingArticles(now: .distantFuture)
        #expect(try await runtime.store.articlesPendingMatch(storedBefore: .distantFuture, limit: 100).count == items)

        try await mendMatches()
        await runtime.matchPendingArticles(now: .distantFuture)
        #expect(try await matchCount() == syntheticMatches(items: items))
        #expect(try await runtime.store.articlesPendingMatch(storedBefore: .distantFuture, limit: 100).isEmpty)
        await runtime.matchPendingArticles(now: .distantFuture)
        #expect(try await matchCount() == syntheticMatches(items: items))
        #expect(try await runtime.store.pendingMatchCount() == syntheticMatches(items: items))
    }

    /// The one-transaction refresh: refused matches keep the whole document out of the store.
    static func exerciseOneTransaction(
        _ runtime: FeedWatchRuntime, breakMatches: () async throws -> Void, mendMatches: () async throws -> Void,
        matchCount: () async throws -> Int
    ) async throws {
        let feed = try #require(try await runtime.store.syncFeeds(runtime.configuration.feeds).first)
        try await breakMatches()
        let failed = await runtime.pipeline.refresh(feed)
        #expect(failed.error?.contains("refresh not stored") == true, "\(failed.error ?? "no error")")
        #expect(try await runtime.store.articles(since: .distantPast, limit: 100).isEmpty)
        #expect(try await matchCount() == 0)
        #expect(try await runtime.store.articlesPendingMatch(storedBefore: .distantFuture, limit: 100).isEmpty)
        #expect(try await runtime.store.fetchState(feedID: feed.id).errorCount == 1)

        try await mendMatches()
        let mended = await runtime.pipeline.refresh(feed)
        #expect(mended.error == nil && mended.newArticles == items && mended.newMatches == syntheticMatches(items: items), "\(mended)")
        #expect(try await runtime.store.articles(since: .distantPast, limit: 100).count == items)
        #expect(try await matchCount() == syntheticMatches(items: items))
        #expect(try await runtime.store.articlesPendingMatch(storedBefore: .distantFuture, limit: 100).isEmpty)
        #expect(try await runtime.store.fetchState(feedID: feed.id).errorCount == 0)
        let again = await runtime.pipeline.refresh(feed)
        #expect(again.error == nil && again.newArticles == 0 && again.newMatches == 0, "\(again)")
        #expect(try await matchCount() == syntheticMatches(items: items))
    }

    @Test func sqliteRefreshStoresNothingWhileMatchesAreRefused() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .ok(syntheticFeed("broken", items: Self.items)) }
        let temporary = try TemporaryDirectory(prefix: "fw-pending")
        let configuration = try Self.configuration(
            directory: temporary.path, database: nil, feedURL: server.url("/broken.xml"), fullText: false)
        let runtime = try FeedWatchRuntime(configuration: configuration, logger: quietLogger)
        guard case .sqlite(let path) = configuration.storage.database else {
            Issue.record("expected SQLite storage")
            return
        }
        let admin = try DatabaseQueue(path: path)
        try await Self.exerciseOneTransaction(
            runtime,
            breakMatches: {
                try await admin.write { db in
                    try db.execute(sql: "CREATE TRIGGER fw_refuse BEFORE INSERT ON topic_matches BEGIN SELECT RAISE(ABORT, 'injected failure'); END")
                }
            },
            mendMatches: { try await admin.write { db in try db.execute(sql: "DROP TRIGGER fw_refuse") } },
            matchCount: { try await admin.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM topic_matches") ?? 0 } })
        try await server.shutdown()
    }

    /// PostgreSQL stores the entries (pending) before the matches, so an ordinary feed takes
    /// the sweep path there too.
    @Test(.requires(.postgres)) func postgresRefreshKeepsPendingArticlesWhileMatchesAreRefused() async throws {
        try TestRequirement.postgres.check()
        let server = try await LoopbackHTTPServer.start { _ in .ok(syntheticFeed("broken", items: Self.items)) }
        _ = try await PostgresTestServer.withDatabase { url in
            let temporary = try TemporaryDirectory(prefix: "fw-pending")
            let configuration = try Self.configuration(
                directory: temporary.path, database: url, feedURL: server.url("/broken.xml"), fullText: false)
            let runtime = try await FeedWatchRuntime.open(configuration: configuration, logger: quietLogger)
            let admin = try PostgresStore.Configuration(url: url)
            do {
                try await Self.exercise(
                    runtime,
                    breakMatches: {
                        try await PostgresTestServer.execute(
                            "CREATE FUNCTION fw_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$",
                            on: admin)
                        try await PostgresTestServer.execute(
                            "CREATE TRIGGER fw_refuse BEFORE INSERT ON topic_matches FOR EACH ROW EXECUTE FUNCTION fw_refuse()", on: admin)
                    },
                    mendMatches: { try await PostgresTestServer.execute("DROP TRIGGER fw_refuse ON topic_matches", on: admin) },
                    matchCount: { try await PostgresTestServer.count("SELECT COUNT(*) FROM topic_matches", url: url) })
            } catch {
                // PSQLError's description hides the server's message, and this test has failed
                // once in many runs with one: the whole error is recorded for whoever sees it next.
                Issue.record("\(String(reflecting: error))")
                await runtime.store.close()
                throw error
            }
            await runtime.store.close()
        }
        try await server.shutdown()
    }

    @Test func sqliteMatchesAreRecordedOnceTheDatabaseWorksAgain() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .ok(syntheticFeed("broken", items: Self.items)) }
        let temporary = try TemporaryDirectory(prefix: "fw-pending")
        let directory = temporary.path
        let configuration = try Self.configuration(directory: directory, database: nil, feedURL: server.url("/broken.xml"))
        let runtime = try FeedWatchRuntime(configuration: configuration, logger: quietLogger)
        guard case .sqlite(let path) = configuration.storage.database else {
            Issue.record("expected SQLite storage")
            return
        }
        // A second, independent connection to the same file, as an administrator would open.
        let admin = try DatabaseQueue(path: path)
        try await Self.exercise(
            runtime,
            breakMatches: {
                try await admin.write { db in
                    try db.execute(sql: "CREATE TRIGGER fw_refuse BEFORE INSERT ON topic_matches BEGIN SELECT RAISE(ABORT, 'injected failure'); END")
                }
            },
            mendMatches: { try await admin.write { db in try db.execute(sql: "DROP TRIGGER fw_refuse") } },
            matchCount: { try await admin.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM topic_matches") ?? 0 } })
        try await server.shutdown()
    }

    @Test(.requires(.postgres)) func postgresMatchesAreRecordedOnceTheDatabaseWorksAgain() async throws {
        try TestRequirement.postgres.check()
        let server = try await LoopbackHTTPServer.start { _ in .ok(syntheticFeed("broken", items: Self.items)) }
        _ = try await PostgresTestServer.withDatabase { url in
            let temporary = try TemporaryDirectory(prefix: "fw-pending")
            let directory = temporary.path
            let configuration = try Self.configuration(directory: directory, database: url, feedURL: server.url("/broken.xml"))
            let runtime = try await FeedWatchRuntime.open(configuration: configuration, logger: quietLogger)
            let admin = try PostgresStore.Configuration(url: url)
            do {
                try await Self.exercise(
                    runtime,
                    breakMatches: {
                        try await PostgresTestServer.execute(
                            "CREATE FUNCTION fw_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$",
                            on: admin)
                        try await PostgresTestServer.execute(
                            "CREATE TRIGGER fw_refuse BEFORE INSERT ON topic_matches FOR EACH ROW EXECUTE FUNCTION fw_refuse()", on: admin)
                    },
                    mendMatches: { try await PostgresTestServer.execute("DROP TRIGGER fw_refuse ON topic_matches", on: admin) },
                    matchCount: { try await PostgresTestServer.count("SELECT COUNT(*) FROM topic_matches", url: url) })
            } catch {
                // PSQLError's description hides the server's message, and this test has failed
                // once in many runs with one: the whole error is recorded for whoever sees it next.
                Issue.record("\(String(reflecting: error))")
                await runtime.store.close()
                throw error
            }
            await runtime.store.close()
        }
        try await server.shutdown()
    }
}

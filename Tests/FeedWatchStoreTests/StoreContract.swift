import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import Logging
import Testing

/// The two implementations of `Store`; every contract test runs against both.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

extension StoreKind {
    /// The kinds the contract tests run against: both, or SQLite alone when no PostgreSQL server
    /// is given (and `FEEDWATCH_REQUIRE_ALL` is not set). The PostgreSQL case is left out rather
    /// than cancelled because Swift Testing 6.3.1 reports a test case ended by `Test.cancel` as
    /// passed; `StoreContractCoverageTests` shows the omission as a skipped test instead.
    static var tested: [StoreKind] { TestRequirement.postgres.shouldRun ? allCases : [.sqlite] }
}

/// Stands for the PostgreSQL cases of every contract test: skipped, with the reason, when they
/// are left out; where a server is given it checks that a fresh database is an empty store.
@Suite struct StoreContractCoverageTests {
    @Test(.requires(.postgres)) func contractTestsRunAgainstPostgreSQL() async throws {
        #expect(StoreKind.tested == [.sqlite, .postgres])
        try await withFreshStore(.postgres) { store, _ in
            let feeds = try await store.syncFeeds([])
            let digests = try await store.digests()
            let pending = try await store.pendingMatchCount()
            #expect(feeds.isEmpty && digests.isEmpty && pending == 0)
        }
    }
}

/// A fresh, empty store of `kind`, and a way to open a second handle on the same database
/// (another daemon, as far as the database can tell). PostgreSQL stores get a database of
/// their own, dropped afterwards; without a server the PostgreSQL case is skipped (or fails
/// under `FEEDWATCH_REQUIRE_ALL=1`), the SQLite case still runs.
func withFreshStore(
    _ kind: StoreKind,
    _ body: (_ store: any Store, _ openAnother: @Sendable () async throws -> any Store) async throws -> Void
) async throws {
    switch kind {
    case .sqlite:
        let directory = try TemporaryDirectory(prefix: "fw-store")
        let (store, path) = try makeStore(in: directory)
        try await body(store, { try SQLiteStore(path: path) })
    case .postgres:
        _ = try await PostgresTestServer.withDatabase { url in
            let open: @Sendable () async throws -> any Store = {
                try await PostgresStore.open(try PostgresStore.Configuration(url: url), logger: quietLogger)
            }
            let store = try await open()
            do {
                try await body(store, open)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        }
    }
}

/// A fresh SQLite database file in a directory the store creates inside `directory`.
func makeStore(in directory: TemporaryDirectory) throws -> (SQLiteStore, String) {
    let path = directory.path + "/db/feedwatch.sqlite"
    return (try SQLiteStore(path: path), path)
}

func entry(_ n: Int, feedTag: String = "a") -> Entry {
    Entry(id: "guid-\(feedTag)-\(n)", title: "Title \(n)", link: "https://example.org/\(n)",
          summary: FeedText(plain: "Summary \(n)"))
}

func feedSources(_ count: Int) -> [FeedSource] {
    (0..<count).map { FeedSource(url: "https://example.org/feed/\($0)", name: "Feed \($0)") }
}

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

/// A fresh, empty store of `kind`, and a way to open a second handle on the same database
/// (another daemon, as far as the database can tell). PostgreSQL stores get a database of
/// their own, dropped afterwards; without a server the test prints why it skips and passes.
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

import CSQLiteShims
import FeedWatchModel
@testable import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import GRDB
import Testing

/// `SQLiteStore.processSettings`: the first store a process opens turns SQLite's memory
/// statistics off (one process-wide mutex taken by every allocation SQLite makes otherwise).
/// Each check runs in a fresh process (an exit test), where no connection has initialised
/// SQLite yet: in the test process, other suites open connections in any order.
@Suite struct SQLiteProcessSettingsTests {
    @Test func aFreshProcessCountsSQLiteMemoryUntilTheFirstStoreOpens() async {
        // The probe itself: without the store, SQLite counts what it allocates (Debian's default).
        await #expect(processExitsWith: .success) {
            guard feedwatch_sqlite_memory_statistics_enabled() == 1 else { exit(1) }
        }
    }

    @Test func theFirstStoreTurnsSQLiteMemoryStatisticsOff() async {
        await #expect(processExitsWith: .success) {
            let directory = try! TemporaryDirectory(prefix: "fw-sqlite-settings")
            let store = try! SQLiteStore(path: directory.path + "/feedwatch.sqlite")
            // The store works as before: a feed added is read back.
            let stored = try! await store.syncFeeds([FeedSource(url: "https://example.com/feed.xml")])
            guard stored.count == 1 else { exit(2) }
            guard feedwatch_sqlite_memory_statistics_enabled() == 0 else { exit(3) }
            // SQLite is initialised now: the setting can no longer change (SQLITE_MISUSE).
            guard feedwatch_sqlite_disable_memory_statistics() == 21 else { exit(4) }
        }
    }

    /// The log collects `walCheckpointPages` pages before a commit checkpoints it, on every
    /// connection the store opens, and is cut back to that many pages' bytes afterwards.
    @Test func everyConnectionCheckpointsTheLogEveryTenThousandPages() async throws {
        let directory = try TemporaryDirectory(prefix: "fw-sqlite-settings")
        let store = try SQLiteStore(path: directory.path + "/feedwatch.sqlite")
        let writer = try await store.pool.write { db in
            (try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint"), try Int.fetchOne(db, sql: "PRAGMA journal_size_limit"),
             try Int.fetchOne(db, sql: "PRAGMA page_size"))
        }
        let reader = try await store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") }
        #expect(SQLiteStore.walCheckpointPages == 10_000)
        #expect(writer.0 == SQLiteStore.walCheckpointPages)
        #expect(writer.2 == 4096)
        #expect(writer.1 == SQLiteStore.walCheckpointPages * 4096)
        #expect(reader == SQLiteStore.walCheckpointPages)
    }
}

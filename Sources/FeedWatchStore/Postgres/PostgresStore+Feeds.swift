import Foundation
public import FeedWatchModel
import PostgresNIO
import Synchronization

/// Feeds, fetch state and articles.
extension PostgresStore {
    /// Serialises `syncFeeds` between daemons: two daemons starting together would otherwise
    /// update the same feed rows in different orders and deadlock. "fwsync" in ASCII.
    static let syncLockKey: Int64 = 0x6677_7379_6E63

    struct FeedRow: Encodable {
        var url: String
        var name: String?
        var tags: String
        var position: Int
    }

    public func syncFeeds(_ sources: [FeedSource]) async throws -> [StoredFeed] {
        let rows = sources.enumerated().map { position, source in
            FeedRow(url: Self.clean(source.url), name: Self.clean(source.name), tags: SQLiteStore.encodeTags(source.tags), position: position)
        }
        let document = try Self.json(rows)
        let now = Date()
        return try await transaction("sync feeds") { [self] connection in
            try await query("SELECT pg_advisory_xact_lock(\(Self.syncLockKey))", on: connection)
            try await query("UPDATE feeds SET active = FALSE WHERE active", on: connection)
            try await query(
                """
                INSERT INTO feeds (url, name, tags, active, position, created_at)
                SELECT x.url, x.name, x.tags, TRUE, x.position, \(now)
                FROM jsonb_to_recordset(\(document)::jsonb) AS x(url TEXT, name TEXT, tags TEXT, position INTEGER)
                ON CONFLICT (url) DO UPDATE SET name = excluded.name, tags = excluded.tags, active = TRUE,
                    position = excluded.position
                """, on: connection)
            try await query("INSERT INTO fetch_state (feed_id) SELECT id FROM feeds ON CONFLICT DO NOTHING", on: connection)
            return try await Self.feeds(query(Self.activeFeedsQuery, on: connection))
        }
    }

    static let activeFeedsQuery: PostgresQuery =
        "SELECT id, url, name, title, tags, created_at FROM feeds WHERE active ORDER BY position, id"

    static func feeds(_ rows: PostgresRowSequence) async throws -> [StoredFeed] {
        var feeds: [StoredFeed] = []
        for try await (id, url, name, title, tags, created) in rows.decode((Int64, String, String?, String?, String, Date?).self) {
            feeds.append(StoredFeed(id: id, url: url, name: name, title: title, tags: SQLiteStore.decodeTags(tags), watchedSince: created))
        }
        return feeds
    }

    public func activeFeeds() async throws -> [StoredFeed] {
        try await operation("read feeds") { [self] in try await Self.feeds(query(Self.activeFeedsQuery)) }
    }

    public func updateFeedTitle(feedID: Int64, title: String) async throws {
        let title = Self.clean(title)
        try await operation("update feed title") { [self] in
            try await query("UPDATE feeds SET title = \(title) WHERE id = \(feedID)")
        }
    }

    // MARK: Fetch state

    static let fetchStateColumns = """
        s.etag, s.last_modified, s.last_fetched_at, s.last_success_at, s.next_check_at, s.error_count, s.last_error,
        s.last_status, s.disabled_reason, s.moved_to, s.last_full_fetch_at, s.next_check_reason
        """

    typealias FetchStateColumns = (String?, String?, Date?, Date?, Date?, Int, String?, Int?, String?, String?, Date?, String?)

    static func fetchState(_ c: FetchStateColumns) -> FetchState {
        FetchState(
            etag: c.0, lastModified: c.1, lastFetched: c.2, lastSuccess: c.3, nextCheck: c.4, errorCount: c.5,
            lastError: c.6, lastStatus: c.7, disabledReason: c.8, movedTo: c.9, lastFullFetch: c.10, nextCheckReason: c.11)
    }

    public func fetchState(feedID: Int64) async throws -> FetchState {
        // Just claimed by this daemon: the claim already read it, under the lease that keeps
        // every other daemon from changing it. Saves one round trip per feed.
        if let claimed = claimedStates.withLock({ $0.removeValue(forKey: feedID) }) { return claimed }
        return try await operation("read fetch state") { [self] in
            let rows = try await query(PostgresQuery(
                unsafeSQL: "SELECT \(Self.fetchStateColumns) FROM fetch_state s WHERE s.feed_id = $1",
                binds: try Self.binds(feedID)))
            // Read to the end (not return from inside the loop), so the pooled connection is
            // handed back with its result fully consumed.
            var state: FetchState?
            for try await columns in rows.decode(FetchStateColumns.self) { state = Self.fetchState(columns) }
            guard let state else { throw StoreError(code: .unknownFeed, message: "no feed with id \(feedID)") }
            return state
        }
    }

    /// A feed from the first six cells: id, url, name, title, tags, created_at.
    static func feed(_ r: PostgresRandomAccessRow) throws -> StoredFeed {
        StoredFeed(
            id: try r[0].decode(Int64.self), url: try r[1].decode(String.self), name: try r[2].decode(String?.self),
            title: try r[3].decode(String?.self), tags: SQLiteStore.decodeTags(try r[4].decode(String.self)),
            watchedSince: try r[5].decode(Date?.self))
    }

    /// The number of cells in `fetchStateColumns`.
    static let fetchStateColumnCount = 12

    /// A fetch state from the cells of `fetchStateColumns`, starting at `first`.
    static func fetchState(_ r: PostgresRandomAccessRow, from first: Int) throws -> FetchState {
        FetchState(
            etag: try r[first].decode(String?.self), lastModified: try r[first + 1].decode(String?.self),
            lastFetched: try r[first + 2].decode(Date?.self), lastSuccess: try r[first + 3].decode(Date?.self),
            nextCheck: try r[first + 4].decode(Date?.self), errorCount: try r[first + 5].decode(Int.self),
            lastError: try r[first + 6].decode(String?.self), lastStatus: try r[first + 7].decode(Int?.self),
            disabledReason: try r[first + 8].decode(String?.self), movedTo: try r[first + 9].decode(String?.self),
            lastFullFetch: try r[first + 10].decode(Date?.self), nextCheckReason: try r[first + 11].decode(String?.self))
    }

    static func binds(_ values: any PostgresEncodable...) throws -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values { try bindings.append(value) }
        return bindings
    }

    public func disabledFeedIDs() async throws -> Set<Int64> {
        try await operation("read fetch state") { [self] in
            var disabled = Set<Int64>()
            for try await id in try await query("SELECT feed_id FROM fetch_state WHERE disabled_reason IS NOT NULL").decode(Int64.self) {
                disabled.insert(id)
            }
            return disabled
        }
    }

    public func saveFetchState(feedID: Int64, _ state: FetchState) async throws {
        claimedStates.withLock { _ = $0.removeValue(forKey: feedID) }
        let lastError = Self.clean(state.lastError)
        try await operation("save fetch state") { [self] in
            try await query(
                """
                INSERT INTO fetch_state (feed_id, etag, last_modified, last_fetched_at, last_success_at,
                    next_check_at, error_count, last_error, last_status, disabled_reason, moved_to, last_full_fetch_at,
                    next_check_reason)
                VALUES (\(feedID), \(state.etag), \(state.lastModified), \(state.lastFetched), \(state.lastSuccess),
                    \(state.nextCheck), \(state.errorCount), \(lastError), \(state.lastStatus), \(state.disabledReason),
                    \(state.movedTo), \(state.lastFullFetch), \(state.nextCheckReason))
                ON CONFLICT (feed_id) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
                    last_fetched_at = excluded.last_fetched_at, last_success_at = excluded.last_success_at,
                    next_check_at = excluded.next_check_at, error_count = excluded.error_count,
                    last_error = excluded.last_error, last_status = excluded.last_status,
                    disabled_reason = excluded.disabled_reason, moved_to = excluded.moved_to,
                    last_full_fetch_at = excluded.last_full_fetch_at, next_check_reason = excluded.next_check_reason
                """)
        }
    }

    // MARK: Articles

    public func feedStatuses() async throws -> [FeedStatus] {
        try await operation("read feed status") { [self] in
            let rows = try await query(PostgresQuery(
                unsafeSQL: """
                    SELECT f.id, f.url, f.name, f.title, f.tags, f.created_at, \(Self.fetchStateColumns),
                        (SELECT COUNT(*) FROM articles a WHERE a.feed_id = f.id), f.identity_mode
                    FROM feeds f JOIN fetch_state s ON s.feed_id = f.id
                    WHERE f.active ORDER BY f.position, f.id
                    """,
                binds: PostgresBindings()))
            var statuses: [FeedStatus] = []
            for try await row in rows {
                // 19 columns is more than a decoding tuple takes: read the cells one by one.
                let r = PostgresRandomAccessRow(row)
                let count = Self.fetchStateColumnCount
                statuses.append(FeedStatus(
                    feed: try Self.feed(r), state: try Self.fetchState(r, from: 6), articleCount: try r[6 + count].decode(Int.self),
                    identityMode: FeedIdentityMode(rawValue: try r[7 + count].decode(String.self)) ?? .guid))
            }
            return statuses
        }
    }
}

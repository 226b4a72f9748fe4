import Foundation
import PostgresNIO
import Synchronization

/// Fetch states of many feeds at once: what a refresh wave reads before its fetches and the
/// group commit of its routine (304) outcomes, each one round trip whatever the number of feeds.
extension PostgresStore {
    public func fetchStates(feedIDs: [Int64]) async throws -> [Int64: FetchState] {
        // Feeds just claimed by this daemon: the claim read their states under the lease that
        // keeps every other daemon from changing them, so only the others are read.
        var states: [Int64: FetchState] = [:]
        var missing: [Int64] = []
        claimedStates.withLock { claimed in
            for id in feedIDs {
                if let state = claimed.removeValue(forKey: id) { states[id] = state } else { missing.append(id) }
            }
        }
        guard !missing.isEmpty else { return states }
        let ids = missing
        let read = try await operation("read fetch states") { [self] in
            let rows = try await query(PostgresQuery(
                unsafeSQL: "SELECT s.feed_id, \(Self.fetchStateColumns) FROM fetch_state s WHERE s.feed_id = ANY($1)",
                binds: try Self.binds(ids)))
            var read: [Int64: FetchState] = [:]
            for try await row in rows {
                let r = PostgresRandomAccessRow(row)
                read[try r[0].decode(Int64.self)] = try Self.fetchState(r, from: 1)
            }
            return read
        }
        states.merge(read) { claimed, _ in claimed }
        return states
    }

    /// One fetch state as a row of `saveFetchStates`' JSON document. Times are microseconds
    /// since 2000-01-01, what PostgresNIO binds a `Date` as, so both ways store the same instant.
    struct FetchStateRow: Encodable {
        var feed: Int64
        var etag: String?
        var modified: String?
        var fetched: Int64?
        var success: Int64?
        var next: Int64?
        var errors: Int
        var error: String?
        var status: Int?
        var disabled: String?
        var moved: String?
        var whole: Int64?
        var reason: String?

        init(feedID: Int64, _ state: FetchState) {
            func micros(_ date: Date?) -> Int64? {
                date.map { Int64($0.timeIntervalSince(FetchStateRow.postgresEpoch) * 1_000_000) }
            }
            // jsonb refuses NUL characters, like text columns.
            feed = feedID
            etag = PostgresStore.clean(state.etag)
            modified = PostgresStore.clean(state.lastModified)
            fetched = micros(state.lastFetched)
            success = micros(state.lastSuccess)
            next = micros(state.nextCheck)
            errors = state.errorCount
            error = PostgresStore.clean(state.lastError)
            status = state.lastStatus
            disabled = PostgresStore.clean(state.disabledReason)
            moved = PostgresStore.clean(state.movedTo)
            whole = micros(state.lastFullFetch)
            reason = PostgresStore.clean(state.nextCheckReason)
        }

        static let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)
    }

    public func saveFetchStates(_ states: [Int64: FetchState]) async throws {
        guard !states.isEmpty else { return }
        claimedStates.withLock { claimed in
            for id in states.keys { claimed.removeValue(forKey: id) }
        }
        let document = try Self.json(states.map { FetchStateRow(feedID: $0.key, $0.value) })
        try await operation("save fetch states") { [self] in
            // In feed order: two statements saving overlapping groups lock the rows in one order.
            try await query(
                """
                INSERT INTO fetch_state (feed_id, etag, last_modified, last_fetched_at, last_success_at,
                    next_check_at, error_count, last_error, last_status, disabled_reason, moved_to, last_full_fetch_at,
                    next_check_reason)
                SELECT x.feed, x.etag, x.modified, e.t + x.fetched * interval '1 microsecond', e.t + x.success * interval '1 microsecond',
                    e.t + x.next * interval '1 microsecond', x.errors, x.error, x.status, x.disabled, x.moved,
                    e.t + x.whole * interval '1 microsecond', x.reason
                FROM jsonb_to_recordset(\(document)::jsonb) AS x(feed BIGINT, etag TEXT, modified TEXT, fetched BIGINT,
                    success BIGINT, next BIGINT, errors INTEGER, error TEXT, status INTEGER, disabled TEXT, moved TEXT,
                    whole BIGINT, reason TEXT),
                    (SELECT timestamptz '2000-01-01 00:00:00+00' AS t) AS e
                ORDER BY x.feed
                ON CONFLICT (feed_id) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
                    last_fetched_at = excluded.last_fetched_at, last_success_at = excluded.last_success_at,
                    next_check_at = excluded.next_check_at, error_count = excluded.error_count,
                    last_error = excluded.last_error, last_status = excluded.last_status,
                    disabled_reason = excluded.disabled_reason, moved_to = excluded.moved_to,
                    last_full_fetch_at = excluded.last_full_fetch_at, next_check_reason = excluded.next_check_reason
                """)
        }
    }
}

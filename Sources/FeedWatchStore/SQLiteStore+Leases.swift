public import Foundation
public import FeedWatchModel
import GRDB

/// Work sharing on SQLite. One SQLite file is shared only by processes on one machine, and
/// its write transactions are serialised, so a plain transaction is enough to hand each due
/// feed to one owner; the columns and rules are the same as PostgreSQL's.
extension SQLiteStore {
    public func claimDueFeeds(owner: String, now: Date, lease: TimeInterval, limit: Int) async throws -> [StoredFeed] {
        guard limit > 0 else { return [] }
        return try await write("claim due feeds") { db in
            let nowSeconds = now.timeIntervalSince1970
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT f.id, f.url, f.name, f.title, f.tags, f.created_at FROM feeds f JOIN fetch_state s ON s.feed_id = f.id
                    WHERE f.active = 1 AND s.disabled_reason IS NULL
                        AND (s.next_check_at IS NULL OR s.next_check_at <= ?)
                        AND (s.lease_until IS NULL OR s.lease_until < ?)
                    ORDER BY s.next_check_at IS NOT NULL, s.next_check_at, f.position, f.id
                    LIMIT ?
                    """,
                arguments: [nowSeconds, nowSeconds, limit])
            let feeds = rows.map(Self.feed(from:))
            let statement = try db.makeStatement(sql: "UPDATE fetch_state SET lease_owner = ?, lease_until = ? WHERE feed_id = ?")
            for feed in feeds {
                try statement.execute(arguments: [owner, nowSeconds + lease, feed.id])
            }
            return feeds
        }
    }

    public func releaseLeases(feedIDs: [Int64], owner: String) async throws {
        guard !feedIDs.isEmpty else { return }
        try await write("release leases") { db in
            let statement = try db.makeStatement(
                sql: "UPDATE fetch_state SET lease_owner = NULL, lease_until = NULL WHERE feed_id = ? AND lease_owner = ?")
            for id in feedIDs {
                try statement.execute(arguments: [id, owner])
            }
        }
    }

    @discardableResult
    public func renewLeases(feedIDs: [Int64], owner: String, until: Date) async throws -> Int {
        guard !feedIDs.isEmpty else { return 0 }
        return try await write("renew leases") { db in
            let statement = try db.makeStatement(
                sql: "UPDATE fetch_state SET lease_until = ? WHERE feed_id = ? AND lease_owner = ?")
            var renewed = 0
            for id in feedIDs {
                try statement.execute(arguments: [until.timeIntervalSince1970, id, owner])
                renewed += db.changesCount
            }
            return renewed
        }
    }

    public func leaseOwners(now: Date) async throws -> [String] {
        try await read("list lease owners") { db in
            try String.fetchAll(
                db, sql: "SELECT DISTINCT lease_owner FROM fetch_state WHERE lease_owner IS NOT NULL AND lease_until >= ? ORDER BY 1",
                arguments: [now.timeIntervalSince1970])
        }
    }

    @discardableResult
    public func releaseAllLeases(owners: [String]) async throws -> Int {
        guard !owners.isEmpty else { return 0 }
        return try await write("release leases") { db in
            var released = 0
            for owner in owners {
                try db.execute(
                    sql: "UPDATE fetch_state SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?", arguments: [owner])
                released += db.changesCount
            }
            return released
        }
    }

    public func nextClaimableDate() async throws -> Date? {
        try await read("find the next due feed") { db in
            let seconds = try Double.fetchOne(db, sql: """
                SELECT MIN(MAX(COALESCE(s.next_check_at, 0), COALESCE(s.lease_until, 0)))
                FROM feeds f JOIN fetch_state s ON s.feed_id = f.id
                WHERE f.active = 1 AND s.disabled_reason IS NULL
                """)
            return seconds.map(Date.init(timeIntervalSince1970:))
        }
    }

    public func feedScheduleSummary(now: Date) async throws -> FeedScheduleSummary {
        try await read("read the feed schedule") { db in
            let enabled = "s.disabled_reason IS NULL"
            let due = "(s.next_check_at IS NULL OR s.next_check_at <= ?)"
            let row = try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS total, COALESCE(SUM(s.error_count > 0), 0) AS failing,
                    COALESCE(SUM(\(enabled) AND \(due)), 0) AS due,
                    MIN(CASE WHEN \(enabled) AND NOT \(due) THEN s.next_check_at END) AS next_check
                FROM feeds f JOIN fetch_state s ON s.feed_id = f.id
                WHERE f.active = 1
                """, arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970])
            let next: Double? = row?["next_check"]
            return FeedScheduleSummary(
                total: row?["total"] ?? 0, failing: row?["failing"] ?? 0, due: row?["due"] ?? 0,
                nextCheck: next.map(Date.init(timeIntervalSince1970:)))
        }
    }

    public func buildDigestOnce(day: String, timeZone: String, now: Date) async throws -> DigestRecord? {
        try await write("build digest \(day)") { db in
            try db.execute(
                sql: "INSERT INTO digests (day, time_zone, created_at) VALUES (?, ?, ?) ON CONFLICT(day) DO NOTHING",
                arguments: [day, timeZone, now.timeIntervalSince1970])
            // No row changed: the digest existed, so someone else built it.
            guard db.changesCount == 1 else { return nil }
            let id = db.lastInsertedRowID
            let assigned = try Self.assignPendingMatches(db, to: id)
            return DigestRecord(id: id, day: day, timeZone: timeZone, created: now, matchCount: assigned)
        }
    }

    public func close() async {}
}

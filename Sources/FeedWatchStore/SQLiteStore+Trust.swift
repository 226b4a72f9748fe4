public import Foundation
public import FeedWatchModel
import GRDB

/// What digests say about the watching itself on SQLite: when feeds started being watched
/// (backfill), how active they are (silent feeds), the health frozen with each digest, and
/// the stories readers dismissed.
extension SQLiteStore {
    public func feedWatchedSince(feedID: Int64) async throws -> Date? {
        try await read("read when a feed was added") { db in
            try Double.fetchOne(db, sql: "SELECT created_at FROM feeds WHERE id = ?", arguments: [feedID]).map(Date.init(timeIntervalSince1970:))
        }
    }

    public func firstFeedWatched() async throws -> Date? {
        try await read("read when watching started") { db in
            try Double.fetchOne(db, sql: "SELECT MIN(created_at) FROM feeds").map(Date.init(timeIntervalSince1970:))
        }
    }

    public func feedActivity() async throws -> [Int64: FeedActivity] {
        try await read("read feed activity") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT a.feed_id, COUNT(*) AS entries, MIN(COALESCE(a.published_at, a.discovered_at)) AS oldest,
                    MAX(COALESCE(a.published_at, a.discovered_at)) AS newest
                FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE f.active = 1 GROUP BY a.feed_id
                """)
            var activity: [Int64: FeedActivity] = [:]
            for row in rows {
                activity[row["feed_id"]] = FeedActivity(
                    entries: row["entries"], oldest: Date(timeIntervalSince1970: row["oldest"]), newest: Date(timeIntervalSince1970: row["newest"]))
            }
            return activity
        }
    }

    public func digestHealth(day: String) async throws -> String? {
        try await read("read digest health") { db in
            try String.fetchOne(db, sql: "SELECT health FROM digests WHERE day = ?", arguments: [day])
        }
    }

    public func recordDigestHealth(day: String, health: String) async throws -> String {
        try await write("record digest health") { db in
            try db.execute(sql: "UPDATE digests SET health = ? WHERE day = ? AND health IS NULL", arguments: [health, day])
            return try String.fetchOne(db, sql: "SELECT health FROM digests WHERE day = ?", arguments: [day]) ?? health
        }
    }

    public func dismiss(articleID: Int64, topicID: String, at: Date) async throws -> Dismissal? {
        try await write("dismiss a story") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, title, story_id FROM articles WHERE id = ?", arguments: [articleID]) else {
                return nil
            }
            let story: Int64 = (row["story_id"] as Int64?) ?? row["id"]
            let title: String = row["title"]
            try db.execute(
                sql: """
                    INSERT INTO dismissals (topic_id, story_id, title, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(topic_id, story_id) DO NOTHING
                    """,
                arguments: [topicID, story, title, at.timeIntervalSince1970])
            return try Self.fetchDismissals(db).first { $0.topicID == topicID && $0.storyID == story }
        }
    }

    public func dismissals() async throws -> [Dismissal] {
        try await read("read dismissals") { db in try Self.fetchDismissals(db) }
    }

    public func digestTopicCounts() async throws -> [String: [TopicCount]] {
        try await read("count matches per digest and topic") { db in
            var counts: [String: [TopicCount]] = [:]
            // Grouped by digest id and topic, the order of `topic_matches_digest_order`: no
            // match is sorted, whatever the days hold.
            for row in try Row.fetchAll(db, sql: """
                SELECT d.day, c.topic_id, c.name, c.n FROM (
                    SELECT m.digest_id, m.topic_id, MAX(m.topic_name) AS name, COUNT(*) AS n
                    FROM topic_matches m WHERE m.digest_id IS NOT NULL
                    GROUP BY m.digest_id, m.topic_id) c
                JOIN digests d ON d.id = c.digest_id
                ORDER BY d.day, c.topic_id
                """) {
                counts[row["day"], default: []].append(TopicCount(topicID: row["topic_id"], name: row["name"], count: row["n"]))
            }
            return counts
        }
    }

    static func fetchDismissals(_ db: Database) throws -> [Dismissal] {
        try Row.fetchAll(db, sql: "SELECT topic_id, story_id, title, created_at FROM dismissals ORDER BY created_at, id").map { row in
            Dismissal(topicID: row["topic_id"], storyID: row["story_id"], title: row["title"], created: Date(timeIntervalSince1970: row["created_at"]))
        }
    }
}

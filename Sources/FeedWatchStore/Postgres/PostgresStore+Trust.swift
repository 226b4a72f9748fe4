public import Foundation
public import FeedWatchModel
import PostgresNIO

/// What digests say about the watching itself, on PostgreSQL: the same rows and semantics as
/// `SQLiteStore+Trust`.
extension PostgresStore {
    public func feedWatchedSince(feedID: Int64) async throws -> Date? {
        try await operation("read when a feed was added") { [self] in
            try await Self.single(query("SELECT created_at FROM feeds WHERE id = \(feedID)"), Date.self)
        }
    }

    public func firstFeedWatched() async throws -> Date? {
        try await operation("read when watching started") { [self] in
            var first: Date?
            for try await value in try await query("SELECT MIN(created_at) FROM feeds").decode(Date?.self) { first = value }
            return first
        }
    }

    public func feedActivity() async throws -> [Int64: FeedActivity] {
        try await operation("read feed activity") { [self] in
            let rows = try await query(
                """
                SELECT a.feed_id, COUNT(*), MIN(COALESCE(a.published_at, a.discovered_at)), MAX(COALESCE(a.published_at, a.discovered_at))
                FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE f.active GROUP BY a.feed_id
                """)
            var activity: [Int64: FeedActivity] = [:]
            for try await (feed, entries, oldest, newest) in rows.decode((Int64, Int, Date, Date).self) {
                activity[feed] = FeedActivity(entries: entries, oldest: oldest, newest: newest)
            }
            return activity
        }
    }

    public func digestHealth(day: String) async throws -> String? {
        try await operation("read digest health") { [self] in
            var health: String?
            for try await value in try await query("SELECT health FROM digests WHERE day = \(day)").decode(String?.self) { health = value }
            return health
        }
    }

    public func recordDigestHealth(day: String, health: String) async throws -> String {
        let health = Self.clean(health)
        return try await transaction("record digest health") { [self] connection in
            try await query("UPDATE digests SET health = \(health) WHERE day = \(day) AND health IS NULL", on: connection)
            var recorded: String?
            for try await value in try await query("SELECT health FROM digests WHERE day = \(day)", on: connection).decode(String?.self) {
                recorded = value
            }
            return recorded ?? health
        }
    }

    public func dismiss(articleID: Int64, topicID: String, at: Date) async throws -> Dismissal? {
        try await transaction("dismiss a story") { [self] connection in
            var found: (Int64, String, Int64?)?
            for try await row in try await query(
                "SELECT id, title, story_id FROM articles WHERE id = \(articleID)", on: connection).decode((Int64, String, Int64?).self) {
                found = row
            }
            guard let (id, title, storyID) = found else { return nil }
            let story = storyID ?? id
            let cleanTitle = Self.clean(title)
            try await query(
                """
                INSERT INTO dismissals (topic_id, story_id, title, created_at) VALUES (\(topicID), \(story), \(cleanTitle), \(at))
                ON CONFLICT (topic_id, story_id) DO NOTHING
                """, on: connection)
            return try await Self.dismissals(query(Self.dismissalsQuery, on: connection))
                .first { $0.topicID == topicID && $0.storyID == story }
        }
    }

    public func dismissals() async throws -> [Dismissal] {
        try await operation("read dismissals") { [self] in try await Self.dismissals(query(Self.dismissalsQuery)) }
    }

    public func digestTopicCounts() async throws -> [String: [TopicCount]] {
        try await operation("count matches per digest and topic") { [self] in
            let rows = try await query(
                """
                SELECT d.day, m.topic_id, MAX(m.topic_name), COUNT(*)
                FROM topic_matches m JOIN digests d ON d.id = m.digest_id
                GROUP BY d.day, m.topic_id ORDER BY d.day, m.topic_id
                """)
            var counts: [String: [TopicCount]] = [:]
            for try await (day, topic, name, count) in rows.decode((String, String, String, Int).self) {
                counts[day, default: []].append(TopicCount(topicID: topic, name: name, count: count))
            }
            return counts
        }
    }

    static let dismissalsQuery: PostgresQuery = "SELECT topic_id, story_id, title, created_at FROM dismissals ORDER BY created_at, id"

    static func dismissals(_ rows: PostgresRowSequence) async throws -> [Dismissal] {
        var dismissals: [Dismissal] = []
        for try await (topic, story, title, created) in rows.decode((String, Int64, String, Date).self) {
            dismissals.append(Dismissal(topicID: topic, storyID: story, title: title, created: created))
        }
        return dismissals
    }
}

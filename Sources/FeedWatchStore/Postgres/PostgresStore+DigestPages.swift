public import FeedWatchModel
import Foundation
import PostgresNIO

// A day's digest read in two steps, as `SQLiteStore+DigestPages`: its index, then its items a
// page at a time.
extension PostgresStore {
    public func digestIndex(day: String) async throws -> DigestIndex? {
        try await transaction("read digest index \(day)") { [self] connection in
            let head = try await query("SELECT id, day, time_zone, created_at FROM digests WHERE day = \(day)", on: connection)
            var found: (Int64, String, String, Date)?
            for try await row in head.decode((Int64, String, String, Date).self) { found = row }
            guard let (id, storedDay, zone, created) = found else { return nil }
            let rows = try await query(
                """
                SELECT m.topic_id, m.topic_name, a.id, a.title, a.link, a.story_id
                FROM topic_matches m
                JOIN articles a ON a.id = m.article_id
                WHERE m.digest_id = \(id)
                ORDER BY m.topic_id, m.score DESC, a.published_at DESC NULLS LAST, a.id
                """, on: connection)
            var builder = DigestIndexBuilder()
            for try await c in rows.decode((String, String, Int64, String, String?, Int64?).self) {
                builder.add(topicID: c.0, topicName: c.1, articleID: c.2, storyID: c.5, title: c.3, link: c.4)
            }
            return builder.index(id: id, day: storedDay, timeZone: zone, created: created)
        }
    }

    public func digestItems(digestID: Int64, topicID: String, articleIDs: [Int64], sourcesPerStory: Int) async throws -> [Digest.Item] {
        guard !articleIDs.isEmpty else { return [] }
        return try await transaction("read digest items") { [self] connection in
            let rows = try await query(
                """
                SELECT m.score, m.snippets, a.id, a.title, a.link, a.published_at, COALESCE(f.name, f.title, f.url), a.story_id
                FROM topic_matches m
                JOIN articles a ON a.id = m.article_id
                JOIN feeds f ON f.id = a.feed_id
                WHERE m.digest_id = \(digestID) AND m.topic_id = \(topicID) AND m.article_id = ANY(\(articleIDs))
                """, on: connection)
            var found: [Int64: Digest.Item] = [:]
            var storyOf: [Int64: Int64] = [:]
            for try await c in rows.decode((Double, String, Int64, String, String?, Date?, String, Int64?).self) {
                found[c.2] = Digest.Item(
                    articleID: c.2, title: c.3, link: c.4, feedName: c.6, published: c.5, score: c.0,
                    snippets: SnippetJSON.decode(c.1), storyID: c.7)
                if let story = c.7 { storyOf[c.2] = story }
            }
            var sections = [Digest.Section(topic: TopicReference(id: topicID, name: topicID), items: articleIDs.compactMap { found[$0] })]
            found = [:]
            try await collapseStories(&sections, storyOf: storyOf, sourcesPerStory: sourcesPerStory, on: connection)
            return sections[0].items
        }
    }
}

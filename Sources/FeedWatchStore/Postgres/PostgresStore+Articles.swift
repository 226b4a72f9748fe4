public import Foundation
public import FeedWatchModel
import PostgresNIO
import Synchronization

/// Article identity, updates, stories, extraction results and retention: the PostgreSQL side
/// of `SQLiteStore+Articles`, with the same semantics.
extension PostgresStore {
    /// The columns `article(_:)` reads, in its order.
    static let articleColumns = """
        id, feed_id, fingerprint, title, link, summary, content, author, published_at, discovered_at, story_id,
        full_text, extraction_note, language
        """

    /// `articleColumns` with the table alias `a.`, for statements that join other rows.
    static let articleColumnsOfA = articleColumns.split(separator: ",")
        .map { "a." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")

    static func article(_ row: PostgresRow) throws -> Article {
        try article(PostgresRandomAccessRow(row), from: 0)
    }

    /// An article from the cells of `articleColumns`, starting at `first`.
    static func article(_ r: PostgresRandomAccessRow, from first: Int) throws -> Article {
        var article = Article(
            id: try r[first].decode(Int64.self), feedID: try r[first + 1].decode(Int64.self),
            fingerprint: try r[first + 2].decode(String.self), title: try r[first + 3].decode(String.self),
            link: try r[first + 4].decode(String?.self), summary: try r[first + 5].decode(String.self),
            content: try r[first + 6].decode(String.self), author: try r[first + 7].decode(String?.self),
            published: try r[first + 8].decode(Date?.self), discovered: try r[first + 9].decode(Date.self))
        article.storyID = try r[first + 10].decode(Int64?.self)
        article.fullText = try r[first + 11].decode(String?.self)
        article.extractionNote = try r[first + 12].decode(String?.self)
        article.language = try r[first + 13].decode(String?.self)
        return article
    }

    static func articles(_ rows: PostgresRowSequence) async throws -> [Article] {
        var articles: [Article] = []
        for try await row in rows { articles.append(try article(row)) }
        return articles
    }

    public func articles(since: Date, limit: Int) async throws -> [Article] {
        try await operation("read articles") { [self] in
            try await Self.articles(query(
                """
                SELECT \(unescaped: Self.articleColumns) FROM articles WHERE discovered_at >= \(since)
                ORDER BY discovered_at DESC, id DESC LIMIT \(limit)
                """))
        }
    }

    public func articlesPendingMatch(storedBefore: Date, limit: Int) async throws -> [Article] {
        try await operation("read articles waiting for matches") { [self] in
            try await Self.articles(query(
                """
                SELECT \(unescaped: Self.articleColumns) FROM articles
                WHERE match_pending AND COALESCE(updated_at, discovered_at) < \(storedBefore)
                ORDER BY discovered_at, id LIMIT \(limit)
                """))
        }
    }

    struct StoryRow: Encodable {
        var article: Int64
        var story: Int64
    }

    public func assignStories(_ storyIDs: [Int64: Int64]) async throws {
        guard !storyIDs.isEmpty else { return }
        let document = try Self.json(storyIDs.sorted { $0.key < $1.key }.map { StoryRow(article: $0.key, story: $0.value) })
        try await operation("assign stories") { [self] in
            try await query(
                """
                UPDATE articles a SET story_id = x.story
                FROM jsonb_to_recordset(\(document)::jsonb) AS x(article BIGINT, story BIGINT)
                WHERE a.id = x.article
                """)
        }
    }

    struct ExtractionRow: Encodable {
        var article: Int64
        var text: String?
        var note: String?
    }

    public func saveExtractions(_ extractions: [ArticleExtractionRecord]) async throws {
        guard !extractions.isEmpty else { return }
        let document = try Self.json(extractions.map {
            ExtractionRow(article: $0.articleID, text: Self.clean($0.fullText), note: Self.clean($0.note))
        })
        try await operation("save extracted text") { [self] in
            try await query(
                """
                UPDATE articles a SET full_text = x.text, extraction_note = x.note
                FROM jsonb_to_recordset(\(document)::jsonb) AS x(article BIGINT, text TEXT, note TEXT)
                WHERE a.id = x.article
                """)
        }
    }

    @discardableResult
    public func prune(seenBefore: Date, digestedSeenBefore: Date) async throws -> Int {
        try await operation("prune old articles") { [self] in
            let rows = try await query(
                """
                WITH deleted AS (
                    DELETE FROM articles
                    WHERE COALESCE(last_seen_at, discovered_at) < \(max(digestedSeenBefore, seenBefore))
                      AND (COALESCE(last_seen_at, discovered_at) < \(digestedSeenBefore)
                           OR (COALESCE(last_seen_at, discovered_at) < \(seenBefore)
                               AND NOT match_pending
                               AND NOT EXISTS (SELECT 1 FROM topic_matches m WHERE m.article_id = articles.id)))
                    RETURNING 1
                )
                SELECT COUNT(*) FROM deleted
                """)
            return try await Self.single(rows, Int.self) ?? 0
        }
    }
}

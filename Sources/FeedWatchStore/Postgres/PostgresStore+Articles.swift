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

    static func article(_ row: PostgresRow) throws -> Article {
        let r = PostgresRandomAccessRow(row)
        var article = Article(
            id: try r[0].decode(Int64.self), feedID: try r[1].decode(Int64.self), fingerprint: try r[2].decode(String.self),
            title: try r[3].decode(String.self), link: try r[4].decode(String?.self), summary: try r[5].decode(String.self),
            content: try r[6].decode(String.self), author: try r[7].decode(String?.self), published: try r[8].decode(Date?.self),
            discovered: try r[9].decode(Date.self))
        article.storyID = try r[10].decode(Int64?.self)
        article.fullText = try r[11].decode(String?.self)
        article.extractionNote = try r[12].decode(String?.self)
        article.language = try r[13].decode(String?.self)
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

    /// One entry of a document, keyed by its position, for the batched look-ups below.
    struct IdentityRow: Encodable {
        var i: Int
        var fp: String
        var link: String?
    }

    /// One transaction. The feed's row is locked first (`FOR UPDATE`), so concurrent calls for
    /// one feed, from this daemon or another, run one after the other, as SQLite's single
    /// writer does: each new entry is reported once and identity-mode switches do not race.
    /// The look-ups are batched (one statement for the guid-churn check, one to find every
    /// entry's stored article, one to stamp the unchanged ones as seen), so an unchanged
    /// document costs a handful of round trips whatever its length; only new and edited
    /// entries take a statement each.
    public func storeEntries(feedID: Int64, entries: [Entry], discovered: Date, maxNew: Int) async throws -> StoredEntries {
        try await transaction("store articles") { [self] connection in
            try await storeEntries(connection, feedID: feedID, entries: entries, discovered: discovered, maxNew: maxNew)
        }
    }

    /// One refresh in two steps, so no connection is held while the pipeline clusters and
    /// matches (CPU work that, with several daemons and a shared pool, kept transactions open
    /// long enough to time others out): one transaction stores the entries (for a feed with
    /// no stored article: BEGIN, the locked mode read, one batched insert, COMMIT), then one
    /// statement stores the stories, the matches, the completed articles and the fetch state.
    /// New articles are stored pending, so if the second step fails (or the process dies in
    /// between) the sweep matches them, and the old fetch state makes the next fetch retry.
    public func storeRefresh(
        _ refresh: FeedRefreshWrite, derive: @escaping @Sendable (StoredEntries) -> FeedRefreshDerivation
    ) async throws -> FeedRefreshResult {
        claimedStates.withLock { _ = $0.removeValue(forKey: refresh.feedID) }
        let stored = try await transaction("store refresh") { [self] connection in
            try await storeEntries(
                connection, feedID: refresh.feedID, entries: refresh.entries, discovered: refresh.discovered, title: refresh.title,
                maxNew: refresh.maxNew)
        }
        let derived = derive(stored)
        let added = try await operation("record the matches of the stored articles (matches not recorded; the sweep retries them)") { [self] in
            try await recordDerived(derived, refresh: refresh)
        }
        return FeedRefreshResult(entries: stored, newMatches: added)
    }

    struct ArticleMarkRow: Encodable {
        var article: Int64
        var story: Int64?
        var done: Bool
    }

    /// Stories, matches, completed articles and the fetch state of a refresh, as one statement.
    private func recordDerived(_ derived: FeedRefreshDerivation, refresh: FeedRefreshWrite) async throws -> Int {
        var marks: [Int64: ArticleMarkRow] = [:]
        for (article, story) in derived.stories { marks[article] = ArticleMarkRow(article: article, story: story, done: false) }
        for article in derived.completing { marks[article, default: ArticleMarkRow(article: article, story: nil, done: false)].done = true }
        let marksDocument = try Self.json(marks.values.sorted { $0.article < $1.article })
        let matchesDocument = try Self.json(derived.matches.map { match in
            MatchRow(
                topic: match.topicID, name: Self.clean(refresh.topics[match.topicID]?.name ?? match.topicID), article: match.articleID,
                score: match.score, snippets: Self.clean(SnippetJSON.encode(match.snippets)), matched: match.matched.timeIntervalSince1970)
        })
        let state = refresh.state
        let feedID = refresh.feedID
        let rows = try await query(
            """
            WITH marked AS (
                UPDATE articles a SET story_id = COALESCE(x.story, a.story_id),
                    match_pending = CASE WHEN x.done THEN false ELSE a.match_pending END
                FROM jsonb_to_recordset(\(marksDocument)::jsonb) AS x(article BIGINT, story BIGINT, done BOOLEAN)
                WHERE a.id = x.article
            ), added AS (
                INSERT INTO topic_matches (topic_id, topic_name, article_id, score, snippets, matched_at)
                SELECT x.topic, x.name, x.article, x.score, x.snippets, to_timestamp(x.matched)
                FROM jsonb_to_recordset(\(matchesDocument)::jsonb) AS x(topic TEXT, name TEXT, article BIGINT,
                    score DOUBLE PRECISION, snippets TEXT, matched DOUBLE PRECISION)
                ON CONFLICT (topic_id, article_id) DO NOTHING
                RETURNING 1
            ), saved AS (
                INSERT INTO fetch_state (feed_id, etag, last_modified, last_fetched_at, last_success_at,
                    next_check_at, error_count, last_error, last_status, disabled_reason, moved_to, last_full_fetch_at,
                    next_check_reason)
                VALUES (\(feedID), \(state.etag), \(state.lastModified), \(state.lastFetched), \(state.lastSuccess),
                    \(state.nextCheck), \(state.errorCount), \(Self.clean(state.lastError)), \(state.lastStatus), \(state.disabledReason),
                    \(state.movedTo), \(state.lastFullFetch), \(state.nextCheckReason))
                ON CONFLICT (feed_id) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
                    last_fetched_at = excluded.last_fetched_at, last_success_at = excluded.last_success_at,
                    next_check_at = excluded.next_check_at, error_count = excluded.error_count,
                    last_error = excluded.last_error, last_status = excluded.last_status,
                    disabled_reason = excluded.disabled_reason, moved_to = excluded.moved_to,
                    last_full_fetch_at = excluded.last_full_fetch_at, next_check_reason = excluded.next_check_reason
            )
            SELECT COUNT(*) FROM added
            """)
        return try await Self.single(rows, Int.self) ?? 0
    }

    struct NewArticleRow: Encodable {
        var i: Int
        var fp: String
        var title: String
        var link: String?
        var summary: String
        var content: String
        var author: String?
        var published: Double?
        var clink: String?
        var hash: String
        var lang: String?
    }

    /// `storeEntries` on `connection`, inside the caller's transaction; `title` (when not nil)
    /// is stored as the feed's announced title in the statement that locks the feed. At most
    /// `maxNew` entries are inserted as new; the rest are counted in `skippedNew`.
    func storeEntries(
        _ connection: PostgresConnection, feedID: Int64, entries: [Entry], discovered: Date, title: String? = nil,
        maxNew: Int = .max
    ) async throws -> StoredEntries {
        let modeRows = try await query(
            """
            UPDATE feeds SET title = COALESCE(\(title.map(Self.clean)), title) WHERE id = \(feedID)
            RETURNING identity_mode, EXISTS (SELECT 1 FROM articles WHERE feed_id = \(feedID))
            """, on: connection)
        var modeRow: (String, Bool)?
        for try await row in modeRows.decode((String, Bool).self) where modeRow == nil { modeRow = row }
        guard case let (stored, hasArticles)? = modeRow else {
            throw StoreError(code: .unknownFeed, message: "no feed with id \(feedID)")
        }
        let previous = FeedIdentityMode(rawValue: stored) ?? .guid
        let mode = try await identityMode(connection, feedID: feedID, entries: entries, current: previous, hasArticles: hasArticles)
        if mode != previous {
            try await query("UPDATE feeds SET identity_mode = \(mode.rawValue) WHERE id = \(feedID)", on: connection)
        }
        var result = StoredEntries(new: [], updated: [], identityMode: mode, identityChanged: mode != previous)
        var seen = Set<String>()
        var candidates: [(article: Article, link: String?, hash: String)] = []
        for entry in entries {
            let fingerprint = Self.clean(EntryIdentity.fingerprint(of: entry, mode: mode))
            guard seen.insert(fingerprint).inserted else { continue }
            var article = Article(
                id: 0, feedID: feedID, fingerprint: fingerprint, title: Self.clean(entry.title ?? "(untitled)"),
                link: Self.clean(entry.link), summary: Self.clean(entry.summary?.plainText ?? ""),
                content: Self.clean(entry.content?.plainText ?? ""),
                author: Self.clean(entry.authors.first.flatMap { $0.name ?? $0.email }),
                published: entry.published ?? entry.updated, discovered: discovered)
            article.language = LanguageTag.normalised(entry.language)
            candidates.append((article, Self.clean(EntryIdentity.canonicalLink(of: entry)), EntryIdentity.contentHash(of: entry)))
        }
        // A feed with no stored article has nothing to find: the unique constraint decides.
        let existing = hasArticles ? try await existingArticles(
            connection, feedID: feedID,
            rows: candidates.enumerated().map { IdentityRow(i: $0.offset, fp: $0.element.article.fingerprint, link: $0.element.link) },
            byLink: mode == .link) : [:]
        var unchanged: [SeenRow] = []
        var fresh: [NewArticleRow] = []
        for (index, candidate) in candidates.enumerated() {
            let (article, link, hash) = candidate
            if let found = existing[index] {
                let (id, oldHash) = found
                if let oldHash, oldHash != hash {
                    let rows = try await query(
                        """
                        UPDATE articles SET title = \(article.title), link = \(article.link), summary = \(article.summary),
                            content = \(article.content), author = \(article.author),
                            published_at = COALESCE(\(article.published), published_at), content_hash = \(hash),
                            canonical_link = \(link), updated_at = \(discovered), last_seen_at = \(discovered),
                            language = \(article.language), match_pending = true
                        WHERE id = \(id)
                        RETURNING \(unescaped: Self.articleColumns)
                        """, on: connection)
                    result.updated += try await Self.articles(rows)
                } else {
                    unchanged.append(SeenRow(id: id, hash: hash, link: link, lang: article.language))
                }
                continue
            }
            guard fresh.count < maxNew else {
                // The bound on new entries: this one waits for a later refresh.
                result.skippedNew += 1
                continue
            }
            fresh.append(NewArticleRow(
                i: index, fp: article.fingerprint, title: article.title, link: article.link, summary: article.summary,
                content: article.content, author: article.author, published: article.published?.timeIntervalSince1970,
                clink: link, hash: hash, lang: article.language))
        }
        if !fresh.isEmpty {
            // All new entries in one statement; the unique (feed, fingerprint) constraint
            // decides which are new (a concurrent refresh may have stored some).
            let inserted = try await query(
                """
                INSERT INTO articles (feed_id, fingerprint, title, link, summary, content, author, published_at,
                    discovered_at, canonical_link, content_hash, last_seen_at, language, match_pending)
                SELECT \(feedID), x.fp, x.title, x.link, x.summary, x.content, x.author, to_timestamp(x.published),
                    \(discovered), x.clink, x.hash, \(discovered), x.lang, true
                FROM jsonb_to_recordset(\(try Self.json(fresh))::jsonb) AS x(i INTEGER, fp TEXT, title TEXT, link TEXT,
                    summary TEXT, content TEXT, author TEXT, published DOUBLE PRECISION, clink TEXT, hash TEXT, lang TEXT)
                ORDER BY x.i
                ON CONFLICT (feed_id, fingerprint) DO NOTHING
                RETURNING id, fingerprint
                """, on: connection)
            var ids: [String: Int64] = [:]
            for try await (id, fingerprint) in inserted.decode((Int64, String).self) { ids[fingerprint] = id }
            for (index, _) in candidates.enumerated() where existing[index] == nil {
                guard let id = ids[candidates[index].article.fingerprint] else { continue }
                var stored = candidates[index].article
                stored.id = id
                result.new.append(stored)
            }
        }
        if !unchanged.isEmpty {
            // Rows stored before content hashes (or declared languages) existed get theirs now,
            // without counting as an update.
            try await query(
                """
                UPDATE articles a SET last_seen_at = \(discovered), content_hash = COALESCE(a.content_hash, x.hash),
                    canonical_link = COALESCE(a.canonical_link, x.link), language = COALESCE(a.language, x.lang)
                FROM jsonb_to_recordset(\(try Self.json(unchanged))::jsonb) AS x(id BIGINT, hash TEXT, link TEXT, lang TEXT)
                WHERE a.id = x.id
                """, on: connection)
        }
        return result
    }

    struct SeenRow: Encodable {
        var id: Int64
        var hash: String
        var link: String?
        var lang: String?
    }

    /// The feed's identity mode after looking at this document (see `EntryIdentity`).
    private func identityMode(
        _ connection: PostgresConnection, feedID: Int64, entries: [Entry], current: FeedIdentityMode, hasArticles: Bool
    ) async throws -> FeedIdentityMode {
        guard current != .link else { return current }
        var mode = current
        if mode == .guid, EntryIdentity.repeatsGuids(entries) { mode = .guidAndLink }
        // A feed with no stored article cannot churn.
        guard hasArticles else { return mode }
        let withGuid = entries.filter { !($0.id?.trimmingASCIIWhitespace().isEmpty ?? true) }
        let checked = withGuid.enumerated().compactMap { index, entry -> IdentityRow? in
            guard let link = Self.clean(EntryIdentity.canonicalLink(of: entry)) else { return nil }
            return IdentityRow(i: index, fp: Self.clean(EntryIdentity.fingerprint(of: entry, mode: mode)), link: link)
        }
        var unseenWithKnownLink = 0
        if !checked.isEmpty {
            let rows = try await query(
                """
                SELECT COUNT(*) FROM jsonb_to_recordset(\(try Self.json(checked))::jsonb) AS x(i INTEGER, fp TEXT, link TEXT)
                WHERE NOT EXISTS (SELECT 1 FROM articles WHERE feed_id = \(feedID) AND fingerprint = x.fp)
                    AND EXISTS (SELECT 1 FROM articles WHERE feed_id = \(feedID) AND canonical_link = x.link)
                """, on: connection)
            unseenWithKnownLink = try await Self.single(rows, Int.self) ?? 0
        }
        if EntryIdentity.guidsChurn(guidEntries: withGuid.count, unseenWithKnownLink: unseenWithKnownLink) { mode = .link }
        return mode
    }

    /// The id and content hash of each entry's stored article, by position: the article with
    /// its fingerprint, else (when `byLink`) the oldest with its canonical link.
    private func existingArticles(
        _ connection: PostgresConnection, feedID: Int64, rows: [IdentityRow], byLink: Bool
    ) async throws -> [Int: (Int64, String?)] {
        guard !rows.isEmpty else { return [:] }
        let found = try await query(
            """
            SELECT x.i, a.id, a.content_hash
            FROM jsonb_to_recordset(\(try Self.json(rows))::jsonb) AS x(i BIGINT, fp TEXT, link TEXT)
            CROSS JOIN LATERAL (
                SELECT id, content_hash FROM articles
                WHERE feed_id = \(feedID)
                    AND (fingerprint = x.fp OR (\(byLink) AND x.link IS NOT NULL AND canonical_link = x.link))
                ORDER BY (fingerprint = x.fp) DESC, id
                LIMIT 1
            ) a
            """, on: connection)
        var existing: [Int: (Int64, String?)] = [:]
        for try await (index, id, hash) in found.decode((Int, Int64, String?).self) { existing[index] = (id, hash) }
        return existing
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

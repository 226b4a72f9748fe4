public import Foundation
public import FeedWatchModel
import PostgresNIO
import Synchronization

/// A feed refresh on PostgreSQL in three round trips, none of them BEGIN or COMMIT.
///
/// postgres-nio (1.33) sends one statement at a time and waits for its end before the next
/// (no pipelining, no multi-statement simple queries), so every explicit transaction costs
/// two round trips of its own. A refresh therefore uses none: each step is one statement,
/// which PostgreSQL runs as its own transaction.
///
/// 1. Look up: the feed's identity mode, the guid-churn count and every entry's stored
///    article, read in one statement without a lock.
/// 2. Write: one statement that locks the feed row, checks that its identity mode is still
///    the one step 1 read (else nothing is written and the refresh starts over), and inserts
///    the new entries, rewrites the edited ones and stamps the unchanged ones as seen. The
///    unique (feed, fingerprint) constraint decides which entries are new, and an edit is
///    written only over the content step 1 saw, so refreshes of one feed racing each other
///    (two daemons, or `fetch` beside the daemon) still report each new article and each edit
///    once.
/// 3. The pipeline derives stories and matches from what step 2 returned; one statement stores
///    them with the fetch state (`recordDerived`).
///
/// New articles are stored pending, so if step 3 fails (or the process dies before it) the
/// sweep matches them, and the old fetch state makes the next fetch retry. A refresh that
/// switches the feed to link identity looks the entries up once more, by link (once per feed).
extension PostgresStore {
    /// How often a refresh starts over because another one changed the feed's identity mode
    /// between its look-up and its write.
    static let identityAttempts = 3

    public func storeEntries(feedID: Int64, entries: [Entry], discovered: Date, maxNew: Int) async throws -> StoredEntries {
        try await operation("store articles") { [self] in
            try await storeDocument(feedID: feedID, entries: entries, discovered: discovered, title: nil, maxNew: maxNew)
        }
    }

    public func storeRefresh(
        _ refresh: FeedRefreshWrite, derive: @escaping @Sendable (StoredEntries) -> FeedRefreshDerivation
    ) async throws -> FeedRefreshResult {
        claimedStates.withLock { _ = $0.removeValue(forKey: refresh.feedID) }
        let stored = try await operation("store refresh") { [self] in
            try await storeDocument(
                feedID: refresh.feedID, entries: refresh.entries, discovered: refresh.discovered, title: refresh.title,
                maxNew: refresh.maxNew)
        }
        let derived = derive(stored)
        let added = try await operation("record the matches of the stored articles (matches not recorded; the sweep retries them)") { [self] in
            try await recordDerived(derived, refresh: refresh)
        }
        return FeedRefreshResult(entries: stored, newMatches: added)
    }

    /// A document's entries prepared for one identity mode: fingerprinted, deduplicated,
    /// cleaned of what PostgreSQL text cannot hold.
    struct PreparedDocument {
        var mode: FeedIdentityMode
        var candidates: [(article: Article, link: String?, hash: String)] = []

        init(entries: [Entry], feedID: Int64, mode: FeedIdentityMode, discovered: Date) {
            self.mode = mode
            var seen = Set<String>()
            for entry in entries {
                let fingerprint = PostgresStore.clean(EntryIdentity.fingerprint(of: entry, mode: mode))
                guard seen.insert(fingerprint).inserted else { continue }
                var article = Article(
                    id: 0, feedID: feedID, fingerprint: fingerprint, title: PostgresStore.clean(entry.title ?? "(untitled)"),
                    link: PostgresStore.clean(entry.link), summary: PostgresStore.clean(entry.summary?.plainText ?? ""),
                    content: PostgresStore.clean(entry.content?.plainText ?? ""),
                    author: PostgresStore.clean(entry.authors.first.flatMap { $0.name ?? $0.email }),
                    published: entry.published ?? entry.updated, discovered: discovered)
                article.language = LanguageTag.normalised(entry.language)
                candidates.append((article, PostgresStore.clean(EntryIdentity.canonicalLink(of: entry)), EntryIdentity.contentHash(of: entry)))
            }
        }

        var identityRows: [IdentityRow] {
            candidates.enumerated().map { IdentityRow(i: $0.offset, fp: $0.element.article.fingerprint, link: $0.element.link) }
        }
    }

    /// One entry of a document, keyed by its position, for the batched look-ups.
    struct IdentityRow: Encodable {
        var i: Int
        var fp: String
        var link: String?
    }

    /// The guid-churn check's rows: guid entries with a canonical link (see `EntryIdentity.guidsChurn`).
    struct ChurnRow: Encodable {
        var fp: String
        var link: String
    }

    /// What step 1 read: the feed's stored mode (nil: no such feed), how many guid entries are
    /// unseen while their link is stored, and each candidate's stored article by position.
    struct LookUp {
        var mode: FeedIdentityMode?
        var unseenWithKnownLink = 0
        var existing: [Int: (id: Int64, hash: String?)] = [:]
    }

    /// Stores one document's entries in two statements (look-up, write), starting over when
    /// another refresh switched the feed's identity mode in between.
    func storeDocument(feedID: Int64, entries: [Entry], discovered: Date, title: String?, maxNew: Int) async throws -> StoredEntries {
        // The mode this daemon last saw for the feed (most feeds never leave `.guid`); a wrong
        // guess costs one more look-up.
        var assumed = identityModes.withLock { $0[feedID] } ?? .guid
        for _ in 0..<Self.identityAttempts {
            // Identity rules (see `Store.storeEntries`): a repeated guid moves `.guid` to
            // `.guidAndLink` at once; churning guids move either to `.link`, decided from the store.
            var mode = assumed == .guid && EntryIdentity.repeatsGuids(entries) ? .guidAndLink : assumed
            var document = PreparedDocument(entries: entries, feedID: feedID, mode: mode, discovered: discovered)
            let withGuid = entries.filter { !($0.id?.trimmingASCIIWhitespace().isEmpty ?? true) }
            let churnRows = mode == .link ? [] : withGuid.compactMap { entry -> ChurnRow? in
                guard let link = Self.clean(EntryIdentity.canonicalLink(of: entry)) else { return nil }
                return ChurnRow(fp: Self.clean(EntryIdentity.fingerprint(of: entry, mode: mode)), link: link)
            }
            let found = try await lookUp(feedID: feedID, rows: document.identityRows, byLink: mode == .link, churn: churnRows)
            guard let stored = found.mode else { throw StoreError(code: .unknownFeed, message: "no feed with id \(feedID)") }
            guard stored == assumed else {
                // Another daemon (or an earlier run) moved the feed on: fingerprint again.
                assumed = stored
                identityModes.withLock { $0[feedID] = stored }
                continue
            }
            var existing = found.existing
            if mode != .link, EntryIdentity.guidsChurn(guidEntries: withGuid.count, unseenWithKnownLink: found.unseenWithKnownLink) {
                mode = .link
                document = PreparedDocument(entries: entries, feedID: feedID, mode: mode, discovered: discovered)
                existing = try await existingArticles(feedID: feedID, rows: document.identityRows, byLink: true)
            }
            var plan = WritePlan()
            var result = StoredEntries(new: [], updated: [], identityMode: mode, identityChanged: mode != stored)
            var claimed = Set<Int64>()
            for (index, candidate) in document.candidates.enumerated() {
                let (article, link, hash) = candidate
                if let (id, oldHash) = existing[index] {
                    // By link, two entries can lead to one stored article: the first one has it.
                    guard claimed.insert(id).inserted else { continue }
                    if let oldHash, oldHash != hash {
                        plan.changed.append(ChangedRow(
                            id: id, old: oldHash, title: article.title, link: article.link, summary: article.summary,
                            content: article.content, author: article.author, published: article.published?.timeIntervalSince1970,
                            clink: link, hash: hash, lang: article.language))
                    } else {
                        plan.unchanged.append(SeenRow(id: id, hash: hash, link: link, lang: article.language))
                    }
                    continue
                }
                guard plan.fresh.count < maxNew else {
                    // The bound on new entries: this one waits for a later refresh.
                    result.skippedNew += 1
                    continue
                }
                plan.fresh.append(NewArticleRow(
                    i: index, fp: article.fingerprint, title: article.title, link: article.link, summary: article.summary,
                    content: article.content, author: article.author, published: article.published?.timeIntervalSince1970,
                    clink: link, hash: hash, lang: article.language))
            }
            if plan.isEmpty, title == nil, mode == stored {
                identityModes.withLock { $0[feedID] = mode }
                return result
            }
            guard let written = try await write(
                plan, feedID: feedID, title: title.map(Self.clean), mode: mode, expected: stored, discovered: discovered)
            else {
                // The mode changed between the look-up and the write: nothing was written.
                assumed = .guid
                identityModes.withLock { _ = $0.removeValue(forKey: feedID) }
                continue
            }
            identityModes.withLock { $0[feedID] = mode }
            for (index, candidate) in document.candidates.enumerated() where existing[index] == nil {
                guard let id = written.inserted[candidate.article.fingerprint] else { continue }
                var article = candidate.article
                article.id = id
                result.new.append(article)
            }
            result.updated = written.updated
            return result
        }
        throw StoreError(
            code: .other,
            message: "feed \(feedID): its identity mode changed under \(Self.identityAttempts) refreshes in a row; nothing stored (the next fetch retries)")
    }

    /// Step 1: the feed's mode, the churn count and every entry's stored article, in one statement.
    func lookUp(feedID: Int64, rows: [IdentityRow], byLink: Bool, churn: [ChurnRow]) async throws -> LookUp {
        let found = try await query(
            """
            SELECT -1::bigint, f.identity_mode, (
                    SELECT COUNT(*) FROM jsonb_to_recordset(\(try Self.json(churn))::jsonb) AS c(fp TEXT, link TEXT)
                    WHERE NOT EXISTS (SELECT 1 FROM articles WHERE feed_id = f.id AND fingerprint = c.fp)
                        AND EXISTS (SELECT 1 FROM articles WHERE feed_id = f.id AND canonical_link = c.link)
                ), NULL::bigint, NULL::text
            FROM feeds f WHERE f.id = \(feedID)
            UNION ALL
            SELECT x.i, NULL, NULL, a.id, a.content_hash
            FROM jsonb_to_recordset(\(try Self.json(rows))::jsonb) AS x(i BIGINT, fp TEXT, link TEXT)
            CROSS JOIN LATERAL (
                SELECT id, content_hash FROM articles
                WHERE feed_id = \(feedID)
                    AND (fingerprint = x.fp OR (\(byLink) AND x.link IS NOT NULL AND canonical_link = x.link))
                ORDER BY (fingerprint = x.fp) DESC, id
                LIMIT 1
            ) a
            -- A feed with no stored article has nothing to find: one probe, not one per entry.
            WHERE EXISTS (SELECT 1 FROM articles WHERE feed_id = \(feedID))
            """)
        var result = LookUp()
        for try await (index, mode, churned, id, hash) in found.decode((Int, String?, Int?, Int64?, String?).self) {
            if index < 0 {
                result.mode = FeedIdentityMode(rawValue: mode ?? "") ?? .guid
                result.unseenWithKnownLink = churned ?? 0
            } else if let id {
                result.existing[index] = (id, hash)
            }
        }
        return result
    }

    /// The id and content hash of each entry's stored article, by position: the article with
    /// its fingerprint, else (when `byLink`) the oldest with its canonical link.
    func existingArticles(feedID: Int64, rows: [IdentityRow], byLink: Bool) async throws -> [Int: (id: Int64, hash: String?)] {
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
            """)
        var existing: [Int: (id: Int64, hash: String?)] = [:]
        for try await (index, id, hash) in found.decode((Int, Int64, String?).self) { existing[index] = (id, hash) }
        return existing
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

    /// An edited entry: rewritten only while its stored content hash is still `old`.
    struct ChangedRow: Encodable {
        var id: Int64
        var old: String
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

    struct SeenRow: Encodable {
        var id: Int64
        var hash: String
        var link: String?
        var lang: String?
    }

    /// What step 2 writes.
    struct WritePlan {
        var fresh: [NewArticleRow] = []
        var changed: [ChangedRow] = []
        var unchanged: [SeenRow] = []

        var isEmpty: Bool { fresh.isEmpty && changed.isEmpty && unchanged.isEmpty }
    }

    /// What step 2 stored: the new articles' ids by fingerprint and the edited articles as now stored.
    struct Written {
        var inserted: [String: Int64] = [:]
        var updated: [Article] = []
    }

    /// Step 2, one statement: locks the feed row, and only while its identity mode is still
    /// `expected` (nil otherwise: nothing written) sets its title and mode, inserts the new
    /// entries (the unique constraint decides), rewrites the edited ones and stamps the rest.
    func write(
        _ plan: WritePlan, feedID: Int64, title: String?, mode: FeedIdentityMode, expected: FeedIdentityMode, discovered: Date
    ) async throws -> Written? {
        // Every write below joins `locked`, so none happens unless the guard held, and all
        // happen after the feed row is locked.
        let rows = try await query(
            """
            WITH locked AS (
                UPDATE feeds SET title = COALESCE(\(title), title), identity_mode = \(mode.rawValue)
                WHERE id = \(feedID) AND identity_mode = \(expected.rawValue)
                RETURNING id
            ), changed AS (
                UPDATE articles a SET title = x.title, link = x.link, summary = x.summary, content = x.content,
                    author = x.author, published_at = COALESCE(to_timestamp(x.published), a.published_at),
                    content_hash = x.hash, canonical_link = x.clink, updated_at = \(discovered),
                    last_seen_at = \(discovered), language = x.lang, match_pending = true
                FROM jsonb_to_recordset(\(try Self.json(plan.changed))::jsonb) AS x(id BIGINT, old TEXT, title TEXT,
                    link TEXT, summary TEXT, content TEXT, author TEXT, published DOUBLE PRECISION, clink TEXT, hash TEXT,
                    lang TEXT),
                    locked
                WHERE a.id = x.id AND a.content_hash = x.old
                RETURNING \(unescaped: Self.articleColumnsOfA)
            ), seen AS (
                UPDATE articles a SET last_seen_at = \(discovered), content_hash = COALESCE(a.content_hash, x.hash),
                    canonical_link = COALESCE(a.canonical_link, x.link), language = COALESCE(a.language, x.lang)
                FROM jsonb_to_recordset(\(try Self.json(plan.unchanged))::jsonb) AS x(id BIGINT, hash TEXT, link TEXT, lang TEXT),
                    locked
                WHERE a.id = x.id
            ), inserted AS (
                INSERT INTO articles (feed_id, fingerprint, title, link, summary, content, author, published_at,
                    discovered_at, canonical_link, content_hash, last_seen_at, language, match_pending)
                SELECT \(feedID), x.fp, x.title, x.link, x.summary, x.content, x.author, to_timestamp(x.published),
                    \(discovered), x.clink, x.hash, \(discovered), x.lang, true
                FROM jsonb_to_recordset(\(try Self.json(plan.fresh))::jsonb) AS x(i INTEGER, fp TEXT, title TEXT, link TEXT,
                    summary TEXT, content TEXT, author TEXT, published DOUBLE PRECISION, clink TEXT, hash TEXT, lang TEXT)
                CROSS JOIN locked
                ORDER BY x.i
                ON CONFLICT (feed_id, fingerprint) DO NOTHING
                RETURNING id, fingerprint
            )
            SELECT 2::bigint, \(unescaped: Self.articleColumns) FROM changed
            UNION ALL
            SELECT 1, id, NULL, fingerprint, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM inserted
            UNION ALL
            SELECT 0, id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM locked
            """)
        var written = Written()
        var held = false
        for try await row in rows {
            let r = PostgresRandomAccessRow(row)
            switch try r[0].decode(Int.self) {
            case 0: held = true
            case 1: written.inserted[try r[3].decode(String.self)] = try r[1].decode(Int64.self)
            default:
                // Rebuild the row without the kind column, in `articleColumns` order.
                written.updated.append(try Self.article(r, from: 1))
            }
        }
        return held ? written : nil
    }

    struct ArticleMarkRow: Encodable {
        var article: Int64
        var story: Int64?
        var done: Bool
    }

    /// Step 3: stories, matches, completed articles and the fetch state of a refresh, as one statement.
    func recordDerived(_ derived: FeedRefreshDerivation, refresh: FeedRefreshWrite) async throws -> Int {
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
}

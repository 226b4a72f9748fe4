import Foundation
import GRDB
import PostgresNIO

/// Moves an installation from SQLite to PostgreSQL: feeds, fetch state, articles (with their
/// identity columns, story ids and extracted text), topic matches, digests (with whether they
/// were published) and the delivery outbox, with every id remapped to the ids the target
/// hands out (story ids, and the match ids in `alert:` subjects, too).
///
/// The copy runs in one PostgreSQL transaction: it lands completely or not at all, so a
/// failed copy can simply be run again. It refuses a target that already holds data rather
/// than merge two histories. The source is only read.
public struct StoreCopier: Sendable {
    public let source: SQLiteStore
    public let target: PostgresStore
    /// Rows read and written per round trip.
    public let batchSize: Int

    /// What was copied.
    public struct Report: Sendable, Hashable {
        public var feeds = 0
        public var articles = 0
        public var matches = 0
        public var digests = 0
        public var deliveries = 0
    }

    /// A copier moving `batchSize` rows per round trip.
    public init(source: SQLiteStore, target: PostgresStore, batchSize: Int = 1000) {
        self.source = source
        self.target = target
        self.batchSize = max(1, batchSize)
    }

    /// Copies everything; `progress` hears about each finished batch.
    public func copy(progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> Report {
        let server = target.configuration.server
        do {
            return try await target.client.withTransaction(logger: target.logger) { connection in
                try await copy(on: connection, progress: progress)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw PostgresErrorText.storeError(error, server: server, doing: "copying from \(source.path)")
        }
    }

    private struct FeedRow: Codable {
        var id: Int64, url: String, name: String?, title: String?, tags: String, active: Bool, position: Int, created: Double
        var mode: String
    }

    private struct StateRow: Codable {
        var feed: Int64, etag: String?, lastModified: String?, lastFetched: Double?, lastSuccess: Double?, nextCheck: Double?
        var errorCount: Int, lastError: String?, lastStatus: Int?, disabledReason: String?, movedTo: String?
        var lastFullFetch: Double?, nextCheckReason: String?
    }

    private struct ArticleRow: Codable {
        var id: Int64, feed: Int64, fingerprint: String, title: String, link: String?, summary: String, content: String
        var author: String?, published: Double?, discovered: Double
        var canonical: String?, hash: String?, updated: Double?, seen: Double?, story: Int64?, text: String?, note: String?
        var pending: Bool
        var language: String?
    }

    private struct DigestRow: Codable {
        var id: Int64, day: String, timeZone: String, created: Double
        var published: Double?, error: String?, health: String?
    }

    private struct DeliveryRow: Codable {
        var notifier: String, subject: String, payload: String?, state: String, attempts: Int, next: Double, error: String?
        var created: Double, sent: Double?
    }

    private struct MatchRow: Codable {
        var topic: String, name: String, article: Int64, score: Double, snippets: String, matched: Double, digest: Int64?
        var alerted: Double?
    }

    private struct DismissalRow: Codable {
        var topic: String, story: Int64, title: String, created: Double
    }

    private func copy(on connection: PostgresConnection, progress: @Sendable (String) -> Void) async throws -> Report {
        let logger = target.logger
        let server = target.configuration.server
        let existing = try await connection.query(
            "SELECT (SELECT COUNT(*) FROM feeds), (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM digests)", logger: logger)
        var held = (feeds: 0, articles: 0, digests: 0)
        for try await counts in existing.decode((Int, Int, Int).self) { held = counts }
        if held.feeds + held.articles + held.digests > 0 {
            let (feeds, articles, digests) = held
            throw StoreError(
                code: .other,
                message: "postgres \(server) already holds data (\(feeds) feeds, \(articles) articles, \(digests) digests); "
                    + "store copy only fills an empty database: create a new one and copy into it")
        }
        var report = Report()

        // Feeds: ids remapped through their unique URL.
        let feeds: [FeedRow] = try await source.read("read feeds") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM feeds ORDER BY id").map { r in
                FeedRow(id: r["id"], url: r["url"], name: r["name"], title: r["title"], tags: r["tags"],
                        active: (r["active"] as Int?) != 0, position: r["position"], created: r["created_at"],
                        mode: (r["identity_mode"] as String?) ?? "guid")
            }
        }
        var feedIDs: [Int64: Int64] = [:]
        for batch in feeds.chunked(batchSize) {
            let rows = try await connection.query(
                """
                INSERT INTO feeds (url, name, title, tags, active, position, created_at, identity_mode)
                SELECT x.url, x.name, x.title, x.tags, x.active, x.position, to_timestamp(x.created), x.mode
                FROM jsonb_to_recordset(\(try PostgresStore.json(batch))::jsonb) AS x(url TEXT, name TEXT, title TEXT, tags TEXT,
                    active BOOLEAN, position INTEGER, created DOUBLE PRECISION, mode TEXT)
                RETURNING id, url
                """, logger: logger)
            var byURL: [String: Int64] = [:]
            for try await (id, url) in rows.decode((Int64, String).self) { byURL[url] = id }
            for feed in batch { feedIDs[feed.id] = byURL[feed.url] }
            report.feeds += batch.count
        }
        progress("feeds: \(report.feeds)")

        let states: [StateRow] = try await source.read("read fetch state") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM fetch_state ORDER BY feed_id").map { r in
                StateRow(feed: r["feed_id"], etag: r["etag"], lastModified: r["last_modified"], lastFetched: r["last_fetched_at"],
                         lastSuccess: r["last_success_at"], nextCheck: r["next_check_at"], errorCount: r["error_count"],
                         lastError: r["last_error"], lastStatus: r["last_status"], disabledReason: r["disabled_reason"],
                         movedTo: r["moved_to"], lastFullFetch: r["last_full_fetch_at"], nextCheckReason: r["next_check_reason"])
            }
        }
        for batch in states.compactMap({ s -> StateRow? in
            guard let id = feedIDs[s.feed] else { return nil }
            var mapped = s
            mapped.feed = id
            mapped.lastError = PostgresStore.clean(s.lastError)
            return mapped
        }).chunked(batchSize) {
            // Leases are not copied: they belong to daemons of the old installation.
            try await connection.query(
                """
                INSERT INTO fetch_state (feed_id, etag, last_modified, last_fetched_at, last_success_at, next_check_at,
                    error_count, last_error, last_status, disabled_reason, moved_to, last_full_fetch_at, next_check_reason)
                SELECT x.feed, x.etag, x."lastModified", to_timestamp(x."lastFetched"), to_timestamp(x."lastSuccess"),
                    to_timestamp(x."nextCheck"), x."errorCount", x."lastError", x."lastStatus", x."disabledReason", x."movedTo",
                    to_timestamp(x."lastFullFetch"), x."nextCheckReason"
                FROM jsonb_to_recordset(\(try PostgresStore.json(batch))::jsonb) AS x(feed BIGINT, etag TEXT, "lastModified" TEXT,
                    "lastFetched" DOUBLE PRECISION, "lastSuccess" DOUBLE PRECISION, "nextCheck" DOUBLE PRECISION,
                    "errorCount" INTEGER, "lastError" TEXT, "lastStatus" INTEGER, "disabledReason" TEXT, "movedTo" TEXT,
                    "lastFullFetch" DOUBLE PRECISION, "nextCheckReason" TEXT)
                """, logger: logger)
        }

        // Articles, in id order, a batch at a time: ids remapped through (feed, fingerprint).
        var articleIDs: [Int64: Int64] = [:]
        var storyOf: [Int64: Int64] = [:]
        var lastID: Int64 = 0
        while true {
            let after = lastID
            let limit = batchSize
            let batch: [ArticleRow] = try await source.read("read articles") { db in
                try Row.fetchAll(db, sql: "SELECT * FROM articles WHERE id > ? ORDER BY id LIMIT ?", arguments: [after, limit]).map { r in
                    ArticleRow(id: r["id"], feed: r["feed_id"], fingerprint: r["fingerprint"], title: r["title"], link: r["link"],
                               summary: r["summary"], content: r["content"], author: r["author"], published: r["published_at"],
                               discovered: r["discovered_at"], canonical: r["canonical_link"], hash: r["content_hash"],
                               updated: r["updated_at"], seen: r["last_seen_at"], story: r["story_id"], text: r["full_text"],
                               note: r["extraction_note"], pending: r["match_pending"], language: r["language"])
                }
            }
            guard let last = batch.last else { break }
            lastID = last.id
            let mapped = batch.compactMap { a -> ArticleRow? in
                guard let feed = feedIDs[a.feed] else { return nil }
                return ArticleRow(
                    id: a.id, feed: feed, fingerprint: PostgresStore.clean(a.fingerprint), title: PostgresStore.clean(a.title),
                    link: PostgresStore.clean(a.link), summary: PostgresStore.clean(a.summary), content: PostgresStore.clean(a.content),
                    author: PostgresStore.clean(a.author), published: a.published, discovered: a.discovered,
                    canonical: PostgresStore.clean(a.canonical), hash: a.hash, updated: a.updated, seen: a.seen, story: a.story,
                    text: PostgresStore.clean(a.text), note: PostgresStore.clean(a.note), pending: a.pending,
                    language: PostgresStore.clean(a.language))
            }
            let rows = try await connection.query(
                """
                INSERT INTO articles (feed_id, fingerprint, title, link, summary, content, author, published_at, discovered_at,
                    canonical_link, content_hash, updated_at, last_seen_at, full_text, extraction_note, match_pending, language)
                SELECT x.feed, x.fingerprint, x.title, x.link, x.summary, x.content, x.author, to_timestamp(x.published),
                    to_timestamp(x.discovered), x.canonical, x.hash, to_timestamp(x.updated), to_timestamp(x.seen), x.text, x.note,
                    x.pending, x.language
                FROM jsonb_to_recordset(\(try PostgresStore.json(mapped))::jsonb) AS x(feed BIGINT, fingerprint TEXT, title TEXT,
                    link TEXT, summary TEXT, content TEXT, author TEXT, published DOUBLE PRECISION, discovered DOUBLE PRECISION,
                    canonical TEXT, hash TEXT, updated DOUBLE PRECISION, seen DOUBLE PRECISION, text TEXT, note TEXT,
                    pending BOOLEAN, language TEXT)
                RETURNING id, feed_id, fingerprint
                """, logger: logger)
            var byKey: [String: Int64] = [:]
            for try await (id, feed, fingerprint) in rows.decode((Int64, Int64, String).self) { byKey["\(feed) \(fingerprint)"] = id }
            for a in mapped {
                articleIDs[a.id] = byKey["\(a.feed) \(a.fingerprint)"]
                if let story = a.story { storyOf[a.id] = story }
            }
            report.articles += mapped.count
            progress("articles: \(report.articles)")
        }

        // Story ids are article ids (a story's first article): remapped once every article has its new id.
        let stories = storyOf.compactMap { old, story -> [Int64]? in
            guard let article = articleIDs[old], let mappedStory = articleIDs[story] else { return nil }
            return [article, mappedStory]
        }
        for batch in stories.chunked(batchSize) {
            try await connection.query(
                """
                UPDATE articles a SET story_id = (x.pair->>1)::BIGINT
                FROM jsonb_array_elements(\(try PostgresStore.json(batch))::jsonb) AS x(pair)
                WHERE a.id = (x.pair->>0)::BIGINT
                """, logger: logger)
        }

        // Digests, then the matches that point at articles and digests.
        let digests: [DigestRow] = try await source.read("read digests") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM digests ORDER BY id").map { r in
                DigestRow(id: r["id"], day: r["day"], timeZone: r["time_zone"], created: r["created_at"],
                          published: r["published_at"], error: r["publish_error"], health: r["health"])
            }
        }
        var digestIDs: [Int64: Int64] = [:]
        for batch in digests.chunked(batchSize) {
            let rows = try await connection.query(
                """
                INSERT INTO digests (day, time_zone, created_at, published_at, publish_error, health)
                SELECT x.day, x."timeZone", to_timestamp(x.created), to_timestamp(x.published), x.error, x.health
                FROM jsonb_to_recordset(\(try PostgresStore.json(batch))::jsonb) AS x(day TEXT, "timeZone" TEXT, created DOUBLE PRECISION,
                    published DOUBLE PRECISION, error TEXT, health TEXT)
                RETURNING id, day
                """, logger: logger)
            var byDay: [String: Int64] = [:]
            for try await (id, day) in rows.decode((Int64, String).self) { byDay[day] = id }
            for d in batch { digestIDs[d.id] = byDay[d.day] }
            report.digests += batch.count
        }

        var matchIDs: [Int64: Int64] = [:]
        var lastMatch: Int64 = 0
        while true {
            let after = lastMatch
            let limit = batchSize
            let batch: [(Int64, MatchRow)] = try await source.read("read matches") { db in
                try Row.fetchAll(db, sql: """
                    SELECT m.*, COALESCE(s.snippets, '[]') AS snippets FROM topic_matches m
                    LEFT JOIN match_snippets s ON s.match_id = m.id
                    WHERE m.id > ? ORDER BY m.id LIMIT ?
                    """, arguments: [after, limit]).map { r in
                    (r["id"], MatchRow(topic: r["topic_id"], name: r["topic_name"], article: r["article_id"], score: r["score"],
                                       snippets: r["snippets"], matched: r["matched_at"], digest: r["digest_id"],
                                       alerted: r["alerted_at"]))
                }
            }
            guard let last = batch.last else { break }
            lastMatch = last.0
            let mapped = batch.compactMap { id, m -> (Int64, MatchRow)? in
                guard let article = articleIDs[m.article] else { return nil }
                var copy = m
                copy.article = article
                copy.digest = m.digest.flatMap { digestIDs[$0] }
                // PostgreSQL keeps `Snippet`'s own JSON, which every version reads.
                copy.snippets = PostgresStore.clean(SnippetJSON.isCompact(m.snippets) ? SnippetJSON.encode(SnippetJSON.decode(m.snippets)) : m.snippets)
                return (id, copy)
            }
            let rows = try await connection.query(
                """
                INSERT INTO topic_matches (topic_id, topic_name, article_id, score, snippets, matched_at, digest_id, alerted_at)
                SELECT x.topic, x.name, x.article, x.score, x.snippets, to_timestamp(x.matched), x.digest, to_timestamp(x.alerted)
                FROM jsonb_to_recordset(\(try PostgresStore.json(mapped.map { $0.1 }))::jsonb) AS x(topic TEXT, name TEXT, article BIGINT,
                    score DOUBLE PRECISION, snippets TEXT, matched DOUBLE PRECISION, digest BIGINT, alerted DOUBLE PRECISION)
                RETURNING id, topic_id, article_id
                """, logger: logger)
            var byKey: [String: Int64] = [:]
            for try await (id, topic, article) in rows.decode((Int64, String, Int64).self) { byKey["\(topic) \(article)"] = id }
            for (old, m) in mapped { matchIDs[old] = byKey["\(m.topic) \(m.article)"] }
            report.matches += mapped.count
            progress("matches: \(report.matches)")
        }
        // Dismissals name stories, which are article ids: remapped like story ids.
        let dismissals: [DismissalRow] = try await source.read("read dismissals") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM dismissals ORDER BY id").map { r in
                DismissalRow(topic: r["topic_id"], story: r["story_id"], title: r["title"], created: r["created_at"])
            }
        }
        let mappedDismissals = dismissals.compactMap { d -> DismissalRow? in
            guard let story = articleIDs[d.story] else { return nil }
            return DismissalRow(topic: d.topic, story: story, title: PostgresStore.clean(d.title), created: d.created)
        }
        for batch in mappedDismissals.chunked(batchSize) {
            try await connection.query(
                """
                INSERT INTO dismissals (topic_id, story_id, title, created_at)
                SELECT x.topic, x.story, x.title, to_timestamp(x.created)
                FROM jsonb_to_recordset(\(try PostgresStore.json(batch))::jsonb) AS x(topic TEXT, story BIGINT, title TEXT, created DOUBLE PRECISION)
                ON CONFLICT (topic_id, story_id) DO NOTHING
                """, logger: logger)
        }
        report.deliveries = try await copyDeliveries(on: connection, matchIDs: matchIDs)
        progress("deliveries: \(report.deliveries)")
        return report
    }
}

extension StoreCopier {
    /// The outbox, with the match ids in `alert:` subjects pointing at the new match ids. The frozen
    /// payloads are copied as they are (their article ids are the source's; only text is shown).
    private func copyDeliveries(on connection: PostgresConnection, matchIDs: [Int64: Int64]) async throws -> Int {
        let rows: [DeliveryRow] = try await source.read("read deliveries") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM deliveries ORDER BY id").map { r in
                DeliveryRow(notifier: r["notifier"], subject: r["subject"], payload: r["payload"], state: r["state"],
                            attempts: r["attempts"], next: r["next_attempt_at"], error: r["last_error"], created: r["created_at"],
                            sent: r["sent_at"])
            }
        }
        let mapped = rows.map { row -> DeliveryRow in
            var copy = row
            // `alert:<match id>` (earlier versions) or `alert:<topic id>:<first match id>`.
            if row.subject.hasPrefix("alert:") {
                let rest = row.subject.dropFirst("alert:".count)
                let topicPart = rest.lastIndex(of: ":").map { String(rest[...$0]) } ?? ""
                if let old = Int64(rest.dropFirst(topicPart.count)), let new = matchIDs[old] {
                    copy.subject = "alert:\(topicPart)\(new)"
                }
            }
            copy.payload = PostgresStore.clean(row.payload)
            copy.error = PostgresStore.clean(row.error)
            return copy
        }
        for batch in mapped.chunked(batchSize) {
            try await connection.query(
                """
                INSERT INTO deliveries (notifier, subject, payload, state, attempts, next_attempt_at, last_error, created_at, sent_at)
                SELECT x.notifier, x.subject, x.payload, x.state, x.attempts, to_timestamp(x.next), x.error, to_timestamp(x.created),
                    to_timestamp(x.sent)
                FROM jsonb_to_recordset(\(try PostgresStore.json(batch))::jsonb) AS x(notifier TEXT, subject TEXT, payload TEXT,
                    state TEXT, attempts INTEGER, next DOUBLE PRECISION, error TEXT, created DOUBLE PRECISION, sent DOUBLE PRECISION)
                ON CONFLICT (notifier, subject) DO NOTHING
                """, logger: target.logger)
        }
        return mapped.count
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}

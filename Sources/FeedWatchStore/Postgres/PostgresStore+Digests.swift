public import Foundation
public import FeedWatchModel
import PostgresNIO
import Synchronization

/// Matches, digests, and sharing the work between daemons.
extension PostgresStore {
    /// The first half of the two-part advisory lock key of a day's digest ("fw" in ASCII);
    /// the second half is `hashtext(day)`.
    static let digestLockClass: Int32 = 0x6677

    struct MatchRow: Encodable {
        var topic: String
        var name: String
        var article: Int64
        var score: Double
        var snippets: String
        var matched: Double
    }

    @discardableResult
    public func recordMatches(_ matches: [TopicMatch], topics: [String: TopicReference], completing: [Int64]) async throws -> Int {
        guard !matches.isEmpty || !completing.isEmpty else { return 0 }
        let rows = matches.map { match in
            MatchRow(
                topic: match.topicID, name: Self.clean(topics[match.topicID]?.name ?? match.topicID), article: match.articleID,
                score: match.score, snippets: Self.clean(SnippetJSON.encode(match.snippets)), matched: match.matched.timeIntervalSince1970)
        }
        let document = try Self.json(rows)
        return try await operation("record matches") { [self] in
            let result = try await query(
                """
                WITH done AS (
                    UPDATE articles SET match_pending = false WHERE id = ANY(\(completing)) AND match_pending
                ), added AS (
                    INSERT INTO topic_matches (topic_id, topic_name, article_id, score, snippets, matched_at)
                    SELECT x.topic, x.name, x.article, x.score, x.snippets, to_timestamp(x.matched)
                    FROM jsonb_to_recordset(\(document)::jsonb) AS x(topic TEXT, name TEXT, article BIGINT,
                        score DOUBLE PRECISION, snippets TEXT, matched DOUBLE PRECISION)
                    ON CONFLICT (topic_id, article_id) DO NOTHING
                    RETURNING 1
                )
                SELECT COUNT(*) FROM added
                """)
            return try await Self.single(result, Int.self) ?? 0
        }
    }

    static func single<T: PostgresDecodable & Sendable>(_ rows: PostgresRowSequence, _ type: T.Type) async throws -> T? {
        var value: T?
        for try await v in rows.decode(T.self) where value == nil { value = v }
        return value
    }

    public func digestPublished(day: String) async throws -> Date? {
        try await operation("read digest \(day)") { [self] in
            let rows = try await query("SELECT published_at FROM digests WHERE day = \(day)")
            var published: Date?
            for try await value in rows.decode(Date?.self) where published == nil { published = value }
            return published
        }
    }

    public func collectDigest(day: String, timeZone: String, now: Date) async throws -> DigestRecord {
        try await transaction("collect digest \(day)") { [self] connection in
            // Waits for a daemon building the same day, so both see one consistent digest.
            try await query("SELECT pg_advisory_xact_lock(\(Self.digestLockClass), hashtext(\(day)))", on: connection)
            try await query(
                "INSERT INTO digests (day, time_zone, created_at) VALUES (\(day), \(timeZone), \(now)) ON CONFLICT (day) DO NOTHING",
                on: connection)
            let head = try await query(
                "SELECT id, day, time_zone, created_at, published_at FROM digests WHERE day = \(day)", on: connection)
            var record: DigestRecord?
            for try await (id, day, zone, created, published) in head.decode((Int64, String, String, Date, Date?).self) {
                record = DigestRecord(id: id, day: day, timeZone: zone, created: created, matchCount: 0, published: published)
            }
            guard var record else {
                throw StoreError(code: .other, message: "digest \(day) vanished inside its own transaction")
            }
            try await query("UPDATE topic_matches SET digest_id = \(record.id) WHERE digest_id IS NULL", on: connection)
            let count = try await query("SELECT COUNT(*) FROM topic_matches WHERE digest_id = \(record.id)", on: connection)
            record.matchCount = try await Self.single(count, Int.self) ?? 0
            return record
        }
    }

    public func buildDigestOnce(day: String, timeZone: String, now: Date) async throws -> DigestRecord? {
        try await transaction("build digest \(day)") { [self] connection in
            // Not waiting: if another daemon holds the lock, it is building this digest.
            let locked = try await query(
                "SELECT pg_try_advisory_xact_lock(\(Self.digestLockClass), hashtext(\(day)))", on: connection)
            guard try await Self.single(locked, Bool.self) == true else { return nil }
            let inserted = try await query(
                """
                INSERT INTO digests (day, time_zone, created_at) VALUES (\(day), \(timeZone), \(now))
                ON CONFLICT (day) DO NOTHING RETURNING id
                """, on: connection)
            // No row: the digest exists, so it was built before.
            guard let id = try await Self.single(inserted, Int64.self) else { return nil }
            let assigned = try await query(
                """
                WITH assigned AS (UPDATE topic_matches SET digest_id = \(id) WHERE digest_id IS NULL RETURNING 1)
                SELECT COUNT(*) FROM assigned
                """, on: connection)
            let count = try await Self.single(assigned, Int.self) ?? 0
            return DigestRecord(id: id, day: day, timeZone: timeZone, created: now, matchCount: count)
        }
    }

    public func digest(day: String, sourcesPerStory: Int) async throws -> Digest? {
        try await transaction("read digest \(day)") { [self] connection in
            let head = try await query("SELECT id, day, time_zone, created_at FROM digests WHERE day = \(day)", on: connection)
            var found: (Int64, String, String, Date)?
            for try await row in head.decode((Int64, String, String, Date).self) { found = row }
            guard let (id, storedDay, zone, created) = found else { return nil }
            let rows = try await query(
                """
                SELECT m.topic_id, m.topic_name, m.score, m.snippets, a.id, a.title, a.link,
                    a.published_at, COALESCE(f.name, f.title, f.url), a.story_id
                FROM topic_matches m
                JOIN articles a ON a.id = m.article_id
                JOIN feeds f ON f.id = a.feed_id
                WHERE m.digest_id = \(id)
                ORDER BY m.topic_id, m.score DESC, a.published_at DESC NULLS LAST, a.id
                """, on: connection)
            var sections: [Digest.Section] = []
            var storyOf: [Int64: Int64] = [:]
            // Only the first item of each story per topic is kept (`collapseStories`): the
            // others are not built, nor their snippets decoded (as `SQLiteStore.digest(day:)`).
            var storiesOfTopic: Set<Int64> = []
            for try await c in rows.decode((String, String, Double, String, Int64, String, String?, Date?, String, Int64?).self) {
                if sections.last?.topic.id != c.0 { storiesOfTopic.removeAll(keepingCapacity: true) }
                if let story = c.9 {
                    guard storiesOfTopic.insert(story).inserted else { continue }
                    storyOf[c.4] = story
                }
                let snippets = SnippetJSON.decode(c.3)
                let item = Digest.Item(
                    articleID: c.4, title: c.5, link: c.6, feedName: c.8, published: c.7, score: c.2, snippets: snippets,
                    storyID: c.9)
                if sections.last?.topic.id == c.0 {
                    sections[sections.count - 1].items.append(item)
                } else {
                    sections.append(Digest.Section(topic: TopicReference(id: c.0, name: c.1), items: [item]))
                }
            }
            try await collapseStories(&sections, storyOf: storyOf, sourcesPerStory: sourcesPerStory, on: connection)
            return Digest(day: storedDay, timeZone: zone, created: created, sections: sections)
        }
    }

    /// Lists other feeds' articles of each story as "also reported by" on the story's item, in
    /// place, at most `sourcesPerStory` and the rest counted (as `SQLiteStore.collapseStories`).
    func collapseStories(
        _ sections: inout [Digest.Section], storyOf: [Int64: Int64], sourcesPerStory: Int, on connection: PostgresConnection
    ) async throws {
        let storyIDs = Set(storyOf.values).sorted()
        guard !storyIDs.isEmpty else { return }
        let rows = try await query(
            // Only stories with more than one article (as `SQLiteStore.collapseStories`).
            """
            SELECT id, title, link, story_id, feed_name FROM (
                SELECT a.id, a.title, a.link, a.story_id, COALESCE(f.name, f.title, f.url) AS feed_name,
                    COALESCE(a.published_at, a.discovered_at) AS seen, COUNT(*) OVER (PARTITION BY a.story_id) AS size
                FROM articles a JOIN feeds f ON f.id = a.feed_id
                WHERE a.story_id = ANY(\(storyIDs))) AS story_articles
            WHERE size > 1
            ORDER BY seen, id
            """, on: connection)
        // Rows come one at a time: only the kept ones' sources are held.
        var sources = StorySources(sourcesPerStory: sourcesPerStory)
        for try await (id, title, link, story, feedName) in rows.decode((Int64, String, String?, Int64, String).self) {
            if sources.count(story: story, article: id) {
                sources.give(article: id, source: Digest.Link(feedName: feedName, url: link, title: title))
            }
        }
        SQLiteStore.collapse(&sections, storyOf: storyOf, sources: sources)
    }

    public func digests() async throws -> [DigestRecord] {
        try await operation("list digests") { [self] in
            let rows = try await query(
                """
                SELECT d.id, d.day, d.time_zone, d.created_at,
                    (SELECT COUNT(*) FROM topic_matches m WHERE m.digest_id = d.id), d.published_at, d.publish_error
                FROM digests d ORDER BY d.day DESC
                """)
            var records: [DigestRecord] = []
            for try await c in rows.decode((Int64, String, String, Date, Int, Date?, String?).self) {
                records.append(DigestRecord(
                    id: c.0, day: c.1, timeZone: c.2, created: c.3, matchCount: c.4, published: c.5, publishError: c.6))
            }
            return records
        }
    }

    public func pendingMatchCount() async throws -> Int {
        try await operation("count pending matches") { [self] in
            try await Self.single(query("SELECT COUNT(*) FROM topic_matches WHERE digest_id IS NULL"), Int.self) ?? 0
        }
    }

    // MARK: Sharing the work

    public func claimDueFeeds(owner: String, now: Date, lease: TimeInterval, limit: Int) async throws -> [StoredFeed] {
        guard limit > 0 else { return [] }
        let until = now.addingTimeInterval(lease)
        return try await operation("claim due feeds") { [self] in
            // SKIP LOCKED: daemons claiming at the same moment take disjoint feeds instead of
            // waiting for each other; a row another daemon just leased is re-checked against
            // its new lease_until and dropped.
            let rows = try await query(
                """
                WITH due AS (
                    SELECT s.feed_id FROM fetch_state s JOIN feeds f ON f.id = s.feed_id
                    WHERE f.active AND s.disabled_reason IS NULL
                        AND (s.next_check_at IS NULL OR s.next_check_at <= \(now))
                        AND (s.lease_until IS NULL OR s.lease_until < \(now))
                    ORDER BY s.next_check_at NULLS FIRST, f.position, f.id
                    LIMIT \(limit)
                    FOR UPDATE OF s SKIP LOCKED
                )
                UPDATE fetch_state s SET lease_owner = \(owner), lease_until = \(until)
                FROM due JOIN feeds f ON f.id = due.feed_id
                WHERE s.feed_id = due.feed_id
                RETURNING f.id, f.url, f.name, f.title, f.tags, f.created_at, \(unescaped: Self.fetchStateColumns), f.position,
                    f.identity_mode
                """)
            var claimed: [(position: Int, feed: StoredFeed, state: FetchState, mode: FeedIdentityMode)] = []
            for try await row in rows {
                let r = PostgresRandomAccessRow(row)
                let count = Self.fetchStateColumnCount
                claimed.append((
                    try r[6 + count].decode(Int.self), try Self.feed(r), try Self.fetchState(r, from: 6),
                    FeedIdentityMode(rawValue: try r[7 + count].decode(String.self)) ?? .guid))
            }
            // Kept for the fetch that follows (see fetchState(feedID:) and storeDocument).
            claimedStates.withLock { states in
                for c in claimed { states[c.feed.id] = c.state }
            }
            identityModes.withLock { modes in
                for c in claimed { modes[c.feed.id] = c.mode }
            }
            return claimed.sorted { ($0.position, $0.feed.id) < ($1.position, $1.feed.id) }.map(\.feed)
        }
    }

    public func releaseLeases(feedIDs: [Int64], owner: String) async throws {
        guard !feedIDs.isEmpty else { return }
        claimedStates.withLock { states in
            for id in feedIDs { states.removeValue(forKey: id) }
        }
        try await operation("release leases") { [self] in
            try await query(
                """
                UPDATE fetch_state SET lease_owner = NULL, lease_until = NULL
                WHERE feed_id = ANY(\(feedIDs)) AND lease_owner = \(owner)
                """)
        }
    }

    @discardableResult
    public func renewLeases(feedIDs: [Int64], owner: String, until: Date) async throws -> Int {
        guard !feedIDs.isEmpty else { return 0 }
        return try await operation("renew leases") { [self] in
            let rows = try await query(
                """
                WITH renewed AS (
                    UPDATE fetch_state SET lease_until = \(until)
                    WHERE feed_id = ANY(\(feedIDs)) AND lease_owner = \(owner) RETURNING 1
                )
                SELECT COUNT(*) FROM renewed
                """)
            return try await Self.single(rows, Int.self) ?? 0
        }
    }

    public func leaseOwners(now: Date) async throws -> [String] {
        try await operation("list lease owners") { [self] in
            let rows = try await query(
                """
                SELECT DISTINCT lease_owner FROM fetch_state
                WHERE lease_owner IS NOT NULL AND lease_until >= \(now) ORDER BY 1
                """)
            var owners: [String] = []
            for try await owner in rows.decode(String.self) { owners.append(owner) }
            return owners
        }
    }

    @discardableResult
    public func releaseAllLeases(owners: [String]) async throws -> Int {
        guard !owners.isEmpty else { return 0 }
        return try await operation("release leases") { [self] in
            let rows = try await query(
                """
                WITH released AS (
                    UPDATE fetch_state SET lease_owner = NULL, lease_until = NULL
                    WHERE lease_owner = ANY(\(owners)) RETURNING 1
                )
                SELECT COUNT(*) FROM released
                """)
            return try await Self.single(rows, Int.self) ?? 0
        }
    }

    public func nextClaimableDate() async throws -> Date? {
        try await operation("find the next due feed") { [self] in
            let rows = try await query(
                """
                SELECT MIN(GREATEST(COALESCE(s.next_check_at, 'epoch'), COALESCE(s.lease_until, 'epoch')))
                FROM feeds f JOIN fetch_state s ON s.feed_id = f.id
                WHERE f.active AND s.disabled_reason IS NULL
                """)
            var value: Date?
            for try await date in rows.decode(Date?.self) { value = date }
            return value
        }
    }

    public func feedScheduleSummary(now: Date) async throws -> FeedScheduleSummary {
        try await operation("read the feed schedule") { [self] in
            let rows = try await query(
                """
                SELECT COUNT(*), COUNT(*) FILTER (WHERE s.error_count > 0),
                    COUNT(*) FILTER (WHERE s.disabled_reason IS NULL AND (s.next_check_at IS NULL OR s.next_check_at <= \(now))),
                    MIN(s.next_check_at) FILTER (WHERE s.disabled_reason IS NULL AND s.next_check_at > \(now))
                FROM feeds f JOIN fetch_state s ON s.feed_id = f.id
                WHERE f.active
                """)
            var summary = FeedScheduleSummary(total: 0, failing: 0, due: 0, nextCheck: nil)
            for try await (total, failing, due, next) in rows.decode((Int, Int, Int, Date?).self) {
                summary = FeedScheduleSummary(total: total, failing: failing, due: due, nextCheck: next)
            }
            return summary
        }
    }
}

public import Foundation
public import FeedWatchModel
import GRDB
import CSQLiteShims

#if canImport(Glibc)
import Glibc
#endif

/// The embedded store: one SQLite file in WAL mode, through GRDB.
///
/// Dates are stored as Unix seconds (REAL) so that comparisons in SQL are plain numeric ones.
public final class SQLiteStore: Store {
    let pool: DatabasePool
    /// Stores the feed refreshes that queue while the writer is busy in one transaction.
    let groupCommit: SQLiteGroupCommit
    /// The database file, for error messages.
    public let path: String

    /// Opens (creating if needed) the database at `path` and brings its schema up to date; with
    /// `access: .readOnly` (what `status`, `feeds list` and the source of `store copy` use),
    /// opens an existing database without creating, migrating or writing anything, and refuses
    /// one whose schema is not this build's.
    /// - Parameters:
    ///   - busyTimeout: how long a write waits for another process's lock.
    ///   - refreshesPerTransaction: the most feed refreshes that queue behind a busy writer and
    ///     are then committed together (`SQLiteGroupCommit`); 1 commits every refresh alone.
    public init(
        path: String, access: StoreAccess = .readWrite, busyTimeout: Double = 5,
        refreshesPerTransaction: Int = SQLiteStore.defaultRefreshesPerTransaction
    ) throws {
        self.path = path
        _ = SQLiteStore.processSettings
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.foreignKeysEnabled = true
        config.label = "feedwatch"
        config.prepareDatabase { db in
            // Each refresh of a group commit runs in a savepoint, whose journal of the pages it
            // changes SQLite keeps in a temporary file by default: keep it in memory (it is as
            // large as one refresh's pages).
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(SQLiteStore.walCheckpointPages)")
            // The log's bound in bytes, of this database's pages (4 KiB unless made otherwise).
            let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            try db.execute(sql: "PRAGMA journal_size_limit = \(SQLiteStore.walCheckpointPages * pageSize)")
        }
        if access == .readOnly {
            guard FileManager.default.fileExists(atPath: path) else {
                throw StoreError(code: .cannotOpen, message: "\(path): no database yet (the daemon creates it when it first starts)")
            }
            config.readonly = true
            do {
                pool = try DatabasePool(path: path, configuration: config)
            } catch {
                throw SQLiteStore.translate(error, path: path, doing: "open")
            }
            groupCommit = SQLiteGroupCommit(pool: pool, maxWritesPerTransaction: refreshesPerTransaction)
            let schema: (complete: Bool, superseded: Bool)
            do {
                schema = try pool.read { db in
                    (try SQLiteMigrations.migrator.hasCompletedMigrations(db), try SQLiteMigrations.migrator.hasBeenSuperseded(db))
                }
            } catch {
                throw SQLiteStore.translate(error, path: path, doing: "read the schema of")
            }
            if schema.superseded {
                throw StoreError(code: .migrationFailed, message: "\(path): the database was migrated by a newer feedwatch; upgrade this one")
            }
            if !schema.complete {
                throw StoreError(
                    code: .migrationFailed,
                    message: "\(path): the database has an older schema; the daemon migrates it when it starts (this command only reads)")
            }
            return
        }
        do {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
                // Private whatever the umask (outside systemd too): the database holds credentialed URLs.
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            }
            SQLiteStore.createPrivately(path)
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw SQLiteStore.translate(error, path: path, doing: "open")
        }
        groupCommit = SQLiteGroupCommit(pool: pool, maxWritesPerTransaction: refreshesPerTransaction)
        do {
            try SQLiteMigrations.migrator.migrate(pool)
        } catch {
            throw StoreError(code: .migrationFailed, message: "\(path): migrating the schema failed: \(SQLiteStore.reason(error))")
        }
    }

    /// SQLite's process-wide settings, made once, before the first store opens its first
    /// connection (they can be made only before SQLite initialises): its memory statistics
    /// off. With them on, every allocation and free SQLite makes (several per row written)
    /// takes one process-wide mutex to count bytes that feedwatch never reads; SQLite's own
    /// recommended build options turn them off (`SQLITE_DEFAULT_MEMSTATUS=0`), Debian's
    /// library leaves them on. Were SQLite initialised already, nothing changes.
    static let processSettings: Void = {
        _ = feedwatch_sqlite_disable_memory_statistics()
    }()

    /// Creates a missing database file with mode 0600 before SQLite opens it (SQLite gives its
    /// -wal and -shm files the same mode), so neither the umask nor a shared state directory
    /// lets other users read feed URLs with credentials. An existing file is left as it is.
    static func createPrivately(_ path: String) {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Runs a write transaction, translating SQLite errors into `StoreError`s that name the file.
    func write<T: Sendable>(_ doing: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw SQLiteStore.translate(error, path: path, doing: doing)
        }
    }

    /// `write`, through the group commit: `body` runs in its own savepoint of a transaction it
    /// may share with other writes queued meanwhile, and returns once that transaction commits.
    func groupWrite<T: Sendable>(_ doing: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await groupCommit.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw SQLiteStore.translate(error, path: path, doing: doing)
        }
    }

    /// How many pages the write-ahead log collects before a commit copies them into the
    /// database (`PRAGMA wal_autocheckpoint`; SQLite's default is 1,000). A refresh dirties the
    /// same tail pages of the article and match tables and their indexes as the one before it:
    /// a checkpoint writes each page once however many commits changed it, so checkpointing a
    /// tenth as often writes most of those pages a tenth as often, and syncs the database file
    /// a tenth as often. The log then grows to about 40 MB (4 KiB pages) before it is reused,
    /// and is cut back to that size (`journal_size_limit`) when a long read made it grow past.
    static let walCheckpointPages = 10_000

    /// How many feed refreshes one transaction takes at most unless configured
    /// (`[storage] refreshes_per_transaction`). A transaction takes only the refreshes that
    /// wait when the writer is free, so the bound matters when many do (a cold cycle): each
    /// commit appends the tail pages of the article and match tables and their indexes to the
    /// WAL again, and with 32 rather than 8 a cold 2,000-feed cycle made 43,000 writes to the
    /// log instead of 62,000 (`pwrite64`, CycleBenchmark under `strace -c`), for no more
    /// memory (a transaction's pages past the cache spill to the WAL as they would anyway).
    public static let defaultRefreshesPerTransaction = 32

    func read<T: Sendable>(_ doing: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw SQLiteStore.translate(error, path: path, doing: doing)
        }
    }

    static func reason(_ error: any Error) -> String {
        if let db = error as? DatabaseError { return db.message ?? "\(db.resultCode)" }
        return "\(error)"
    }

    static func translate(_ error: any Error, path: String, doing: String) -> StoreError {
        guard let db = error as? DatabaseError else {
            return StoreError(code: .other, message: "\(path): \(doing) failed: \(error)")
        }
        let message = db.message ?? "\(db.resultCode)"
        switch db.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError(code: .locked, message: "\(path): \(doing) failed: the database is locked by another process (\(message))")
        case .SQLITE_FULL:
            return StoreError(code: .diskFull, message: "\(path): \(doing) failed: the disk is full")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return StoreError(code: .corrupt, message: "\(path): \(doing) failed: the file is not a valid feedwatch database (\(message))")
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_IOERR:
            return StoreError(code: .cannotOpen, message: "\(path): \(doing) failed: \(message)")
        default:
            return StoreError(code: .other, message: "\(path): \(doing) failed: \(message)")
        }
    }

    // MARK: Feeds

    public func syncFeeds(_ sources: [FeedSource]) async throws -> [StoredFeed] {
        try await write("sync feeds") { db in
            let now = Date().timeIntervalSince1970
            try db.execute(sql: "UPDATE feeds SET active = 0")
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO feeds (url, name, tags, active, position, created_at) VALUES (?, ?, ?, 1, ?, ?)
                ON CONFLICT(url) DO UPDATE SET name = excluded.name, tags = excluded.tags,
                    active = 1, position = excluded.position
                """)
            for (position, source) in sources.enumerated() {
                try upsert.execute(arguments: [source.url, source.name, Self.encodeTags(source.tags), position, now])
            }
            try db.execute(sql: """
                INSERT INTO fetch_state (feed_id) SELECT id FROM feeds
                WHERE id NOT IN (SELECT feed_id FROM fetch_state)
                """)
            return try Self.fetchActiveFeeds(db)
        }
    }

    public func activeFeeds() async throws -> [StoredFeed] {
        try await read("read feeds") { db in try Self.fetchActiveFeeds(db) }
    }

    static func fetchActiveFeeds(_ db: Database) throws -> [StoredFeed] {
        try Row.fetchAll(db, sql: "SELECT id, url, name, title, tags, created_at FROM feeds WHERE active = 1 ORDER BY position, id")
            .map(feed(from:))
    }

    static func feed(from row: Row) -> StoredFeed {
        let created: Double? = row["created_at"]
        return StoredFeed(
            id: row["id"], url: row["url"], name: row["name"], title: row["title"], tags: decodeTags(row["tags"]),
            watchedSince: created.map(Date.init(timeIntervalSince1970:)))
    }

    static func encodeTags(_ tags: [String]) -> String {
        guard !tags.isEmpty else { return "[]" }
        let data = (try? JSONEncoder().encode(tags)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeTags(_ text: String?) -> [String] {
        guard let text, text != "[]" else { return [] }
        return (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }

    public func updateFeedTitle(feedID: Int64, title: String) async throws {
        try await write("update feed title") { db in
            try db.execute(sql: "UPDATE feeds SET title = ? WHERE id = ?", arguments: [title, feedID])
        }
    }

    // MARK: Fetch state

    public func fetchState(feedID: Int64) async throws -> FetchState {
        try await read("read fetch state") { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM fetch_state WHERE feed_id = ?"), arguments: [feedID]) else {
                throw StoreError(code: .unknownFeed, message: "no feed with id \(feedID)")
            }
            return Self.fetchState(from: row)
        }
    }

    public func disabledFeedIDs() async throws -> Set<Int64> {
        try await read("read fetch state") { db in
            Set(try Int64.fetchAll(db, sql: "SELECT feed_id FROM fetch_state WHERE disabled_reason IS NOT NULL"))
        }
    }

    static func fetchState(from row: Row) -> FetchState {
        FetchState(
            etag: row["etag"], lastModified: row["last_modified"],
            lastFetched: date(row["last_fetched_at"]), lastSuccess: date(row["last_success_at"]),
            nextCheck: date(row["next_check_at"]), errorCount: (row["error_count"] as Int?) ?? 0, lastError: row["last_error"],
            lastStatus: row["last_status"], disabledReason: row["disabled_reason"], movedTo: row["moved_to"],
            lastFullFetch: date(row["last_full_fetch_at"]), nextCheckReason: row["next_check_reason"])
    }

    static func date(_ seconds: Double?) -> Date? { seconds.map(Date.init(timeIntervalSince1970:)) }

    public func saveFetchState(feedID: Int64, _ state: FetchState) async throws {
        try await write("save fetch state") { db in try Self.saveFetchState(db, feedID: feedID, state) }
    }

    static func saveFetchState(_ db: Database, feedID: Int64, _ state: FetchState) throws {
        // Bound through the C API (`SQLiteDirectWrite`): every refresh and every 304 saves one.
        var row = try SQLiteDirectWrite(db.cachedStatement(sql: """
            INSERT INTO fetch_state (feed_id, etag, last_modified, last_fetched_at, last_success_at,
                next_check_at, error_count, last_error, last_status, disabled_reason, moved_to,
                last_full_fetch_at, next_check_reason)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(feed_id) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
                last_fetched_at = excluded.last_fetched_at, last_success_at = excluded.last_success_at,
                next_check_at = excluded.next_check_at, error_count = excluded.error_count,
                last_error = excluded.last_error, last_status = excluded.last_status,
                disabled_reason = excluded.disabled_reason, moved_to = excluded.moved_to,
                last_full_fetch_at = excluded.last_full_fetch_at, next_check_reason = excluded.next_check_reason
            """), in: db)
        row.bind(feedID)
        row.bind(state.etag)
        row.bind(state.lastModified)
        row.bind(state.lastFetched?.timeIntervalSince1970)
        row.bind(state.lastSuccess?.timeIntervalSince1970)
        row.bind(state.nextCheck?.timeIntervalSince1970)
        row.bind(state.errorCount)
        row.bind(state.lastError)
        row.bind(state.lastStatus)
        row.bind(state.disabledReason)
        row.bind(state.movedTo)
        row.bind(state.lastFullFetch?.timeIntervalSince1970)
        row.bind(state.nextCheckReason)
        try row.execute()
    }

    /// `ids` as a JSON array, for `json_each(?)`: one cached statement whatever their number.
    static func jsonArray(_ ids: some Sequence<Int64>) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }

    // MARK: Articles

    public func articles(since: Date, limit: Int) async throws -> [Article] {
        try await read("read articles") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM articles WHERE discovered_at >= ? ORDER BY discovered_at DESC, id DESC LIMIT ?",
                arguments: [since.timeIntervalSince1970, limit]
            ).map(Self.article(from:))
        }
    }

    public func articlesPendingMatch(storedBefore: Date, limit: Int) async throws -> [Article] {
        try await read("read articles waiting for matches") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM articles WHERE match_pending = 1 AND COALESCE(updated_at, discovered_at) < ?
                    ORDER BY discovered_at, id LIMIT ?
                    """,
                arguments: [storedBefore.timeIntervalSince1970, limit]
            ).map(Self.article(from:))
        }
    }

    static func article(from row: Row) -> Article {
        var article = Article(
            id: row["id"], feedID: row["feed_id"], fingerprint: row["fingerprint"], title: row["title"],
            link: row["link"], summary: row["summary"], content: row["content"], author: row["author"],
            published: date(row["published_at"]), discovered: Date(timeIntervalSince1970: row["discovered_at"]))
        article.storyID = row["story_id"]
        article.fullText = row["full_text"]
        article.extractionNote = row["extraction_note"]
        article.language = row["language"]
        return article
    }

    // MARK: Matches and digests

    public func recordMatches(_ matches: [TopicMatch], topics: [String: TopicReference], completing: [Int64]) async throws -> Int {
        guard !matches.isEmpty || !completing.isEmpty else { return 0 }
        return try await write("record matches") { db in try Self.recordMatches(db, matches, topics: topics, completing: completing) }
    }

    static func recordMatches(_ db: Database, _ matches: [TopicMatch], topics: [String: TopicReference], completing: [Int64]) throws -> Int {
        guard !matches.isEmpty || !completing.isEmpty else { return 0 }
        let done = try db.cachedStatement(sql: "UPDATE articles SET match_pending = 0 WHERE id = ? AND match_pending = 1")
        for id in completing { try done.execute(arguments: [id]) }
        guard !matches.isEmpty else { return 0 }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO topic_matches (topic_id, topic_name, article_id, score, matched_at)
            VALUES (?, ?, ?, ?, ?) ON CONFLICT(topic_id, article_id) DO NOTHING
            """)
        let insertSnippets = try db.cachedStatement(sql: "INSERT INTO match_snippets (match_id, snippets) VALUES (?, ?)")
        var added = 0
        // Bound through the C API (`SQLiteDirectWrite`): this runs for every match.
        for match in matches {
            var row = SQLiteDirectWrite(insert, in: db)
            row.bind(match.topicID)
            row.bind(topics[match.topicID]?.name ?? match.topicID)
            row.bind(match.articleID)
            row.bind(match.score)
            row.bind(match.matched.timeIntervalSince1970)
            // A match already stored keeps the snippets it was stored with.
            guard try row.execute() > 0 else { continue }
            added += 1
            var snippets = SQLiteDirectWrite(insertSnippets, in: db)
            snippets.bind(db.lastInsertedRowID)
            snippets.bind(utf8: SnippetJSON.encodeCompactUTF8(match.snippets))
            try snippets.execute()
        }
        return added
    }

    public func collectDigest(day: String, timeZone: String, now: Date) async throws -> DigestRecord {
        try await write("collect digest \(day)") { db in
            try db.execute(
                sql: "INSERT INTO digests (day, time_zone, created_at) VALUES (?, ?, ?) ON CONFLICT(day) DO NOTHING",
                arguments: [day, timeZone, now.timeIntervalSince1970])
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM digests WHERE day = ?", arguments: [day]) else {
                throw StoreError(code: .other, message: "digest \(day) vanished inside its own transaction")
            }
            let id: Int64 = row["id"]
            try Self.assignPendingMatches(db, to: id)
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM topic_matches WHERE digest_id = ?", arguments: [id]) ?? 0
            return DigestRecord(
                id: id, day: row["day"], timeZone: row["time_zone"],
                created: Date(timeIntervalSince1970: row["created_at"]), matchCount: count,
                published: Self.date(row["published_at"]))
        }
    }

    /// How many matches `assignPendingMatches` assigns per statement.
    static let matchAssignmentBatch = 2_000

    /// Assigns every match not yet in a digest to digest `id`, inside the caller's
    /// transaction; returns how many. A statement at a time changes `matchAssignmentBatch`
    /// rows: SQLite keeps the old content of every page a statement changes in a statement
    /// journal (in memory, `temp_store`) until the statement ends, and one statement over a
    /// day of 200,000 matches held 90 MB of it.
    @discardableResult
    static func assignPendingMatches(_ db: Database, to id: Int64) throws -> Int {
        let assign = try db.cachedStatement(sql: """
            UPDATE topic_matches SET digest_id = ?
            WHERE id IN (SELECT id FROM topic_matches WHERE digest_id IS NULL LIMIT ?)
            """)
        var total = 0
        while true {
            try assign.execute(arguments: [id, matchAssignmentBatch])
            let changed = db.changesCount
            total += changed
            if changed < matchAssignmentBatch { return total }
        }
    }

    public func digest(day: String, sourcesPerStory: Int) async throws -> Digest? {
        try await read("read digest \(day)") { db in
            guard let head = try Row.fetchOne(db, sql: "SELECT * FROM digests WHERE day = ?", arguments: [day]) else {
                return nil
            }
            // A cursor, not fetchAll: a day of tens of thousands of matches is never held twice.
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT m.topic_id, m.topic_name, m.score, COALESCE(s.snippets, '[]') AS snippets, a.id AS article_id,
                        a.title, a.link, a.published_at, a.story_id, COALESCE(f.name, f.title, f.url) AS feed_name
                    FROM topic_matches m
                    LEFT JOIN match_snippets s ON s.match_id = m.id
                    JOIN articles a ON a.id = m.article_id
                    JOIN feeds f ON f.id = a.feed_id
                    WHERE m.digest_id = ?
                    ORDER BY m.topic_id, m.score DESC, a.published_at DESC, a.id
                    """,
                arguments: [head["id"]])
            var sections: [Digest.Section] = []
            var storyOf: [Int64: Int64] = [:]
            // The stories the current topic has an item for: `collapseStories` keeps the first
            // item of each story per topic, so the others are not built (nor their snippets
            // decoded) at all: syndicated copy does not cost a day's worth of snippets.
            var storiesOfTopic: Set<Int64> = []
            while let row = try rows.next() {
                let topicID: String = row["topic_id"]
                if sections.last?.topic.id != topicID { storiesOfTopic.removeAll(keepingCapacity: true) }
                if let story: Int64 = row["story_id"] {
                    guard storiesOfTopic.insert(story).inserted else { continue }
                    storyOf[row["article_id"]] = story
                }
                let snippetText: String = row["snippets"]
                let snippets = SnippetJSON.decode(snippetText)
                let item = Digest.Item(
                    articleID: row["article_id"], title: row["title"], link: row["link"], feedName: row["feed_name"],
                    published: Self.date(row["published_at"]), score: row["score"], snippets: snippets, storyID: row["story_id"])
                if sections.last?.topic.id == topicID {
                    sections[sections.count - 1].items.append(item)
                } else {
                    sections.append(Digest.Section(topic: TopicReference(id: topicID, name: row["topic_name"]), items: [item]))
                }
            }
            try Self.collapseStories(&sections, digestID: head["id"], storyOf: storyOf, sourcesPerStory: sourcesPerStory, db: db)
            return Digest(
                day: head["day"], timeZone: head["time_zone"],
                created: Date(timeIntervalSince1970: head["created_at"]), sections: sections)
        }
    }

    public func digestPublished(day: String) async throws -> Date? {
        try await read("read digest \(day)") { db in
            try Double?.fetchOne(db.cachedStatement(sql: "SELECT published_at FROM digests WHERE day = ?"), arguments: [day])
                .flatMap { $0 }.map(Date.init(timeIntervalSince1970:))
        }
    }

    public func digests() async throws -> [DigestRecord] {
        try await read("list digests") { db in
            try Row.fetchAll(db, sql: """
                SELECT d.*, (SELECT COUNT(*) FROM topic_matches m WHERE m.digest_id = d.id) AS match_count
                FROM digests d ORDER BY d.day DESC
                """
            ).map { row in
                DigestRecord(
                    id: row["id"], day: row["day"], timeZone: row["time_zone"],
                    created: Date(timeIntervalSince1970: row["created_at"]), matchCount: row["match_count"],
                    published: Self.date(row["published_at"]), publishError: row["publish_error"])
            }
        }
    }

    public func pendingMatchCount() async throws -> Int {
        try await read("count pending matches") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM topic_matches WHERE digest_id IS NULL") ?? 0
        }
    }

    public func feedStatuses() async throws -> [FeedStatus] {
        try await read("read feed status") { db in
            // A cursor: 10,000 feeds' rows of thirty columns are not held besides their statuses
            // (the digest's health report reads this on every publication).
            let rows = try Row.fetchCursor(db, sql: """
                SELECT f.id, f.url, f.name, f.title, f.tags, f.created_at, f.identity_mode, s.*,
                    (SELECT COUNT(*) FROM articles a WHERE a.feed_id = f.id) AS article_count
                FROM feeds f LEFT JOIN fetch_state s ON s.feed_id = f.id
                WHERE f.active = 1 ORDER BY f.position, f.id
                """)
            var statuses: [FeedStatus] = []
            while let row = try rows.next() {
                var status = FeedStatus(feed: Self.feed(from: row), state: Self.fetchState(from: row), articleCount: row["article_count"])
                status.identityMode = FeedIdentityMode(rawValue: row["identity_mode"] ?? "") ?? .guid
                statuses.append(status)
            }
            return statuses
        }
    }

    /// Runs SQLite's own consistency check; returns its findings ("ok" when sound).
    public func integrityCheck() async throws -> [String] {
        try await read("integrity check") { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }
}

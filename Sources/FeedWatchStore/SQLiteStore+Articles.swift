public import Foundation
public import FeedWatchModel
import GRDB

/// Article identity, updates, stories, extraction results and retention.
extension SQLiteStore {
    public func storeEntries(feedID: Int64, entries: [Entry], discovered: Date, maxNew: Int) async throws -> StoredEntries {
        try await write("store articles") { db in
            try Self.storeEntries(db, feedID: feedID, entries: entries, discovered: discovered, maxNew: maxNew)
        }
    }

    public func storeRefresh(
        _ refresh: FeedRefreshWrite, derive: @escaping @Sendable (StoredEntries) -> FeedRefreshDerivation
    ) async throws -> FeedRefreshResult {
        try await groupWrite("store refresh") { db in
            if let title = refresh.title {
                try db.cachedStatement(sql: "UPDATE feeds SET title = ? WHERE id = ?").execute(arguments: [title, refresh.feedID])
            }
            var deferred: [DeferredArticle]? = refresh.derivesNewArticles ? [] : nil
            let stored = try Self.storeEntries(
                db, feedID: refresh.feedID, entries: refresh.entries, discovered: refresh.discovered, maxNew: refresh.maxNew,
                settlingNew: refresh.derivesNewArticles, deferring: &deferred)
            let derived = derive(stored)
            let completing: [Int64]
            if let deferred, !deferred.isEmpty {
                // A feed's first articles: written once, as the derivation settled them.
                try Self.insertDeferred(db, deferred, feedID: refresh.feedID, discovered: refresh.discovered, derived: derived)
                let newIDs = Set(stored.new.map(\.id))
                completing = derived.completing.filter { !newIDs.contains($0) }
            } else if refresh.derivesNewArticles {
                completing = try Self.correctSettled(db, new: stored.new, derived: derived)
            } else {
                completing = try Self.applyStories(db, derived)
            }
            let added = try Self.recordMatches(db, derived.matches, topics: refresh.topics, completing: completing)
            try Self.saveFetchState(db, feedID: refresh.feedID, refresh.state)
            return FeedRefreshResult(entries: stored, newMatches: added)
        }
    }

    /// Writes the derivation's stories of articles stored pending and unassigned; returns the
    /// articles `recordMatches` still has to mark matched. An article both given a story and
    /// marked matched is updated once, not twice.
    private static func applyStories(_ db: Database, _ derived: FeedRefreshDerivation) throws -> [Int64] {
        let completing = Set(derived.completing)
        let storyAndDone = try db.cachedStatement(sql: "UPDATE articles SET story_id = ?, match_pending = 0 WHERE id = ?")
        var stories: [Int64: Int64] = [:]
        for (articleID, storyID) in derived.stories.sorted(by: { $0.key < $1.key }) {
            if completing.contains(articleID) {
                try storyAndDone.execute(arguments: [storyID, articleID])
            } else {
                stories[articleID] = storyID
            }
        }
        try Self.assignStories(db, stories)
        return derived.completing.filter { derived.stories[$0] == nil }
    }

    /// New articles inserted settled (their own story, matched) take what the derivation says
    /// where it differs: another story (most often none differs for a feed's own news), no
    /// story, or still pending. Returns the other articles `recordMatches` has to mark matched.
    private static func correctSettled(_ db: Database, new: [Article], derived: FeedRefreshDerivation) throws -> [Int64] {
        let completing = Set(derived.completing)
        let correct = try db.cachedStatement(sql: "UPDATE articles SET story_id = ?, match_pending = ? WHERE id = ?")
        var newIDs = Set<Int64>()
        newIDs.reserveCapacity(new.count)
        for article in new {
            newIDs.insert(article.id)
            let story = derived.stories[article.id]
            let done = completing.contains(article.id)
            guard story != article.id || !done else { continue }
            var row = SQLiteDirectWrite(correct, in: db)
            row.bind(story)
            row.bind(done ? 0 : 1)
            row.bind(article.id)
            try row.execute()
        }
        return derived.completing.filter { !newIDs.contains($0) }
    }

    /// A new article of a feed that had none stored, kept out of the table until the refresh's
    /// derivation has run (`insertDeferred`). Such an entry cannot be stored already (the
    /// document's repeated fingerprints are dropped before), so no insert can be stopped by the
    /// unique constraint, and its row is written once, with its story and match state, instead
    /// of inserted settled and then corrected: a feed's first refresh stores all its entries,
    /// and in a cold start of syndicated news most of them join another feed's story.
    struct DeferredArticle {
        var article: Article
        var canonicalLink: String?
        var contentHash: String
    }

    /// Inserts `deferred` (ids given, in order) with the story and match state `derived` says.
    /// A row the unique constraint stops is an error: the refresh's transaction is undone.
    private static func insertDeferred(
        _ db: Database, _ deferred: [DeferredArticle], feedID: Int64, discovered: Date, derived: FeedRefreshDerivation
    ) throws {
        let completing = Set(derived.completing)
        let insert = try db.cachedStatement(sql: """
            INSERT INTO articles (id, story_id, feed_id, fingerprint, title, link, summary, content, author, published_at,
                discovered_at, canonical_link, content_hash, last_seen_at, language, match_pending)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let now = discovered.timeIntervalSince1970
        for pending in deferred {
            let id = pending.article.id
            var row = SQLiteDirectWrite(insert, in: db)
            row.bind(id)
            row.bind(derived.stories[id])
            bindColumns(&row, of: pending.article, feedID: feedID, canonicalLink: pending.canonicalLink,
                        contentHash: pending.contentHash, now: now)
            row.bind(completing.contains(id) ? 0 : 1)
            try row.execute()
        }
    }

    /// Binds an article's columns from `feed_id` to `language`, in the order the inserts list them.
    private static func bindColumns(
        _ row: inout SQLiteDirectWrite, of article: Article, feedID: Int64, canonicalLink: String?, contentHash: String, now: Double
    ) {
        row.bind(feedID)
        row.bind(article.fingerprint)
        row.bind(article.title)
        row.bind(article.link)
        row.bind(article.summary)
        row.bind(article.content)
        row.bind(article.author)
        row.bind(article.published?.timeIntervalSince1970)
        row.bind(now)
        row.bind(canonicalLink)
        row.bind(contentHash)
        row.bind(now)
        row.bind(article.language)
    }

    /// `storeEntries` inside a transaction. Statements are compiled once per connection
    /// (`cachedStatement`); a feed with no stored article skips every identity look-up, and
    /// an entry is new when its insert is not stopped by the unique (feed, fingerprint)
    /// constraint, so only entries already stored take a look-up. Once `maxNew` entries are new,
    /// the rest are looked up (known ones are still updated and stamped) and counted as skipped.
    ///
    /// `settlingNew` (the refresh derives its new articles in the same transaction, see
    /// `FeedRefreshWrite.derivesNewArticles`): a new article is inserted as its own story and
    /// matched, with its id given (the next id of the table, which this transaction alone
    /// writes), so that only the articles the derivation says otherwise of are updated.
    static func storeEntries(
        _ db: Database, feedID: Int64, entries: [Entry], discovered: Date, maxNew: Int, settlingNew: Bool = false
    ) throws -> StoredEntries {
        var deferred: [DeferredArticle]?
        return try storeEntries(
            db, feedID: feedID, entries: entries, discovered: discovered, maxNew: maxNew, settlingNew: settlingNew, deferring: &deferred)
    }

    /// `storeEntries`; with `deferring` not nil and `settlingNew`, the new articles of a feed
    /// that has none stored are appended there (ids given) instead of inserted, for the caller
    /// to insert once derived (`DeferredArticle`).
    static func storeEntries(
        _ db: Database, feedID: Int64, entries: [Entry], discovered: Date, maxNew: Int, settlingNew: Bool,
        deferring deferred: inout [DeferredArticle]?
    ) throws -> StoredEntries {
        guard let feedRow = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT identity_mode, EXISTS (SELECT 1 FROM articles WHERE feed_id = feeds.id) AS has_articles
                FROM feeds WHERE id = ?
                """),
            arguments: [feedID])
        else { throw StoreError(code: .unknownFeed, message: "no feed with id \(feedID)") }
        let storedMode: String? = feedRow["identity_mode"]
        let previous = FeedIdentityMode(rawValue: storedMode ?? "") ?? .guid
        let hasArticles: Bool = feedRow["has_articles"]
        let mode = try identityMode(db, feedID: feedID, entries: entries, current: previous, hasArticles: hasArticles)
        if mode != previous {
            try db.cachedStatement(sql: "UPDATE feeds SET identity_mode = ? WHERE id = ?").execute(arguments: [mode.rawValue, feedID])
        }
        var result = StoredEntries(new: [], updated: [], identityMode: mode, identityChanged: mode != previous)
        var seen = Set<String>()
        let now = discovered.timeIntervalSince1970
        let insert = try db.cachedStatement(sql: """
            INSERT INTO articles (feed_id, fingerprint, title, link, summary, content, author, published_at,
                discovered_at, canonical_link, content_hash, last_seen_at, language, match_pending)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
            ON CONFLICT(feed_id, fingerprint) DO NOTHING
            """)
        // The id the next new article takes: past every id the table has had (AUTOINCREMENT
        // keeps the largest in sqlite_sequence, so ids of deleted articles are never reused).
        var nextID: Int64 = 0
        let settledInsert: Statement?
        if settlingNew {
            nextID = try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'articles'), 0),
                           COALESCE((SELECT MAX(id) FROM articles), 0)) + 1
                """)) ?? 1
            settledInsert = try db.cachedStatement(sql: """
                INSERT INTO articles (id, story_id, feed_id, fingerprint, title, link, summary, content, author, published_at,
                    discovered_at, canonical_link, content_hash, last_seen_at, language, match_pending)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
                ON CONFLICT(feed_id, fingerprint) DO NOTHING
                """)
        } else {
            settledInsert = nil
        }
        let deferring = settlingNew && !hasArticles && deferred != nil
        for entry in entries {
            let fingerprint = EntryIdentity.fingerprint(of: entry, mode: mode)
            guard seen.insert(fingerprint).inserted else { continue }
            let link = EntryIdentity.canonicalLink(of: entry)
            let hash = EntryIdentity.contentHash(of: entry)
            var article = Article(
                id: 0, feedID: feedID, fingerprint: fingerprint, title: entry.title ?? "(untitled)", link: entry.link,
                summary: entry.summary?.plainText ?? "", content: entry.content?.plainText ?? "",
                author: entry.authors.first.flatMap { $0.name ?? $0.email }, published: entry.published ?? entry.updated,
                discovered: discovered)
            article.language = LanguageTag.normalised(entry.language)
            // In link mode an entry may be stored under another fingerprint (its old guid's):
            // look it up by link before inserting.
            var existing: Row?
            let full = result.new.count >= maxNew
            if hasArticles, mode == .link || full {
                existing = try existingArticle(db, feedID: feedID, fingerprint: fingerprint, canonicalLink: link, mode: mode)
            }
            if existing == nil, full {
                // The bound on new entries: this one waits for a later refresh.
                result.skippedNew += 1
                continue
            }
            if existing == nil, deferring {
                article.id = nextID
                nextID += 1
                result.new.append(article)
                deferred?.append(DeferredArticle(article: article, canonicalLink: link, contentHash: hash))
                continue
            }
            if existing == nil {
                // Not `RETURNING id`: a cursor per row and the statement's buffer of returned rows
                // cost more than the insert; a row the constraint stopped changes nothing.
                // Bound through the C API (`SQLiteDirectWrite`): this runs for every new entry.
                var row: SQLiteDirectWrite
                if let settledInsert {
                    row = SQLiteDirectWrite(settledInsert, in: db)
                    row.bind(nextID)
                    row.bind(nextID)
                } else {
                    row = SQLiteDirectWrite(insert, in: db)
                }
                bindColumns(&row, of: article, feedID: feedID, canonicalLink: link, contentHash: hash, now: now)
                if try row.execute() > 0 {
                    let id = db.lastInsertedRowID
                    nextID = id + 1
                    var inserted = article
                    inserted.id = id
                    result.new.append(inserted)
                    continue
                }
                existing = try existingArticle(db, feedID: feedID, fingerprint: fingerprint, canonicalLink: link, mode: mode)
            }
            guard let existing else { continue }
            let id: Int64 = existing["id"]
            let oldHash: String? = existing["content_hash"]
            if let oldHash, oldHash != hash {
                try db.cachedStatement(sql: """
                    UPDATE articles SET title = ?, link = ?, summary = ?, content = ?, author = ?,
                        published_at = COALESCE(?, published_at), content_hash = ?, canonical_link = ?,
                        updated_at = ?, last_seen_at = ?, language = ?, match_pending = 1
                    WHERE id = ?
                    """
                ).execute(arguments: [
                    article.title, article.link, article.summary, article.content, article.author,
                    article.published?.timeIntervalSince1970, hash, link, now, now, article.language, id,
                ])
                if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM articles WHERE id = ?"), arguments: [id]) {
                    result.updated.append(Self.article(from: row))
                }
            } else {
                // Rows stored before content hashes (or declared languages) existed get theirs now,
                // without counting as an update.
                try db.cachedStatement(
                    sql: """
                        UPDATE articles SET last_seen_at = ?, content_hash = COALESCE(content_hash, ?),
                            canonical_link = COALESCE(canonical_link, ?), language = COALESCE(language, ?)
                        WHERE id = ?
                        """
                ).execute(arguments: [now, hash, link, article.language, id])
            }
        }
        return result
    }

    /// The feed's identity mode after looking at this document (see `EntryIdentity`). A feed
    /// with no stored article cannot churn: only repeated guids are checked. Links are looked
    /// up only when enough guids are unseen for a switch to be possible.
    private static func identityMode(
        _ db: Database, feedID: Int64, entries: [Entry], current: FeedIdentityMode, hasArticles: Bool
    ) throws -> FeedIdentityMode {
        guard current != .link else { return current }
        var mode = current
        if mode == .guid, EntryIdentity.repeatsGuids(entries) { mode = .guidAndLink }
        guard hasArticles else { return mode }
        let withGuid = entries.filter { !($0.id?.trimmingASCIIWhitespace().isEmpty ?? true) }
        let known = try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM articles WHERE feed_id = ? AND fingerprint = ?)")
        var unseen: [String] = []
        for entry in withGuid {
            guard let link = EntryIdentity.canonicalLink(of: entry) else { continue }
            let fingerprint = EntryIdentity.fingerprint(of: entry, mode: mode)
            if try Bool.fetchOne(known, arguments: [feedID, fingerprint]) ?? false { continue }
            unseen.append(link)
        }
        // `unseenWithKnownLink` is at most `unseen.count`: below the churn line, skip the link look-ups.
        guard EntryIdentity.guidsChurn(guidEntries: withGuid.count, unseenWithKnownLink: unseen.count) else { return mode }
        let linkStored = try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM articles WHERE feed_id = ? AND canonical_link = ?)")
        var unseenWithKnownLink = 0
        for link in unseen {
            if try Bool.fetchOne(linkStored, arguments: [feedID, link]) ?? false { unseenWithKnownLink += 1 }
        }
        if EntryIdentity.guidsChurn(guidEntries: withGuid.count, unseenWithKnownLink: unseenWithKnownLink) { mode = .link }
        return mode
    }

    private static func existingArticle(
        _ db: Database, feedID: Int64, fingerprint: String, canonicalLink: String?, mode: FeedIdentityMode
    ) throws -> Row? {
        if let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT id, content_hash FROM articles WHERE feed_id = ? AND fingerprint = ?"),
            arguments: [feedID, fingerprint]) {
            return row
        }
        guard mode == .link, let canonicalLink else { return nil }
        return try Row.fetchOne(
            db.cachedStatement(sql: "SELECT id, content_hash FROM articles WHERE feed_id = ? AND canonical_link = ? ORDER BY id LIMIT 1"),
            arguments: [feedID, canonicalLink])
    }

    public func assignStories(_ storyIDs: [Int64: Int64]) async throws {
        guard !storyIDs.isEmpty else { return }
        try await write("assign stories") { db in try Self.assignStories(db, storyIDs) }
    }

    static func assignStories(_ db: Database, _ storyIDs: [Int64: Int64]) throws {
        guard !storyIDs.isEmpty else { return }
        let statement = try db.cachedStatement(sql: "UPDATE articles SET story_id = ? WHERE id = ?")
        for (articleID, storyID) in storyIDs.sorted(by: { $0.key < $1.key }) {
            try statement.execute(arguments: [storyID, articleID])
        }
    }

    public func saveExtractions(_ extractions: [ArticleExtractionRecord]) async throws {
        guard !extractions.isEmpty else { return }
        try await write("save extracted text") { db in
            let statement = try db.makeStatement(sql: "UPDATE articles SET full_text = ?, extraction_note = ? WHERE id = ?")
            for record in extractions {
                try statement.execute(arguments: [record.fullText, record.note, record.articleID])
            }
        }
    }

    public func prune(seenBefore: Date, digestedSeenBefore: Date) async throws -> Int {
        try await write("prune old articles") { db in
            try db.execute(
                sql: """
                    DELETE FROM articles
                    WHERE COALESCE(last_seen_at, discovered_at) < MAX(?, ?)
                      AND (COALESCE(last_seen_at, discovered_at) < ?
                           OR (COALESCE(last_seen_at, discovered_at) < ?
                               AND match_pending = 0
                               AND NOT EXISTS (SELECT 1 FROM topic_matches m WHERE m.article_id = articles.id)))
                    """,
                arguments: [
                    digestedSeenBefore.timeIntervalSince1970, seenBefore.timeIntervalSince1970,
                    digestedSeenBefore.timeIntervalSince1970, seenBefore.timeIntervalSince1970,
                ])
            return db.changesCount
        }
    }

    /// Lists other feeds' articles of each story as "also reported by" on the story's item, in
    /// place, at most `sourcesPerStory` and the rest counted (`StorySources`). The stories are
    /// those of the digest `digestID`'s matches, named by a subquery rather than a list of ids
    /// (a day of 40,000 stories would otherwise compile a statement with 40,000 parameters).
    static func collapseStories(
        _ sections: inout [Digest.Section], digestID: Int64, storyOf: [Int64: Int64], sourcesPerStory: Int, db: Database
    ) throws {
        guard !storyOf.isEmpty else { return }
        let sources = try storySources(
            db,
            // Only stories with more than one article: a story alone has nothing to list.
            members: db.cachedStatement(sql: """
                SELECT story_id, id FROM (
                    SELECT a.id, a.story_id, COALESCE(a.published_at, a.discovered_at) AS seen,
                        COUNT(*) OVER (PARTITION BY a.story_id) AS size
                    FROM articles a
                    WHERE a.story_id IN (
                        SELECT d.story_id FROM topic_matches m JOIN articles d ON d.id = m.article_id
                        WHERE m.digest_id = ? AND d.story_id IS NOT NULL))
                WHERE size > 1
                ORDER BY seen, id
                """),
            arguments: [digestID], sourcesPerStory: sourcesPerStory)
        collapse(&sections, storyOf: storyOf, sources: sources)
    }

    /// The `StorySources` of the stories `members` gives (rows of story id and article id,
    /// oldest first): counted from those narrow rows, then the kept articles' sources read
    /// by id, so neither SQLite's sort nor this read holds every copy's text.
    static func storySources(_ db: Database, members: Statement, arguments: StatementArguments, sourcesPerStory: Int) throws -> StorySources {
        var sources = StorySources(sourcesPerStory: sourcesPerStory)
        let rows = try Row.fetchCursor(members, arguments: arguments)
        while let row = try rows.next() {
            _ = sources.count(story: row[0], article: row[1])
        }
        try readSources(db, into: &sources)
        return sources
    }

    /// Reads the feed, link and title of each article `sources` keeps, by id.
    static func readSources(_ db: Database, into sources: inout StorySources) throws {
        let kept = sources.keptArticles
        guard !kept.isEmpty else { return }
        let texts = try Row.fetchCursor(
            db.cachedStatement(sql: """
                SELECT a.id, a.title, a.link, COALESCE(f.name, f.title, f.url)
                FROM json_each(?) AS kept
                CROSS JOIN articles a ON a.id = kept.value
                JOIN feeds f ON f.id = a.feed_id
                """),
            arguments: [Self.jsonArray(kept)])
        while let row = try texts.next() {
            sources.give(article: row[0], source: Digest.Link(feedName: row[3], url: row[2], title: row[1]))
        }
    }

    /// The pure part of `collapseStories`, shared with the PostgreSQL store: each item of a
    /// story with other articles lists what `sources` keeps of them and counts the rest.
    /// Each section holds one item per story already (the reads build no other), so the
    /// items are changed in place and the day is not copied.
    static func collapse(_ sections: inout [Digest.Section], storyOf: [Int64: Int64], sources: StorySources) {
        guard !sources.isEmpty else { return }
        for section in sections.indices {
            for index in sections[section].items.indices {
                let article = sections[section].items[index].articleID
                guard let story = storyOf[article], let listed = sources.listed(story: story, article: article) else { continue }
                sections[section].items[index].alsoReportedBy = listed.links
                sections[section].items[index].alsoReportedMore = listed.more
            }
        }
    }
}

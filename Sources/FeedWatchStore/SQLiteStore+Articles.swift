public import Foundation
public import FeedWatchModel
import GRDB

/// Article identity, updates, stories, extraction results and retention.
extension SQLiteStore {
    public func storeEntries(feedID: Int64, entries: [Entry], discovered: Date, maxNew: Int) async throws -> StoredEntries {
        try await write("store articles") { db in
            let stored = try String.fetchOne(db, sql: "SELECT identity_mode FROM feeds WHERE id = ?", arguments: [feedID])
            guard let stored else { throw StoreError(code: .unknownFeed, message: "no feed with id \(feedID)") }
            let previous = FeedIdentityMode(rawValue: stored) ?? .guid
            let mode = try Self.identityMode(db, feedID: feedID, entries: entries, current: previous)
            if mode != previous {
                try db.execute(sql: "UPDATE feeds SET identity_mode = ? WHERE id = ?", arguments: [mode.rawValue, feedID])
            }
            var result = StoredEntries(new: [], updated: [], identityMode: mode, identityChanged: mode != previous)
            var seen = Set<String>()
            let now = discovered.timeIntervalSince1970
            for entry in entries {
                let fingerprint = EntryIdentity.fingerprint(of: entry, mode: mode)
                guard seen.insert(fingerprint).inserted else { continue }
                let link = EntryIdentity.canonicalLink(of: entry)
                let hash = EntryIdentity.contentHash(of: entry)
                let article = Article(
                    id: 0, feedID: feedID, fingerprint: fingerprint, title: entry.title ?? "(untitled)", link: entry.link,
                    summary: entry.summary?.plainText ?? "", content: entry.content?.plainText ?? "",
                    author: entry.authors.first.flatMap { $0.name ?? $0.email }, published: entry.published ?? entry.updated,
                    discovered: discovered)
                if let existing = try Self.existingArticle(db, feedID: feedID, fingerprint: fingerprint, canonicalLink: link, mode: mode) {
                    let id: Int64 = existing["id"]
                    let oldHash: String? = existing["content_hash"]
                    if let oldHash, oldHash != hash {
                        try db.execute(
                            sql: """
                                UPDATE articles SET title = ?, link = ?, summary = ?, content = ?, author = ?,
                                    published_at = COALESCE(?, published_at), content_hash = ?, canonical_link = ?,
                                    updated_at = ?, last_seen_at = ?, match_pending = 1
                                WHERE id = ?
                                """,
                            arguments: [
                                article.title, article.link, article.summary, article.content, article.author,
                                article.published?.timeIntervalSince1970, hash, link, now, now, id,
                            ])
                        if let row = try Row.fetchOne(db, sql: "SELECT * FROM articles WHERE id = ?", arguments: [id]) {
                            result.updated.append(Self.article(from: row))
                        }
                    } else {
                        // Rows stored before content hashes existed get theirs now, without counting as an update.
                        try db.execute(
                            sql: "UPDATE articles SET last_seen_at = ?, content_hash = COALESCE(content_hash, ?), canonical_link = COALESCE(canonical_link, ?) WHERE id = ?",
                            arguments: [now, hash, link, id])
                    }
                    continue
                }
                guard result.new.count < maxNew else {
                    result.skippedNew += 1
                    continue
                }
                let id = try Int64.fetchOne(
                    db,
                    sql: """
                        INSERT INTO articles (feed_id, fingerprint, title, link, summary, content, author, published_at,
                            discovered_at, canonical_link, content_hash, last_seen_at, match_pending)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
                        ON CONFLICT(feed_id, fingerprint) DO NOTHING
                        RETURNING id
                        """,
                    arguments: [
                        feedID, fingerprint, article.title, article.link, article.summary, article.content, article.author,
                        article.published?.timeIntervalSince1970, now, link, hash, now,
                    ])
                if let id {
                    var inserted = article
                    inserted.id = id
                    result.new.append(inserted)
                }
            }
            return result
        }
    }

    /// The feed's identity mode after looking at this document (see `EntryIdentity`).
    private static func identityMode(_ db: Database, feedID: Int64, entries: [Entry], current: FeedIdentityMode) throws -> FeedIdentityMode {
        guard current != .link else { return current }
        var mode = current
        if mode == .guid, EntryIdentity.repeatsGuids(entries) { mode = .guidAndLink }
        let withGuid = entries.filter { !($0.id?.trimmingASCIIWhitespace().isEmpty ?? true) }
        var unseenWithKnownLink = 0
        for entry in withGuid {
            guard let link = EntryIdentity.canonicalLink(of: entry) else { continue }
            let fingerprint = EntryIdentity.fingerprint(of: entry, mode: mode)
            let known = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM articles WHERE feed_id = ? AND fingerprint = ?)",
                arguments: [feedID, fingerprint]) ?? false
            guard !known else { continue }
            let linkStored = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM articles WHERE feed_id = ? AND canonical_link = ?)",
                arguments: [feedID, link]) ?? false
            if linkStored { unseenWithKnownLink += 1 }
        }
        if EntryIdentity.guidsChurn(guidEntries: withGuid.count, unseenWithKnownLink: unseenWithKnownLink) { mode = .link }
        return mode
    }

    private static func existingArticle(
        _ db: Database, feedID: Int64, fingerprint: String, canonicalLink: String?, mode: FeedIdentityMode
    ) throws -> Row? {
        if let row = try Row.fetchOne(
            db, sql: "SELECT id, content_hash FROM articles WHERE feed_id = ? AND fingerprint = ?", arguments: [feedID, fingerprint]) {
            return row
        }
        guard mode == .link, let canonicalLink else { return nil }
        return try Row.fetchOne(
            db, sql: "SELECT id, content_hash FROM articles WHERE feed_id = ? AND canonical_link = ? ORDER BY id LIMIT 1",
            arguments: [feedID, canonicalLink])
    }

    public func assignStories(_ storyIDs: [Int64: Int64]) async throws {
        guard !storyIDs.isEmpty else { return }
        try await write("assign stories") { db in
            let statement = try db.makeStatement(sql: "UPDATE articles SET story_id = ? WHERE id = ?")
            for (articleID, storyID) in storyIDs.sorted(by: { $0.key < $1.key }) {
                try statement.execute(arguments: [storyID, articleID])
            }
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
                    WHERE COALESCE(last_seen_at, discovered_at) < ?
                       OR (COALESCE(last_seen_at, discovered_at) < ?
                           AND match_pending = 0
                           AND NOT EXISTS (SELECT 1 FROM topic_matches m WHERE m.article_id = articles.id))
                    """,
                arguments: [digestedSeenBefore.timeIntervalSince1970, seenBefore.timeIntervalSince1970])
            return db.changesCount
        }
    }

    /// Folds items about one story into its best-scored item, and lists every other feed's
    /// article of each story as "also reported by".
    static func collapseStories(_ sections: [Digest.Section], storyOf: [Int64: Int64], db: Database) throws -> [Digest.Section] {
        let storyIDs = Set(storyOf.values)
        guard !storyIDs.isEmpty else { return sections }
        var members: [Int64: [(id: Int64, source: Digest.Link)]] = [:]
        let placeholders = Array(repeating: "?", count: storyIDs.count).joined(separator: ", ")
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT a.id, a.title, a.link, a.story_id, COALESCE(f.name, f.title, f.url) AS feed_name
                FROM articles a JOIN feeds f ON f.id = a.feed_id
                WHERE a.story_id IN (\(placeholders))
                ORDER BY COALESCE(a.published_at, a.discovered_at), a.id
                """,
            arguments: StatementArguments(storyIDs.sorted()))
        for row in rows {
            let source = Digest.Link(feedName: row["feed_name"], url: row["link"], title: row["title"])
            members[row["story_id"], default: []].append((row["id"], source))
        }
        return collapse(sections, storyOf: storyOf, members: members)
    }

    /// The pure part of `collapseStories`, shared with the PostgreSQL store: `members` holds
    /// every article of each story (id and source), oldest first.
    static func collapse(
        _ sections: [Digest.Section], storyOf: [Int64: Int64], members: [Int64: [(id: Int64, source: Digest.Link)]]
    ) -> [Digest.Section] {
        sections.map { section in
            var items: [Digest.Item] = []
            var itemOfStory: [Int64: Int] = [:]
            for item in section.items {
                guard let story = storyOf[item.articleID] else {
                    items.append(item)
                    continue
                }
                if itemOfStory[story] != nil { continue }
                itemOfStory[story] = items.count
                var kept = item
                kept.alsoReportedBy = (members[story] ?? []).filter { $0.id != item.articleID }.map(\.source)
                items.append(kept)
            }
            return Digest.Section(topic: section.topic, items: items)
        }
    }
}

import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import GRDB
import Testing

/// SQLite keeps a match's snippets in `match_snippets`, apart from the match row a digest
/// rewrites: every path that shows snippets (the digest, its pages, alerts, `store copy`)
/// still shows them, a database from before the split keeps them, and they go with their match.
@Suite struct MatchSnippetsStorageTests {
    static let migration = "Keep match snippets apart from the match rows a digest rewrites"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func snippet(_ text: String) -> Snippet {
        Snippet(parts: [Snippet.Part(text: "before ", highlighted: false), Snippet.Part(text: text, highlighted: true)])
    }

    /// Three articles of one feed, each matched by `t` with its own snippet.
    static func seed(_ store: SQLiteStore) async throws -> (feed: Int64, articles: [Article]) {
        let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://news.example/feed", name: "News")]).first)
        let entries = (1...3).map { n in
            Entry(id: "guid-\(n)", title: "Missile story \(n)", link: "https://news.example/\(n)", summary: FeedText(plain: "Body \(n)"))
        }
        let articles = try await store.insertNew(feedID: feed.id, entries: entries, discovered: now)
        let matches = articles.enumerated().map { index, article in
            TopicMatch(topicID: "t", articleID: article.id, score: Double(3 - index), snippets: [snippet("missile \(index + 1)")], matched: now)
        }
        #expect(try await store.recordMatches(matches, topicNames: ["t": "Topic"]) == 3)
        return (feed.id, articles)
    }

    static func count(_ path: String, _ sql: String) throws -> Int {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }

    /// A match recorded again (a sweep racing a refresh) adds nothing: the match keeps the
    /// snippets it was first stored with, in the digest and in its pages.
    @Test func aMatchRecordedAgainKeepsItsFirstSnippets() async throws {
        let directory = try TemporaryDirectory(prefix: "fw-snippets")
        let path = directory.path + "/feedwatch.sqlite"
        let store = try SQLiteStore(path: path)
        let (_, articles) = try await Self.seed(store)
        let again = TopicMatch(topicID: "t", articleID: articles[0].id, score: 3, snippets: [Self.snippet("rewritten")], matched: Self.now)
        #expect(try await store.recordMatches([again], topicNames: ["t": "Topic"]) == 0)
        let record = try await store.collectDigest(day: "2027-01-15", timeZone: "UTC", now: Self.now)
        #expect(record.matchCount == 3)
        let digest = try #require(try await store.digest(day: "2027-01-15"))
        #expect(digest.sections.first?.items.map(\.snippets) == (1...3).map { [Self.snippet("missile \($0)")] })
        let index = try #require(try await store.digestIndex(day: "2027-01-15"))
        let paged = try await store.digestItems(digestID: index.id, topicID: "t", articleIDs: articles.map(\.id))
        #expect(paged.map(\.snippets) == (1...3).map { [Self.snippet("missile \($0)")] })
        #expect(try Self.count(path, "SELECT COUNT(*) FROM match_snippets") == 3)
        await store.close()
    }

    /// Alerts are frozen with the snippets of their matches.
    @Test func anAlertCarriesItsMatchesSnippets() async throws {
        let directory = try TemporaryDirectory(prefix: "fw-snippets")
        let store = try SQLiteStore(path: directory.path + "/feedwatch.sqlite")
        _ = try await Self.seed(store)
        let queued = try await store.enqueueAlerts(
            topicIDs: ["t"], notifiers: ["hook"], timeZone: "UTC", at: Self.now, policy: AlertPolicy(interval: 900, maxStories: 10))
        #expect(queued.messages == 1)
        let payload = try #require(try await store.dueDeliveries(now: Self.now, limit: 10).first?.payload)
        #expect(payload.sections.first?.items.map(\.snippets) == (1...3).map { [Self.snippet("missile \($0)")] })
        await store.close()
    }

    /// Pruning an article deletes its matches and their snippets with it.
    @Test func snippetsGoWithTheirMatch() async throws {
        let directory = try TemporaryDirectory(prefix: "fw-snippets")
        let path = directory.path + "/feedwatch.sqlite"
        let store = try SQLiteStore(path: path)
        _ = try await Self.seed(store)
        #expect(try await store.prune(seenBefore: Self.now, digestedSeenBefore: Self.now.addingTimeInterval(1)) == 3)
        #expect(try Self.count(path, "SELECT COUNT(*) FROM topic_matches") == 0)
        #expect(try Self.count(path, "SELECT COUNT(*) FROM match_snippets") == 0)
        await store.close()
    }

    /// A database from before the split (snippets in the match rows, the migration not
    /// recorded) is migrated when opened: every snippet moves, digested and pending matches
    /// alike, the column goes, and the digest shows what it showed.
    @Test func theMigrationMovesEverySnippetOfAnExistingDatabase() async throws {
        let directory = try TemporaryDirectory(prefix: "fw-snippets-migrate")
        let path = directory.path + "/feedwatch.sqlite"
        var store = try SQLiteStore(path: path)
        let (feedID, _) = try await Self.seed(store)
        _ = try await store.collectDigest(day: "2027-01-15", timeZone: "UTC", now: Self.now)
        let before = try #require(try await store.digest(day: "2027-01-15"))
        // One more match, still pending when the database is migrated.
        let late = try await store.insertNew(
            feedID: feedID, entries: [Entry(id: "guid-4", title: "Missile story 4", link: "https://news.example/4", summary: FeedText(plain: "Body 4"))],
            discovered: Self.now)
        #expect(try await store.recordMatches(
            [TopicMatch(topicID: "t", articleID: late[0].id, score: 0.5, snippets: [Self.snippet("missile 4")], matched: Self.now)],
            topicNames: ["t": "Topic"]) == 1)
        await store.close()

        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: """
                ALTER TABLE topic_matches ADD COLUMN snippets TEXT NOT NULL DEFAULT '';
                UPDATE topic_matches SET snippets = (SELECT s.snippets FROM match_snippets s WHERE s.match_id = topic_matches.id);
                DROP TABLE match_snippets;
                """)
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = ?", arguments: [Self.migration])
        }
        #expect(try await queue.read { db in try db.columns(in: "topic_matches").map(\.name) }.contains("snippets"))
        try queue.close()

        store = try SQLiteStore(path: path)
        #expect(try await store.integrityCheck() == ["ok"])
        let columns = try await DatabaseQueue(path: path).read { db in try db.columns(in: "topic_matches").map(\.name) }
        #expect(!columns.contains("snippets"))
        #expect(try Self.count(path, "SELECT COUNT(*) FROM match_snippets") == 4)
        #expect(try await store.digest(day: "2027-01-15") == before)
        _ = try await store.collectDigest(day: "2027-01-16", timeZone: "UTC", now: Self.now.addingTimeInterval(86_400))
        let next = try #require(try await store.digest(day: "2027-01-16"))
        #expect(next.sections.first?.items.map(\.snippets) == [[Self.snippet("missile 4")]])
        await store.close()
    }
}

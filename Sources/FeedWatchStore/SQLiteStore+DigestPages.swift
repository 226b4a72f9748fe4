public import FeedWatchModel
import Foundation
import GRDB

// A day's digest read in two steps: its index (ids and fold keys, a few dozen bytes an item)
// and then its items a page at a time, so publishing a day never holds all of it.
extension SQLiteStore {
    public func digestIndex(day: String) async throws -> DigestIndex? {
        try await read("read digest index \(day)") { db in
            guard let head = try Row.fetchOne(db, sql: "SELECT * FROM digests WHERE day = ?", arguments: [day]) else {
                return nil
            }
            // The order and the one-item-per-story rule of `digest(day:)`. SQLite sorts in
            // memory (`temp_store`), whole result rows: the index `topic_matches_digest_order`
            // gives the topics and scores in order, and the builder sorts each run of equal
            // score in place (by publication, then id), as compact entries whose fold keys the
            // query computed, so neither SQLite nor this read ever holds titles or links.
            db.add(function: Self.linkKeyFunction)
            db.add(function: Self.titleKeyFunction)
            let count = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*) FROM topic_matches WHERE digest_id = ?"), arguments: [head["id"]]) ?? 0
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT m.topic_id, m.topic_name, m.score, a.published_at, a.id AS article_id, a.story_id,
                        feedwatch_link_key(a.link) AS link_key, feedwatch_title_key(a.title) AS title_key
                    FROM topic_matches m
                    JOIN articles a ON a.id = m.article_id
                    WHERE m.digest_id = ?
                    ORDER BY m.topic_id, m.score DESC
                    """,
                arguments: [head["id"]])
            var builder = DigestIndexBuilder(capacity: count)
            // Columns by position, in the order the query lists them: a name is looked up
            // in the row's columns on every read, for every match of the day.
            while let row = try rows.next() {
                let link: Int64 = row[6]
                let title: Int64 = row[7]
                builder.add(
                    topicID: row[0], topicName: row[1], score: row[2],
                    entry: DigestIndex.Entry(
                        articleID: row[4], storyID: row[5], linkKey: UInt64(bitPattern: link),
                        titleKey: UInt64(bitPattern: title), published: row[3]))
            }
            return builder.index(
                id: head["id"], day: head["day"], timeZone: head["time_zone"], created: Date(timeIntervalSince1970: head["created_at"]))
        }
    }

    /// `DigestIndex.linkKey` in SQL (its bits as a signed integer).
    static let linkKeyFunction = DatabaseFunction("feedwatch_link_key", argumentCount: 1, pure: true) { values in
        Int64(bitPattern: DigestIndex.linkKey(String.fromDatabaseValue(values[0])))
    }

    /// `DigestIndex.titleKey` in SQL (its bits as a signed integer).
    static let titleKeyFunction = DatabaseFunction("feedwatch_title_key", argumentCount: 1, pure: true) { values in
        Int64(bitPattern: String.fromDatabaseValue(values[0]).map(DigestIndex.titleKey) ?? 0)
    }

    public func digestItems(digestID: Int64, topicID: String, articleIDs: [Int64], sourcesPerStory: Int) async throws -> [Digest.Item] {
        guard !articleIDs.isEmpty else { return [] }
        return try await read("read digest items") { db in
            // The ids as one JSON array: one cached statement whatever the page's size.
            let ids = Self.jsonArray(articleIDs)
            let rows = try Row.fetchCursor(
                db.cachedStatement(sql: """
                    SELECT m.score, COALESCE(s.snippets, '[]'), a.id AS article_id, a.title, a.link, a.published_at, a.story_id,
                        COALESCE(f.name, f.title, f.url) AS feed_name
                    FROM json_each(?) AS page
                    CROSS JOIN topic_matches m ON m.topic_id = ? AND m.article_id = page.value
                    LEFT JOIN match_snippets s ON s.match_id = m.id
                    JOIN articles a ON a.id = m.article_id
                    JOIN feeds f ON f.id = a.feed_id
                    WHERE m.digest_id = ?
                    """),
                // CROSS JOIN: each id looked up by (topic, article); asked by digest and topic,
                // SQLite walked all the topic's matches of the day for every page.
                arguments: [ids, topicID, digestID])
            var found: [Int64: Digest.Item] = [:]
            var storyOf: [Int64: Int64] = [:]
            // Columns by position, in the order the query lists them (as in `digestIndex`).
            while let row = try rows.next() {
                let item = Digest.Item(
                    articleID: row[2], title: row[3], link: row[4], feedName: row[7],
                    published: Self.date(row[5]), score: row[0], snippets: SnippetJSON.decode(row[1]),
                    storyID: row[6])
                found[item.articleID] = item
                if let story = item.storyID { storyOf[item.articleID] = story }
            }
            var sections = [Digest.Section(topic: TopicReference(id: topicID, name: topicID), items: articleIDs.compactMap { found[$0] })]
            found = [:]
            try Self.collapseStories(&sections, storyIDs: Set(storyOf.values), storyOf: storyOf, sourcesPerStory: sourcesPerStory, db: db)
            return sections[0].items
        }
    }

    /// `collapseStories` for the stories `storyIDs` (a page's): lists other feeds' articles of
    /// each as "also reported by" on its item, at most `sourcesPerStory`, the rest counted.
    ///
    /// The stories of more than one article are found first, with their sizes, in the index
    /// `articles_story` alone (story id and rowid): most stories of a day are one article,
    /// whose row the page has read already. The members of stories of at most
    /// `storiesSortedTogether` articles are then read and sorted in one statement; a larger
    /// story's earliest articles are read by a statement of its own whose `LIMIT` keeps
    /// SQLite's sort to that many rows. Sorted together, a wire story carried by 10,000 feeds
    /// held all its copies in the sort (8 MB for 26 stories, at the publication's peak).
    static func collapseStories(
        _ sections: inout [Digest.Section], storyIDs: Set<Int64>, storyOf: [Int64: Int64], sourcesPerStory: Int, db: Database
    ) throws {
        guard !storyIDs.isEmpty else { return }
        let ids = Self.jsonArray(storyIDs.sorted())
        var small: [Int64] = []
        var large: [(story: Int64, size: Int)] = []
        let sizes = try Row.fetchCursor(
            db.cachedStatement(sql: """
                SELECT story_id, COUNT(*) FROM articles
                WHERE story_id IN (SELECT value FROM json_each(?))
                GROUP BY story_id HAVING COUNT(*) > 1
                """),
            arguments: [ids])
        while let row = try sizes.next() {
            let size: Int = row[1]
            if size <= storiesSortedTogether { small.append(row[0]) } else { large.append((row[0], size)) }
        }
        guard !small.isEmpty || !large.isEmpty else { return }
        var sources = StorySources(sourcesPerStory: sourcesPerStory)
        if !small.isEmpty {
            let members = try Row.fetchCursor(
                db.cachedStatement(sql: """
                    SELECT story_id, id FROM articles
                    WHERE story_id IN (SELECT value FROM json_each(?))
                    ORDER BY COALESCE(published_at, discovered_at), id
                    """),
                arguments: [Self.jsonArray(small)])
            while let row = try members.next() {
                _ = sources.count(story: row[0], article: row[1])
            }
        }
        let earliest = try db.cachedStatement(sql: """
            SELECT id FROM articles WHERE story_id = ?
            ORDER BY COALESCE(published_at, discovered_at), id LIMIT ?
            """)
        for (story, size) in large {
            let first = try Int64.fetchAll(earliest, arguments: [story, sources.sourcesPerStory + 1])
            sources.count(story: story, earliest: first, size: size)
        }
        try readSources(db, into: &sources)
        collapse(&sections, storyOf: storyOf, sources: sources)
    }

    /// Stories of at most this many articles have their members sorted in one statement per
    /// page (at most `page_stories` times this many rows); larger ones one statement each.
    static let storiesSortedTogether = 64
}

/// Builds a `DigestIndex` from rows, keeping the first item of each story per topic (as
/// `digest(day:)` does); shared by both stores. Rows come in the digest's order, or (with a
/// score) in topic and score order, each run of equal score then sorted here by publication
/// (newest first, undated last) and id: the entries are sorted and thinned in place, so the
/// index is never held twice.
struct DigestIndexBuilder {
    private var sections: [DigestIndex.Section] = []
    private var entries: [DigestIndex.Entry] = []
    /// Where the current run of equal score starts, and its score.
    private var runStart = 0
    private var runScore: Double?

    /// A builder for about `capacity` rows.
    init(capacity: Int = 0) { entries.reserveCapacity(capacity) }

    mutating func add(topicID: String, topicName: String, articleID: Int64, storyID: Int64?, title: String, link: String?) {
        add(topicID: topicID, topicName: topicName, entry: DigestIndex.Entry(articleID: articleID, storyID: storyID, title: title, link: link))
    }

    /// Adds a row; with `score`, rows of one topic come in descending score, and those of
    /// equal score are put in order here.
    mutating func add(topicID: String, topicName: String, score: Double? = nil, entry: DigestIndex.Entry) {
        if sections.last?.topic.id != topicID {
            endRun()
            sections.append(DigestIndex.Section(topic: TopicReference(id: topicID, name: topicName), entries: entries.count..<entries.count))
        } else if score != runScore {
            endRun()
        }
        runScore = score
        entries.append(entry)
    }

    /// The order within a run of equal score: `a.published_at DESC, a.id`.
    private static func listedFirst(_ x: DigestIndex.Entry, _ y: DigestIndex.Entry) -> Bool {
        x.published != y.published ? x.published > y.published : x.articleID < y.articleID
    }

    /// Sorts the run that ends here (`a.published_at DESC, a.id`).
    private mutating func endRun() {
        if runScore != nil, entries.count - runStart > 1 {
            // Sorted through the array's own buffer: `entries[runStart...].sort` sorted a
            // slice that shares the buffer, so it copied the run first (a day of one score,
            // 200,000 entries: 8 MB on top of the index, the publication's peak).
            let start = runStart
            entries.withUnsafeMutableBufferPointer { (buffer: inout UnsafeMutableBufferPointer<DigestIndex.Entry>) in
                var run = UnsafeMutableBufferPointer(rebasing: buffer[start...])
                run.sort(by: Self.listedFirst)
            }
        }
        runStart = entries.count
        runScore = nil
    }

    mutating func index(id: Int64, day: String, timeZone: String, created: Date) -> DigestIndex {
        endRun()
        // Each topic's first item of each story, in place.
        var kept = 0
        // Sized once for the largest section: grown while it fills, a set of 150,000 stories
        // held its old and new tables at once, on top of the whole day's entries.
        let ranges = sections.indices.map { section in
            sections[section].entries.lowerBound..<(section + 1 < sections.count ? sections[section + 1].entries.lowerBound : entries.count)
        }
        var stories = Set<Int64>(minimumCapacity: ranges.map(\.count).max() ?? 0)
        for section in sections.indices {
            let range = ranges[section]
            stories.removeAll(keepingCapacity: true)
            let start = kept
            for position in range {
                let entry = entries[position]
                if let story = entry.storyID, !stories.insert(story).inserted { continue }
                entries[kept] = entry
                kept += 1
            }
            sections[section].entries = start..<kept
        }
        entries.removeSubrange(kept...)
        // Copies folded into few stories leave most of the buffer unused, and the index is held
        // while the whole day is published: a day of one wire story carried by 10,000 feeds kept
        // its 200,000 entries' 8 MB for 26 stories, at the publication's peak. Copied to fit
        // only when that frees at least half of it, so a day of distinct stories is not held twice.
        if entries.capacity > 1024 && kept < entries.capacity / 2 {
            var fitted: [DigestIndex.Entry] = []
            fitted.reserveCapacity(kept)
            fitted.append(contentsOf: entries)
            entries = fitted
        }
        return DigestIndex(id: id, day: day, timeZone: timeZone, created: created, sections: sections, entries: entries)
    }
}

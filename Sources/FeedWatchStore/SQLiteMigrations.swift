import GRDB

/// The SQLite schema, as append-only named migrations. Never edit a migration that has
/// shipped: add a new one. Migrations use table names as strings and no application types,
/// so they stay valid whatever the model becomes.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("Create feeds and fetch state") { db in
            try db.execute(sql: """
                CREATE TABLE feeds (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    url TEXT NOT NULL UNIQUE,
                    name TEXT,
                    title TEXT,
                    tags TEXT NOT NULL DEFAULT '[]',
                    active INTEGER NOT NULL DEFAULT 1,
                    position INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL
                );
                CREATE TABLE fetch_state (
                    feed_id INTEGER PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
                    etag TEXT,
                    last_modified TEXT,
                    last_fetched_at REAL,
                    last_success_at REAL,
                    next_check_at REAL,
                    error_count INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    last_status INTEGER,
                    disabled_reason TEXT,
                    moved_to TEXT
                );
                """)
        }

        migrator.registerMigration("Create articles") { db in
            try db.execute(sql: """
                CREATE TABLE articles (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
                    fingerprint TEXT NOT NULL,
                    title TEXT NOT NULL,
                    link TEXT,
                    summary TEXT NOT NULL,
                    content TEXT NOT NULL,
                    author TEXT,
                    published_at REAL,
                    discovered_at REAL NOT NULL,
                    UNIQUE (feed_id, fingerprint)
                );
                CREATE INDEX articles_discovered ON articles(discovered_at);
                """)
        }

        migrator.registerMigration("Create digests and topic matches") { db in
            try db.execute(sql: """
                CREATE TABLE digests (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    day TEXT NOT NULL UNIQUE,
                    time_zone TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE TABLE topic_matches (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    topic_id TEXT NOT NULL,
                    topic_name TEXT NOT NULL,
                    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
                    score REAL NOT NULL,
                    snippets TEXT NOT NULL,
                    matched_at REAL NOT NULL,
                    digest_id INTEGER REFERENCES digests(id),
                    UNIQUE (topic_id, article_id)
                );
                CREATE INDEX topic_matches_pending ON topic_matches(digest_id) WHERE digest_id IS NULL;
                CREATE INDEX topic_matches_digest ON topic_matches(digest_id);
                """)
        }
        migrator.registerMigration("Add last full fetch to fetch state") { db in
            try db.execute(sql: "ALTER TABLE fetch_state ADD COLUMN last_full_fetch_at REAL")
        }
        migrator.registerMigration("Create delivery outbox") { db in
            // Digests written before the outbox existed count as published: upgrading must not
            // re-send old digests.
            try db.execute(sql: """
                ALTER TABLE digests ADD COLUMN published_at REAL;
                ALTER TABLE digests ADD COLUMN publish_error TEXT;
                UPDATE digests SET published_at = created_at;
                CREATE TABLE deliveries (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    notifier TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    payload TEXT,
                    state TEXT NOT NULL DEFAULT 'pending',
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL NOT NULL,
                    last_error TEXT,
                    created_at REAL NOT NULL,
                    sent_at REAL,
                    UNIQUE (notifier, subject)
                );
                CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE state = 'pending';
                """)
        }
        migrator.registerMigration("Remember how each feed identifies its entries") { db in
            // guid, guid+link or link: see EntryIdentity. The canonical link and a content hash let a
            // feed switch to links, and tell an edited entry (an update) from an unchanged one.
            try db.execute(sql: """
                ALTER TABLE feeds ADD COLUMN identity_mode TEXT NOT NULL DEFAULT 'guid';
                ALTER TABLE articles ADD COLUMN canonical_link TEXT;
                ALTER TABLE articles ADD COLUMN content_hash TEXT;
                ALTER TABLE articles ADD COLUMN updated_at REAL;
                ALTER TABLE articles ADD COLUMN last_seen_at REAL;
                CREATE INDEX articles_feed_canonical_link ON articles(feed_id, canonical_link);
                """)
        }
        migrator.registerMigration("Group articles into stories") { db in
            try db.execute(sql: """
                ALTER TABLE articles ADD COLUMN story_id INTEGER;
                CREATE INDEX articles_story ON articles(story_id) WHERE story_id IS NOT NULL;
                """)
        }
        migrator.registerMigration("Keep extracted full text and why extraction failed") { db in
            try db.execute(sql: """
                ALTER TABLE articles ADD COLUMN full_text TEXT;
                ALTER TABLE articles ADD COLUMN extraction_note TEXT;
                """)
        }
        // Several daemons sharing one database claim due feeds with a lease; SQLite keeps the
        // same columns so both stores share one contract (and `store copy` maps them 1:1).
        migrator.registerMigration("Add fetch leases") { db in
            try db.execute(sql: """
                ALTER TABLE fetch_state ADD COLUMN lease_owner TEXT;
                ALTER TABLE fetch_state ADD COLUMN lease_until REAL;
                CREATE INDEX fetch_state_due ON fetch_state(next_check_at);
                """)
        }
        // An article is stored before its matches are recorded; the flag is set on insert and
        // on a content update and cleared with the matches, so a failure in between is found
        // and matched later instead of being lost. Existing rows are taken as matched.
        migrator.registerMigration("Track articles waiting for their matches") { db in
            try db.execute(sql: """
                ALTER TABLE articles ADD COLUMN match_pending INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX articles_match_pending ON articles(discovered_at) WHERE match_pending = 1;
                """)
        }
        migrator.registerMigration("Remember why each feed's next check is when it is") { db in
            try db.execute(sql: "ALTER TABLE fetch_state ADD COLUMN next_check_reason TEXT")
        }
        // Retention looks for articles by when they were last seen: an index makes it read
        // only what it deletes instead of every stored article on every run.
        migrator.registerMigration("Index when articles were last seen") { db in
            try db.execute(sql: "CREATE INDEX articles_last_seen ON articles(COALESCE(last_seen_at, discovered_at))")
        }
        // Alerts are batched per topic (one message per interval, which needs to know what was
        // alerted and when); readers dismiss stories; each digest keeps the health report it was
        // published with. Matches an earlier version alerted one by one count as alerted.
        migrator.registerMigration("Batch alerts, dismiss stories, keep digest health") { db in
            try db.execute(sql: """
                ALTER TABLE topic_matches ADD COLUMN alerted_at REAL;
                UPDATE topic_matches SET alerted_at = (
                    SELECT MIN(d.created_at) FROM deliveries d WHERE d.subject = 'alert:' || topic_matches.id)
                WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.subject = 'alert:' || topic_matches.id);
                CREATE INDEX topic_matches_alerted ON topic_matches(topic_id, alerted_at) WHERE alerted_at IS NOT NULL;
                CREATE TABLE dismissals (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    topic_id TEXT NOT NULL,
                    story_id INTEGER NOT NULL,
                    title TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    UNIQUE (topic_id, story_id)
                );
                ALTER TABLE digests ADD COLUMN health TEXT;
                """)
        }
        // The language the feed declares for each entry (normalised by `LanguageTag`, at most 35
        // characters), by which the matcher analyses its words. Articles stored before have none
        // and are matched as before.
        migrator.registerMigration("Keep each article's declared language") { db in
            try db.execute(sql: "ALTER TABLE articles ADD COLUMN language TEXT")
        }
        // A digest's matches by topic and score: counting a day's matches per topic walks the
        // index instead of sorting every match, and reading a day in its order sorts only the
        // matches of equal score (SQLite sorts in memory, `temp_store`: a day of 200,000
        // matches sorted whole held tens of MB). It serves every lookup by digest the old
        // index did.
        migrator.registerMigration("Index a digest's matches by topic and score") { db in
            try db.execute(sql: """
                CREATE INDEX topic_matches_digest_order ON topic_matches(digest_id, topic_id, score DESC);
                DROP INDEX topic_matches_digest;
                """)
        }
        migrator.registerMigration("Index only the matches a digest holds by topic and score") { db in
            // A match enters a digest once, after it is stored: indexed from its insert, it cost
            // an entry under NULL on insert and a move when its digest was set. The digest reads
            // (`digest_id = ?`) imply the index's condition, so SQLite still uses it for them.
            try db.execute(sql: """
                DROP INDEX topic_matches_digest_order;
                CREATE INDEX topic_matches_digest_order ON topic_matches(digest_id, topic_id, score DESC) WHERE digest_id IS NOT NULL;
                """)
        }
        migrator.registerMigration("Keep match snippets apart from the match rows a digest rewrites") { db in
            // A match's row is rewritten whole when its digest is set (and read whole by every
            // count over a digest); its snippets, most of its bytes (a kilobyte for an article
            // full of the topic's words), were rewritten and read with it, every day's matches
            // once more through the WAL and its checkpoint. Kept in their own table by match
            // id, they are written once and read only for the items a digest shows.
            try db.execute(sql: """
                CREATE TABLE match_snippets (
                    match_id INTEGER PRIMARY KEY REFERENCES topic_matches(id) ON DELETE CASCADE,
                    snippets TEXT NOT NULL
                );
                INSERT INTO match_snippets (match_id, snippets) SELECT id, snippets FROM topic_matches;
                ALTER TABLE topic_matches DROP COLUMN snippets;
                """)
        }
        return migrator
    }
}

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

        // Several daemons sharing one database claim due feeds with a lease; SQLite keeps the
        // same columns so both stores share one contract (and `store copy` maps them 1:1).
        migrator.registerMigration("Add fetch leases") { db in
            try db.execute(sql: """
                ALTER TABLE fetch_state ADD COLUMN lease_owner TEXT;
                ALTER TABLE fetch_state ADD COLUMN lease_until REAL;
                CREATE INDEX fetch_state_due ON fetch_state(next_check_at);
                """)
        }
        return migrator
    }
}

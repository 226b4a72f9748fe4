import PostgresNIO

/// The PostgreSQL schema, as append-only named migrations kept in step with
/// `SQLiteMigrations`: the same names for the same tables (the order differs once, see below). Never edit a
/// migration that has shipped: add a new one to both lists.
///
/// Each migration is a list of single statements because postgres-nio speaks the extended
/// query protocol, which takes one statement per query.
enum PostgresMigrations {
    struct Migration {
        var name: String
        var statements: [PostgresQuery]
    }

    static let all: [Migration] = [
        Migration(name: "Create feeds and fetch state", statements: [
            """
            CREATE TABLE feeds (
                id BIGSERIAL PRIMARY KEY,
                url TEXT NOT NULL UNIQUE,
                name TEXT,
                title TEXT,
                tags TEXT NOT NULL DEFAULT '[]',
                active BOOLEAN NOT NULL DEFAULT TRUE,
                position INTEGER NOT NULL DEFAULT 0,
                created_at TIMESTAMPTZ NOT NULL
            )
            """,
            """
            CREATE TABLE fetch_state (
                feed_id BIGINT PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
                etag TEXT,
                last_modified TEXT,
                last_fetched_at TIMESTAMPTZ,
                last_success_at TIMESTAMPTZ,
                next_check_at TIMESTAMPTZ,
                error_count INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                last_status INTEGER,
                disabled_reason TEXT,
                moved_to TEXT
            )
            """,
        ]),
        Migration(name: "Create articles", statements: [
            """
            CREATE TABLE articles (
                id BIGSERIAL PRIMARY KEY,
                feed_id BIGINT NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
                fingerprint TEXT NOT NULL,
                title TEXT NOT NULL,
                link TEXT,
                summary TEXT NOT NULL,
                content TEXT NOT NULL,
                author TEXT,
                published_at TIMESTAMPTZ,
                discovered_at TIMESTAMPTZ NOT NULL,
                UNIQUE (feed_id, fingerprint)
            )
            """,
            "CREATE INDEX articles_discovered ON articles(discovered_at)",
        ]),
        Migration(name: "Create digests and topic matches", statements: [
            """
            CREATE TABLE digests (
                id BIGSERIAL PRIMARY KEY,
                day TEXT NOT NULL UNIQUE,
                time_zone TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL
            )
            """,
            """
            CREATE TABLE topic_matches (
                id BIGSERIAL PRIMARY KEY,
                topic_id TEXT NOT NULL,
                topic_name TEXT NOT NULL,
                article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
                score DOUBLE PRECISION NOT NULL,
                snippets TEXT NOT NULL,
                matched_at TIMESTAMPTZ NOT NULL,
                digest_id BIGINT REFERENCES digests(id),
                UNIQUE (topic_id, article_id)
            )
            """,
            "CREATE INDEX topic_matches_pending ON topic_matches(digest_id) WHERE digest_id IS NULL",
            "CREATE INDEX topic_matches_digest ON topic_matches(digest_id)",
        ]),
        Migration(name: "Add fetch leases", statements: [
            "ALTER TABLE fetch_state ADD COLUMN lease_owner TEXT",
            "ALTER TABLE fetch_state ADD COLUMN lease_until TIMESTAMPTZ",
            "CREATE INDEX fetch_state_due ON fetch_state(next_check_at)",
        ]),
        // The migrations below came from the SQLite line (main) after "Add fetch leases" had
        // shipped on PostgreSQL, so here they follow it; in SQLiteMigrations they precede it.
        Migration(name: "Add last full fetch to fetch state", statements: [
            "ALTER TABLE fetch_state ADD COLUMN last_full_fetch_at TIMESTAMPTZ",
        ]),
        // Digests written before the outbox existed count as published: upgrading must not
        // re-send old digests.
        Migration(name: "Create delivery outbox", statements: [
            "ALTER TABLE digests ADD COLUMN published_at TIMESTAMPTZ",
            "ALTER TABLE digests ADD COLUMN publish_error TEXT",
            "UPDATE digests SET published_at = created_at",
            """
            CREATE TABLE deliveries (
                id BIGSERIAL PRIMARY KEY,
                notifier TEXT NOT NULL,
                subject TEXT NOT NULL,
                payload TEXT,
                state TEXT NOT NULL DEFAULT 'pending',
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TIMESTAMPTZ NOT NULL,
                last_error TEXT,
                created_at TIMESTAMPTZ NOT NULL,
                sent_at TIMESTAMPTZ,
                UNIQUE (notifier, subject)
            )
            """,
            "CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE state = 'pending'",
        ]),
        Migration(name: "Remember how each feed identifies its entries", statements: [
            "ALTER TABLE feeds ADD COLUMN identity_mode TEXT NOT NULL DEFAULT 'guid'",
            "ALTER TABLE articles ADD COLUMN canonical_link TEXT",
            "ALTER TABLE articles ADD COLUMN content_hash TEXT",
            "ALTER TABLE articles ADD COLUMN updated_at TIMESTAMPTZ",
            "ALTER TABLE articles ADD COLUMN last_seen_at TIMESTAMPTZ",
            "CREATE INDEX articles_feed_canonical_link ON articles(feed_id, canonical_link)",
        ]),
        Migration(name: "Group articles into stories", statements: [
            "ALTER TABLE articles ADD COLUMN story_id BIGINT",
            "CREATE INDEX articles_story ON articles(story_id) WHERE story_id IS NOT NULL",
        ]),
        Migration(name: "Keep extracted full text and why extraction failed", statements: [
            "ALTER TABLE articles ADD COLUMN full_text TEXT",
            "ALTER TABLE articles ADD COLUMN extraction_note TEXT",
        ]),
        // See the SQLite migration of the same name: set on insert and update, cleared with
        // the matches, so a failure in between is matched later instead of lost.
        Migration(name: "Track articles waiting for their matches", statements: [
            "ALTER TABLE articles ADD COLUMN match_pending BOOLEAN NOT NULL DEFAULT false",
            "CREATE INDEX articles_match_pending ON articles(discovered_at) WHERE match_pending",
        ]),
        Migration(name: "Remember why each feed's next check is when it is", statements: [
            "ALTER TABLE fetch_state ADD COLUMN next_check_reason TEXT",
        ]),
        Migration(name: "Index when articles were last seen", statements: [
            "CREATE INDEX articles_last_seen ON articles ((COALESCE(last_seen_at, discovered_at)))",
        ]),
        // See the SQLite migration of the same name.
        Migration(name: "Batch alerts, dismiss stories, keep digest health", statements: [
            "ALTER TABLE topic_matches ADD COLUMN alerted_at TIMESTAMPTZ",
            """
            UPDATE topic_matches m SET alerted_at = d.first
            FROM (SELECT subject, MIN(created_at) AS first FROM deliveries WHERE subject LIKE 'alert:%' GROUP BY subject) d
            WHERE d.subject = 'alert:' || m.id
            """,
            "CREATE INDEX topic_matches_alerted ON topic_matches(topic_id, alerted_at) WHERE alerted_at IS NOT NULL",
            """
            CREATE TABLE dismissals (
                id BIGSERIAL PRIMARY KEY,
                topic_id TEXT NOT NULL,
                story_id BIGINT NOT NULL,
                title TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                UNIQUE (topic_id, story_id)
            )
            """,
            "ALTER TABLE digests ADD COLUMN health TEXT",
        ]),
        // See the SQLite migration of the same name.
        Migration(name: "Keep each article's declared language", statements: [
            "ALTER TABLE articles ADD COLUMN language TEXT",
        ]),
    ]

    /// The advisory lock every daemon takes before migrating, so that daemons started
    /// together apply each migration once. An arbitrary constant: "fwmigr" in ASCII.
    static let lockKey: Int64 = 0x6677_6D69_6772

    /// Checks, without changing anything, that the database holds exactly this build's
    /// migrations: for read-only commands, which must neither migrate a database older daemons
    /// still use nor read a schema they do not know.
    static func verify(_ connection: PostgresConnection, logger: Logger) async throws(MigrationFailure) {
        var applied = Set<String>()
        do {
            let exists = try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
            var present = false
            for try await value in exists.decode(Bool.self) { present = value }
            guard present else {
                throw MigrationFailure(migration: "none", reason: "no feedwatch schema yet (the daemon creates it when it first starts)")
            }
            for try await name in try await connection.query("SELECT name FROM schema_migrations", logger: logger).decode(String.self) {
                applied.insert(name)
            }
        } catch let failure as MigrationFailure {
            throw failure
        } catch {
            throw MigrationFailure(migration: "check", reason: PostgresErrorText.reason(error), underlying: error)
        }
        let known = Set(all.map(\.name))
        if let unknown = applied.subtracting(known).sorted().first {
            throw MigrationFailure(migration: unknown, reason: "the database was migrated by a newer feedwatch; upgrade this one")
        }
        if let missing = all.first(where: { !applied.contains($0.name) }) {
            throw MigrationFailure(
                migration: missing.name, reason: "the database has an older schema; the daemon migrates it when it starts (this command only reads)")
        }
    }

    /// Applies the migrations the database lacks, in one transaction under the advisory lock.
    /// Refuses a database that holds migrations this build does not know (a newer feedwatch
    /// migrated it), rather than running old code against a newer schema.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws(MigrationFailure) {
        var current = "prepare"
        do {
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name TEXT PRIMARY KEY,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """, logger: logger)
            var applied = Set<String>()
            for try await name in try await connection.query("SELECT name FROM schema_migrations", logger: logger).decode(String.self) {
                applied.insert(name)
            }
            let known = Set(all.map(\.name))
            if let unknown = applied.subtracting(known).sorted().first {
                throw MigrationFailure(
                    migration: unknown,
                    reason: "the database was migrated by a newer feedwatch (unknown migration \"\(unknown)\"); upgrade this daemon")
            }
            for migration in all where !applied.contains(migration.name) {
                current = migration.name
                for statement in migration.statements {
                    try await connection.query(statement, logger: logger)
                }
                try await connection.query("INSERT INTO schema_migrations (name) VALUES (\(migration.name))", logger: logger)
            }
        } catch let failure as MigrationFailure {
            throw failure
        } catch {
            throw MigrationFailure(migration: current, reason: PostgresErrorText.reason(error), underlying: error)
        }
    }

    /// A migration that could not be applied, and why.
    struct MigrationFailure: Error {
        var migration: String
        var reason: String
        var underlying: (any Error)? = nil
    }
}

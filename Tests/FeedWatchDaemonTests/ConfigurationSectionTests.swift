import FeedWatchClustering
import FeedWatchDaemon
import FeedWatchModel
import FeedWatchParsing
import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import Testing

/// The configuration read section by section: defaults that live only in each stage's own
/// type, and the checks a reviewer found missing or inconsistent.
@Suite struct ConfigurationSectionTests {
    func problems(_ text: String, environment: [String: String] = [:]) -> [String] {
        do {
            _ = try ConfigurationLoader.parse(text, path: "f.toml", environment: environment)
            return []
        } catch {
            return error.lines
        }
    }

    // MARK: Defaults in one place

    @Test func anEmptyFileGivesEachStageItsOwnDefaults() throws {
        let config = try ConfigurationLoader.parse("", path: "f.toml")
        #expect(config.stories.clustering == ClusteringConfiguration())
        #expect(config.parseLimits == ParseLimits(maxBytes: config.fetch.maxBodyBytes))
        #expect(config.storage.postgres == PostgresSettings())
        let store = try config.storage.postgres.storeConfiguration(url: "postgres://u@db.example/feeds")
        let defaults = try PostgresStore.Configuration(url: "postgres://u@db.example/feeds")
        #expect(store == defaults)
    }

    @Test func fileValuesReachTheStagesTypes() throws {
        let config = try ConfigurationLoader.parse("""
            [storage]
            database = "postgres://u:pw@db.example/feeds"
            pool_size = 3
            timeout = "15s"
            [stories]
            window = "2d"
            text_similarity = 0.5
            [parse]
            max_depth = 64
            """, path: "f.toml")
        var clustering = ClusteringConfiguration()
        clustering.window = 48 * 3600
        clustering.textThreshold = 0.5
        #expect(config.stories.clustering == clustering)
        #expect(config.parseLimits.maxDepth == 64 && config.parseLimits.maxEntries == ParseLimits().maxEntries)
        let store = try config.storage.postgres.storeConfiguration(url: "postgres://u:pw@db.example/feeds")
        let defaults = try PostgresStore.Configuration(url: "postgres://u:pw@db.example/feeds")
        #expect(store.poolSize == 3 && store.operationTimeout == 15)
        #expect(store.connectTimeout == defaults.connectTimeout)
    }

    // MARK: [[opml]] interval

    @Test func anOPMLIntervalIsBoundByMinimumIntervalLikeAFeeds() throws {
        let directory = try TemporaryDirectory(prefix: "fw-opml")
        try """
            <?xml version="1.0"?><opml version="2.0"><body>
            <outline text="A" type="rss" xmlUrl="http://127.0.0.1:8080/a.xml"/>
            </body></opml>
            """.write(toFile: directory.path + "/list.opml", atomically: true, encoding: .utf8)
        let path = directory.path + "/feedwatch.toml"
        let lowered = try ConfigurationLoader.parse("""
            [fetch]
            minimum_interval = "5s"
            timeout = "3s"
            [[opml]]
            path = "list.opml"
            interval = "10s"
            """, path: path)
        #expect(lowered.feeds.first?.interval == TimeSpan(seconds: 10))
        do {
            _ = try ConfigurationLoader.parse("[[opml]]\npath = \"list.opml\"\ninterval = \"30s\"", path: path)
            Issue.record("a 30s interval below the default minimum of 1m was accepted")
        } catch {
            #expect(error.lines.contains { $0.contains("opml[0].interval: \"30s\" is shorter than the minimum of 1m") }, "\(error.lines)")
        }
    }

    // MARK: [storage] password_file

    @Test func anUnreadablePasswordFileIsReportedAtLoad() throws {
        let lines = problems("""
            [storage]
            database = "postgres://watch@db.example/feeds"
            password_file = "/nonexistent/feedwatch-db-password"
            """)
        #expect(lines == ["f.toml: storage.password_file: cannot read /nonexistent/feedwatch-db-password"])
        // Not used (the URL has the password, or the database is SQLite): not read, as before.
        #expect(problems("""
            [storage]
            database = "postgres://watch:pw@db.example/feeds"
            password_file = "/nonexistent/feedwatch-db-password"
            """).isEmpty)
        #expect(problems("[storage]\npassword_file = \"/nonexistent/feedwatch-db-password\"").isEmpty)
        let directory = try TemporaryDirectory(prefix: "fw-pw")
        try "secret\n".write(toFile: directory.path + "/pw", atomically: true, encoding: .utf8)
        #expect(problems("""
            [storage]
            database = "postgres://watch@db.example/feeds"
            password_file = "\(directory.path)/pw"
            """).isEmpty)
    }

    // MARK: sendmail

    @Test func smtpKeysOnASendmailNotifierAreReported() {
        let lines = problems("""
            [[notify]]
            kind = "email"
            sendmail = "/usr/local/bin/fw-test-sendmail"
            from = "feedwatch@example.org"
            to = ["me@example.org"]
            username = "me"
            password_env = "SMTP_PASSWORD"
            tls = "none"
            ca_file = "/etc/ssl/ca.pem"
            """, environment: ["SMTP_PASSWORD": "x"])
        for key in ["username", "password_env", "tls", "ca_file"] {
            #expect(lines.contains("f.toml: notify[0].\(key): does not apply to sendmail (only to an SMTP url)"), "\(lines)")
        }
        #expect(lines.count == 4, "\(lines)")
        #expect(problems("""
            [[notify]]
            kind = "email"
            sendmail = "/usr/local/bin/fw-test-sendmail"
            from = "feedwatch@example.org"
            to = ["me@example.org"]
            """).isEmpty)
    }

    // MARK: Topics the matcher cannot index

    @Test func aTopicWithNoPositiveWordIsAWarningNotAnError() throws {
        let config = try ConfigurationLoader.parse("""
            [[topic]]
            id = "missiles"
            query = "missile"
            [[topic]]
            id = "not-sports"
            query = "-sports"
            """, path: "f.toml")
        #expect(config.topics.map(\.id) == ["missiles", "not-sports"])
        #expect(config.warnings.map(\.keyPath) == ["topic[1].query"])
        #expect(config.warningLines.count == 1)
        #expect(config.warningLines.first?.hasPrefix("f.toml: warning: topic[1].query: topic not-sports has no word an article must contain") == true)
        #expect(try ConfigurationLoader.parse("[[topic]]\nid = \"m\"\nquery = \"missile -test\"", path: "f.toml").warnings.isEmpty)
    }
}

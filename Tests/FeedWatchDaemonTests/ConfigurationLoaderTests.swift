import Foundation
import FeedWatchDaemon
import FeedWatchDigest
import FeedWatchModel
import FeedWatchParsing
import Testing

@Suite struct ConfigurationLoaderTests {
    let full = """
        [storage]
        state_directory = "/tmp/fw-state"
        database = "sqlite:/tmp/fw-state/db.sqlite"

        [fetch]
        interval = "30m"
        concurrency = 16
        timeout = "30s"
        user_agent = "feedwatch/0.1 (+https://example.org/feedwatch)"

        [[feed]]
        url = "https://example.org/feed.xml"
        name = "Example"
        interval = "15m"
        tags = ["news"]

        [[feed]]
        url = "file:///srv/feeds/local.xml"

        [[topic]]
        id = "missile-tests"
        name = "Missile tests"
        query = '"ballistic missile" OR "missile test"'

        [digest]
        directory = "/tmp/fw-state/digests"
        time = "07:30"
        timezone = "Europe/Berlin"
        formats = ["markdown"]
        """

    @Test func readsEveryDocumentedKey() throws {
        let config = try ConfigurationLoader.parse(full, path: "feedwatch.toml")
        #expect(config.storage.stateDirectory == "/tmp/fw-state")
        #expect(config.storage.database == .sqlite(path: "/tmp/fw-state/db.sqlite"))
        #expect(config.fetch.interval == .minutes(30))
        #expect(config.fetch.concurrency == 16)
        #expect(config.fetch.timeout == TimeSpan(seconds: 30))
        #expect(config.fetch.userAgent == "feedwatch/0.1 (+https://example.org/feedwatch)")
        #expect(config.feeds == [
            FeedSource(url: "https://example.org/feed.xml", name: "Example", interval: .minutes(15), tags: ["news"]),
            FeedSource(url: "file:///srv/feeds/local.xml"),
        ])
        #expect(config.interval(for: config.feeds[1]) == .minutes(30))
        #expect(config.topics.map(\.id) == ["missile-tests"])
        #expect(config.topics[0].name == "Missile tests")
        #expect(config.digest.directory == "/tmp/fw-state/digests")
        #expect(config.digest.minuteOfDay == 7 * 60 + 30)
        #expect(config.digest.timeZone == "Europe/Berlin")
        #expect(config.digest.formats == [.markdown])
    }

    @Test func defaultsComeFromTheStateDirectory() throws {
        let config = try ConfigurationLoader.parse("", path: "f.toml", environment: ["STATE_DIRECTORY": "/var/lib/feedwatch"])
        #expect(config.storage.stateDirectory == "/var/lib/feedwatch")
        #expect(config.storage.database == .sqlite(path: "/var/lib/feedwatch/feedwatch.sqlite"))
        #expect(config.digest.directory == "/var/lib/feedwatch/digests")
        #expect(config.fetch.userAgent.hasPrefix("feedwatch/"))
        let local = try ConfigurationLoader.parse("", path: "f.toml", environment: [:])
        #expect(local.storage.stateDirectory == "./state")
    }

    @Test func reportsEveryProblemAsFileKeyPathReason() {
        let broken = """
            colour = "blue"
            [fetch]
            interval = "15x"
            [[feed]]
            url = "not a url"
            [[feed]]
            url = "https://example.org/a.xml"
            speed = 3
            [[feed]]
            url = "https://example.org/a.xml"
            [[feed]]
            url = "gopher://example.org/feed"
            [[topic]]
            id = "t"
            query = "missile"
            [[topic]]
            id = "t"
            query = "sanctions"
            [[topic]]
            id = "empty"
            query = ""
            [digest]
            timezone = "Mars/Olympus_Mons"
            time = "7am"
            """
        #expect {
            _ = try ConfigurationLoader.parse(broken, path: "/etc/feedwatch/feedwatch.toml")
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            let lines = error.lines
            let expected = [
                "/etc/feedwatch/feedwatch.toml: colour: unknown key",
                "/etc/feedwatch/feedwatch.toml: fetch.interval: \"15x\" is not a duration",
                "/etc/feedwatch/feedwatch.toml: feed[0].url: \"not a url\"",
                "/etc/feedwatch/feedwatch.toml: feed[1].speed: unknown key",
                "/etc/feedwatch/feedwatch.toml: feed[2].url: duplicate of feed[1].url",
                "/etc/feedwatch/feedwatch.toml: feed[3].url: \"gopher://example.org/feed\": scheme gopher is not supported",
                "/etc/feedwatch/feedwatch.toml: topic[1].id: duplicate of topic[0].id",
                "/etc/feedwatch/feedwatch.toml: topic[2].query: topic empty: query column",
                "/etc/feedwatch/feedwatch.toml: digest.timezone: \"Mars/Olympus_Mons\" is not an IANA time zone",
                "/etc/feedwatch/feedwatch.toml: digest.time: \"7am\" is not a time of day",
            ]
            for prefix in expected where !lines.contains(where: { $0.hasPrefix(prefix) }) {
                Issue.record("missing problem line starting with: \(prefix)\n got:\n\(lines.joined(separator: "\n"))")
            }
            return lines.count == expected.count
        }
    }

    @Test func parseBoundsComeFromTheParseSectionAndTheBodyCap() throws {
        let defaults = try ConfigurationLoader.parse("", path: "f.toml", environment: [:])
        #expect(defaults.parseLimits == ParseLimits(maxBytes: 16 << 20))
        let config = try ConfigurationLoader.parse("""
            [fetch]
            max_body_bytes = 1048576
            [parse]
            max_entries = 500
            max_depth = 64
            max_text_bytes = 65536
            """, path: "f.toml", environment: [:])
        #expect(config.parseLimits == ParseLimits(maxBytes: 1 << 20, maxDepth: 64, maxTextBytes: 65536, maxEntries: 500))
        #expect {
            _ = try ConfigurationLoader.parse("[parse]\nmax_entries = 0\nmax_depth = 2\nmaximum = 1", path: "p.toml")
        } throws: { error in
            guard let lines = (error as? ConfigurationError)?.lines else { return false }
            return lines.count == 3 && lines.contains { $0.hasPrefix("p.toml: parse.max_entries:") }
                && lines.contains { $0.hasPrefix("p.toml: parse.max_depth:") }
                && lines.contains { $0.hasPrefix("p.toml: parse.maximum: unknown key") }
        }
    }

    @Test func invalidTOMLNamesTheLine() {
        #expect {
            _ = try ConfigurationLoader.parse("[fetch\ninterval = 3", path: "x.toml")
        } throws: { error in
            "\(error)".hasPrefix("x.toml: not valid TOML at line 1")
        }
    }

    @Test func missingFileSaysSo() {
        #expect {
            _ = try ConfigurationLoader.load(path: "/nonexistent/feedwatch.toml")
        } throws: { error in
            "\(error)" == "/nonexistent/feedwatch.toml: cannot read the configuration: no such file"
        }
    }
}

@Suite struct ShippedConfigurationTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func theCommentedExampleIsValid() throws {
        let path = Self.repository.appendingPathComponent("Config/feedwatch.toml").path
        let config = try ConfigurationLoader.load(path: path)
        // The package installs it as /etc/feedwatch/feedwatch.toml: it watches nothing until the
        // administrator adds feeds, so a fresh service starts quietly instead of failing on examples.
        #expect(config.feeds.isEmpty)
        // Its commented [[feed]] examples (two web feeds, one local file) and [[notify]] examples
        // (e-mail, a Slack channel for one topic) are valid once uncommented.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let keys = ["url", "name", "interval", "tags", "full_text", "kind", "tls", "from", "to", "format", "topics", "events", "title"]
        let uncommented = text.replacingOccurrences(of: "# [[feed]]", with: "[[feed]]")
            .replacingOccurrences(of: "# [[notify]]", with: "[[notify]]")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in
                for key in keys where line.hasPrefix("# \(key) = ") { return String(line.dropFirst(2)) }
                return String(line)
            }
            .joined(separator: "\n")
        let examples = try ConfigurationLoader.parse(uncommented, path: path)
        #expect(examples.feeds.count == 3)
        #expect(examples.digest.notifiers.map(\.name) == ["email-1", "sanctions-desk"])
        #expect(examples.digest.notifiers.last?.topics == ["sanctions"])
        #expect(config.topics.map(\.id) == ["missile-tests", "sanctions"])
        #expect(config.digest.timeZone == "Europe/Berlin")
    }

    @Test func theDemoConfigurationIsValid() throws {
        let template = try String(
            contentsOf: Self.repository.appendingPathComponent("Config/examples/demo.toml"), encoding: .utf8)
        let text = template.replacingOccurrences(of: "@PORT@", with: "8080").replacingOccurrences(of: "@STATE@", with: "/tmp/x")
        let config = try ConfigurationLoader.parse(text, path: "demo.toml")
        #expect(config.feeds.count == 2)
    }
}

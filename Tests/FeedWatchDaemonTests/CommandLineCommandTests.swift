import FeedWatchDaemon
import FeedWatchModel
import FeedWatchParsing
import FeedWatchTestSupport
import Foundation
import Testing

/// A real configuration file in a temporary state directory, for the commands that edit or use it.
struct CommandLineWorld {
    let temporary: TemporaryDirectory
    var directory: String { temporary.path }
    var configPath: String { directory + "/feedwatch.toml" }
    var databasePath: String { directory + "/feedwatch.sqlite" }

    init(feeds: [String]) throws {
        temporary = try TemporaryDirectory(prefix: "fw-cli-cmd")
        var text = """
            [storage]
            state_directory = "\(temporary.path)"

            [fetch]
            timeout = "10s"

            [digest]
            timezone = "UTC"
            formats = ["markdown"]

            [[topic]]
            id = "missiles"
            name = "Missile tests"
            query = '"missile test"'


            """
        for url in feeds { text += "[[feed]]\nurl = \"\(url)\"\n\n" }
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// The feed URLs the configuration file holds now, as the daemon would load them.
    func configuredFeeds() throws -> [FeedSourceSummary] {
        try ConfigurationLoader.load(path: configPath).feeds.map { FeedSourceSummary(url: $0.url, name: $0.name, tags: $0.tags) }
    }

    /// Runs `feedwatch <arguments> --config <this file>`.
    func run(_ arguments: [String]) throws -> FeedWatchBinary.Output {
        try FeedWatchBinary.run(arguments + ["--config", configPath])
    }

    /// Today in UTC (the configured digest time zone), as a digest file is named.
    static var today: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date())
    }
}

/// What a configured feed is, for comparisons.
struct FeedSourceSummary: Equatable {
    var url: String
    var name: String?
    var tags: [String]
}

/// A news page whose one block of prose the extractor should find.
let articlePage = """
    <!DOCTYPE html><html lang="en"><head><title>Missile test over the sea | Example News</title>
    <link rel="canonical" href="https://news.example/2027/missile-test"></head>
    <body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
    <article><h1>Missile test over the sea</h1>
    <p>The government confirmed on Tuesday that a missile test had taken place over the sea, the third such launch this year, and said the flight ended as planned.</p>
    <p>Officials in neighbouring countries said they had been told of the launch in advance, although several of them asked for a meeting to discuss the programme and its aims.</p>
    <p>Analysts noted that the missile flew further than in earlier tests, and that the launch came a week before talks on sanctions were due to resume in the capital.</p>
    </article><footer>Copyright Example News</footer></body></html>
    """

@Suite(.requires(.feedwatchBinary))
struct FeedsCommandTests {
    @Test func addOfAPageAddsTheFeedItAdvertises() async throws {
        let server = try await LoopbackHTTPServer.start { request in
            switch request.path {
            case "/news":
                return .ok("""
                    <html><head><title>News</title>
                    <link rel="alternate" type="application/rss+xml" title="News feed" href="/news/feed.xml">
                    </head><body><p>Welcome.</p></body></html>
                    """, contentType: "text/html; charset=utf-8")
            case "/news/feed.xml": return .ok(syntheticFeed("news", items: 4))
            default: return .status(404)
            }
        }
        let world = try CommandLineWorld(feeds: [server.url("/other.xml")])

        let added = try world.run(["feeds", "add", server.url("/news"), "--name", "News", "--tag", "world"])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("is a web page; it advertises"))
        #expect(added.stdout.contains("added \(server.url("/news/feed.xml"))"))
        #expect(try world.configuredFeeds() == [
            FeedSourceSummary(url: server.url("/other.xml"), name: nil, tags: []),
            FeedSourceSummary(url: server.url("/news/feed.xml"), name: "News", tags: ["world"]),
        ])
        // The page was looked at, then the advertised feed checked before it was added.
        #expect(server.requestCount(path: "/news") == 1)
        #expect(server.requestCount(path: "/news/feed.xml") == 1)

        // Adding it again (by the page or by the feed) is refused and changes nothing.
        let before = try String(contentsOfFile: world.configPath, encoding: .utf8)
        let again = try world.run(["feeds", "add", server.url("/news/feed.xml")])
        #expect(again.status == 1)
        #expect(again.stderr.contains("is already configured"))
        #expect(try String(contentsOfFile: world.configPath, encoding: .utf8) == before)

        // Something that is neither a feed nor a page advertising one is not added.
        // An HTTP 404 is a remote failure (status 3), said in one line, without the usage text.
        let missing = try world.run(["feeds", "add", server.url("/nothing")])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("HTTP 404") && !missing.stderr.contains("USAGE"), "\(missing.stderr)")
        #expect(try String(contentsOfFile: world.configPath, encoding: .utf8) == before)
        try await server.shutdown()
    }

    @Test func removeTakesOutOneFeedByURLOrName() throws {
        let world = try CommandLineWorld(feeds: ["https://a.example/feed.xml", "https://b.example/feed.xml"])
        let removed = try world.run(["feeds", "remove", "https://a.example/feed.xml"])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(try world.configuredFeeds().map(\.url) == ["https://b.example/feed.xml"])

        let unknown = try world.run(["feeds", "remove", "https://nowhere.example/feed.xml"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no [[feed]] table in \(world.configPath) has url or name https://nowhere.example/feed.xml"))
        #expect(try world.configuredFeeds().map(\.url) == ["https://b.example/feed.xml"])
    }

    @Test func importAddsEachNewFeedWithItsFolderAndExportGivesThemBack() throws {
        let world = try CommandLineWorld(feeds: ["https://a.example/feed.xml"])
        let opml = world.directory + "/subscriptions.opml"
        try """
            <?xml version="1.0" encoding="UTF-8"?>
            <opml version="2.0"><head><title>Mine</title></head><body>
              <outline text="Already there" type="rss" xmlUrl="https://a.example/feed.xml"/>
              <outline text="World">
                <outline text="B News" type="rss" xmlUrl="https://b.example/feed.xml"/>
                <outline text="C News" type="rss" xmlUrl="https://c.example/rss"/>
              </outline>
              <outline text="Not the web" type="rss" xmlUrl="ftp://d.example/feed.xml"/>
            </body></opml>
            """.write(toFile: opml, atomically: true, encoding: .utf8)

        let imported = try world.run(["feeds", "import", opml])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported 2 of 4 feeds"), "\(imported.stdout)")
        #expect(imported.stdout.contains("skipped ftp://d.example/feed.xml"))
        #expect(try world.configuredFeeds() == [
            FeedSourceSummary(url: "https://a.example/feed.xml", name: nil, tags: []),
            FeedSourceSummary(url: "https://b.example/feed.xml", name: "B News", tags: ["World"]),
            FeedSourceSummary(url: "https://c.example/rss", name: "C News", tags: ["World"]),
        ])

        let exported = try world.run(["feeds", "export"])
        #expect(exported.status == 0, "\(exported.stderr)")
        let outlines = try OPML.parse(Array(exported.stdout.utf8))
        #expect(outlines.map(\.xmlURL) == ["https://a.example/feed.xml", "https://b.example/feed.xml", "https://c.example/rss"])
        #expect(outlines.map(\.folders) == [[], ["World"], ["World"]])
    }
}

@Suite(.requires(.feedwatchBinary))
struct FetchExtractDigestCommandTests {
    @Test func extractPrintsTheArticleOfAPage() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .ok(articlePage, contentType: "text/html; charset=utf-8") }
        let result = try FeedWatchBinary.run(["extract", server.url("/2027/missile-test"), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((object["title"] as? String)?.hasPrefix("Missile test over the sea") == true, "\(object)")
        #expect(object["canonical_url"] as? String == "https://news.example/2027/missile-test")
        let text = try #require(object["text"] as? String)
        for start in ["The government confirmed on Tuesday", "Officials in neighbouring countries", "Analysts noted that"] {
            #expect(text.contains(start), "\(text)")
        }
        #expect(!text.contains("Copyright") && !text.contains("Sport"), "\(text)")
        #expect(server.requestCount(path: "/2027/missile-test") == 1)
        try await server.shutdown()

        // A page without an article (a file this time): exit status 3 and the reason.
        let directory = try TemporaryDirectory(prefix: "fw-cli-extract")
        let path = directory.path + "/links.html"
        try "<html><body><ul><li><a href=\"/1\">One</a></li><li><a href=\"/2\">Two</a></li></ul></body></html>"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let listing = try FeedWatchBinary.run(["extract", path])
        #expect(listing.status == 3)
        #expect(listing.stderr.contains("no discernible article"), "\(listing.stderr)")
    }

    /// `fetch` stores and matches as the daemon does; `digest` without `--date` then collects
    /// every pending match into today's digest, once.
    @Test func fetchStoresAndMatchesThenDigestCollectsTodaysMatches() async throws {
        let server = try await LoopbackHTTPServer.start { request in
            request.path == "/a.xml" ? .ok(syntheticFeed("a", items: 6)) : .status(404)
        }
        let world = try CommandLineWorld(feeds: [server.url("/a.xml"), server.url("/gone.xml")])

        // One feed fails (404): status 2, the other feed's work done.
        let fetched = try world.run(["fetch"])
        #expect(fetched.status == 2, "\(fetched.stderr)")
        let rows = fetched.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows.contains { $0.contains("200") && $0.contains("6") }, "\(fetched.stdout)")
        #expect(fetched.stdout.contains("HTTP 404"), "\(fetched.stdout)")
        #expect(server.requestCount(path: "/a.xml") == 1)

        // Only the named feed, and nothing new the second time.
        let again = try world.run(["fetch", server.url("/a.xml")])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(server.requestCount(path: "/a.xml") == 2)
        #expect(server.requestCount(path: "/gone.xml") == 1)
        let unknown = try world.run(["fetch", "https://nowhere.example/x.xml"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no configured feed is called https://nowhere.example/x.xml"))

        let day = CommandLineWorld.today
        let digest = try world.run(["digest"])
        #expect(digest.status == 0, "\(digest.stderr)")
        let printedPaths = digest.stdout.split(separator: "\n").map(String.init)
        #expect(printedPaths.count == 1 && printedPaths.first?.hasSuffix("/digests/\(day).md") == true, "\(digest.stdout)")
        let file = world.directory + "/digests/\(day).md"
        let sections = digestSections(try String(contentsOfFile: file, encoding: .utf8))
        #expect(Set(sections["Missile tests"] ?? []) == [
            "Item 0 of a: missile test reported", "Item 3 of a: missile test reported",
        ])
        #expect((sections["Missile tests"] ?? []).count == syntheticMatches(items: 6))

        // Every match is in a digest now: printing today's digest shows the same, nothing is collected twice.
        let printed = try world.run(["digest", "--stdout"])
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(digestSections(printed.stdout) == sections)
        try await server.shutdown()
    }
}

/// `feedwatch store copy` end to end: the SQLite database the commands wrote lands in
/// PostgreSQL (StoreCopierTests covers what the copy keeps; this covers the command).
@Suite(.requires(.feedwatchBinary))
struct StoreCopyCommandTests {
    @Test(.requires(.postgres)) func copyMovesTheDatabaseAndRefusesASecondTime() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .ok(syntheticFeed("s", items: 5)) }
        let world = try CommandLineWorld(feeds: [server.url("/s.xml")])
        let fetched = try world.run(["fetch"])
        #expect(fetched.status == 0, "\(fetched.stderr)")
        try await server.shutdown()

        _ = try await PostgresTestServer.withDatabase { url in
            let copy = try FeedWatchBinary.run(["store", "copy", "--from", "sqlite:\(world.databasePath)", "--to", url])
            #expect(copy.status == 0, "\(copy.stderr)")
            #expect(copy.stdout.contains("copied 1 feeds, 5 articles, \(syntheticMatches(items: 5)) matches"), "\(copy.stdout)")
            #expect(try await PostgresTestServer.count("SELECT COUNT(*) FROM articles", url: url) == 5)
            #expect(try await PostgresTestServer.count("SELECT COUNT(*) FROM topic_matches", url: url) == syntheticMatches(items: 5))
            if let password = URLComponents(string: url)?.password, !password.isEmpty {
                #expect(!copy.stdout.contains(password) && !copy.stderr.contains(password))
            }

            let second = try FeedWatchBinary.run(["store", "copy", "--from", "sqlite:\(world.databasePath)", "--to", url])
            #expect(second.status == 6)
            #expect(second.stderr.contains("store copy failed"), "\(second.stderr)")
            #expect(try await PostgresTestServer.count("SELECT COUNT(*) FROM articles", url: url) == 5)
        }
    }
}

/// A gzip bomb (1 GiB of zeros in about 6.5 MB) fetched by `feedwatch fetch` in a process of
/// its own: the fetch fails at the 16 MiB decoded cap, and that process's own peak resident set
/// stays far below what decoding the gigabyte would take.
///
/// The peak comes from a small python3 parent (`RUSAGE_CHILDREN` after it waited): a child
/// spawned by the test runner itself would report the runner's high-water mark, since Linux
/// carries the pre-exec address space's peak into `ru_maxrss` across a vfork-style spawn.
@Suite(.requires(.feedwatchBinary), .requires(.python3))
struct FetchCommandMemoryTests {
    @Test func aGzipBombIsCutAtTheCapInBoundedMemory() async throws {
        try TestRequirement.python3.check()
        let bomb = HostileBodies.gzipOfZeros(decodedBytes: 1 << 30).gzip
        let server = try await LoopbackHTTPServer.start { _ in
            LoopbackResponse(status: 200, headers: [("Content-Type", "application/rss+xml"), ("Content-Encoding", "gzip")], body: bomb)
        }
        let world = try CommandLineWorld(feeds: [server.url("/bomb.xml")])
        let peakFile = world.directory + "/peak-kib"
        let measure = """
            import resource, subprocess, sys
            status = subprocess.run(sys.argv[2:]).returncode
            open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
            sys.exit(status)
            """
        let fetch = try DaemonProcess(
            arguments: ["-c", measure, peakFile, DaemonProcess.binaryPath, "fetch", "--config", world.configPath],
            directory: world.directory, binary: "/usr/bin/python3")
        let status = try #require(try await fetch.waitForExit(timeout: .seconds(120)), "feedwatch fetch did not finish")
        #expect(status == 2, "the bomb's feed fails (exit status 2): \(fetch.standardError)")
        #expect(fetch.standardOutput.contains("exceeds the 16 MiB limit"), "\(fetch.standardOutput)")
        #expect(server.requestCount(path: "/bomb.xml") == 1)
        let peak = try #require(Int(try String(contentsOfFile: peakFile, encoding: .utf8))) * 1024
        print("feedwatch fetch of a gzip bomb: peak resident set \(peak >> 20) MiB")
        // The cap plus the binary itself; the whole gigabyte would need more than four times this.
        #expect(peak > 0 && peak < 256 << 20, "peak \(peak >> 20) MiB")
        try await server.shutdown()
    }
}

extension TestRequirement {
    /// python3 measures a child's own peak memory (and serves the demo's feeds).
    static let python3 = TestRequirement.executable("/usr/bin/python3", "/usr/bin/python3 (the python3 package)")
}

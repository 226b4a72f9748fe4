import Foundation
import FeedWatchDaemon
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Logging
import Synchronization
import Testing

/// Full text, the address guard, stories and retention through the real pipeline: loopback
/// HTTP, a real SQLite file, the real fetcher.
@Suite struct ArticlePipelineTests {
    static let topic = (id: "missiles", name: "Missile sanctions", query: #""ballistic missile" AND sanctions"#)

    /// A configuration file with per-feed keys and `[fetch]` extras, in `state`.
    static func runtime(
        in state: TemporaryDirectory, feeds: [(url: String, fullText: String?)], fetchExtra: String = "", storageExtra: String = ""
    ) throws -> FeedWatchRuntime {
        let directory = state.path
        var text = "[storage]\nstate_directory = \"\(directory)\"\n\(storageExtra)\n[fetch]\ntimeout = \"10s\"\n\(fetchExtra)\n"
        for (index, feed) in feeds.enumerated() {
            text += "[[feed]]\nurl = \"\(feed.url)\"\nname = \"Outlet \(index + 1)\"\n"
            if let mode = feed.fullText { text += "full_text = \"\(mode)\"\n" }
            text += "\n"
        }
        text += "[[topic]]\nid = \"\(topic.id)\"\nname = \"\(topic.name)\"\nquery = '\(topic.query)'\n\n[digest]\ntimezone = \"UTC\"\n"
        let path = directory + "/feedwatch.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try FeedWatchRuntime(configuration: try ConfigurationLoader.load(path: path), logger: quietLogger)
    }

    static func rss(_ items: [(guid: String, title: String, link: String, summary: String)]) -> String {
        var text = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed</title>"
        for item in items {
            text += "<item><guid>\(item.guid)</guid><title>\(item.title)</title><link>\(item.link)</link>"
                + "<description>\(item.summary)</description></item>"
        }
        return text + "</channel></rss>"
    }

    static let articlePage = """
        <html lang="en"><head><title>Page</title><link rel="canonical" href="https://news.example/a"></head><body>
        <nav><a href="/">Home</a></nav><article><h1>Missile claims</h1>
        <p>The government announced new sanctions on Tuesday after the country launched a ballistic missile over the sea.</p>
        <p>Officials said the sanctions target eleven companies that supply parts, and more measures may follow next month.</p>
        </article><footer>Copyright</footer></body></html>
        """

    /// Words of the topic are in the teaser, but not as the phrase: a candidate, not yet a match.
    static let candidateTeaser = "Missile claims, ballistic talk and sanctions."

    /// Links are relative: the parser resolves them against the feed's loopback URL.
    @Test func candidatesFetchOnlyCandidatePagesAndMatchOnFullText() async throws {
        let server = try await LoopbackHTTPServer.start { request in
            switch request.path {
            case "/feed.xml":
                return .ok(Self.rss([
                    ("a", "Missile claims", "/a.html", Self.candidateTeaser),
                    ("b", "Football results", "/b.html", "The derby ended in a draw."),
                    ("c", "Missile data", "/c.json", Self.candidateTeaser),
                ]))
            case "/a.html": return .ok(Self.articlePage, contentType: "text/html; charset=utf-8")
            case "/c.json": return .ok("{\"not\": \"html\"}", contentType: "application/json")
            default: return .status(404)
            }
        }
        let state = try TemporaryDirectory(prefix: "fw-article")
        let runtime = try Self.runtime(
            in: state,
            feeds: [(server.url("/feed.xml"), "candidates")], fetchExtra: "allow_private_networks = [\"127.0.0.0/8\"]\n")
        let report = try await runtime.runOnce()
        #expect(report.feeds[0].error == nil)
        #expect(report.feeds[0].newArticles == 3)
        #expect(server.requestCount(path: "/a.html") == 1)
        #expect(server.requestCount(path: "/b.html") == 0, "not a candidate: the page is not fetched")
        #expect(server.requestCount(path: "/c.json") == 1)
        let articles = try await runtime.store.articles(since: .distantPast, limit: 10)
        let a = try #require(articles.first { $0.title == "Missile claims" })
        #expect(a.fullText?.contains("launched a ballistic missile over the sea") == true)
        #expect(a.fullText?.contains("Home") == false)
        let c = try #require(articles.first { $0.title == "Missile data" })
        #expect(c.fullText == nil)
        #expect(c.extractionNote?.contains("not HTML") == true, "note: \(c.extractionNote ?? "none")")
        #expect(report.feeds[0].newMatches == 1, "matched on the full text, which has the phrase")
        try await server.shutdown()
    }

    @Test func withoutAnAllowedNetworkThePageIsRefusedAndTheFeedTextStillMatches() async throws {
        let server = try await LoopbackHTTPServer.start { request in
            if request.path == "/a.html" { return .ok(Self.articlePage, contentType: "text/html") }
            return .ok(Self.rss([("a", "Ballistic missile test", "/a.html",
                                  "A ballistic missile test drew new sanctions.")]))
        }
        let state = try TemporaryDirectory(prefix: "fw-article")
        let runtime = try Self.runtime(in: state, feeds: [(server.url("/feed.xml"), "always")])
        let report = try await runtime.runOnce()
        #expect(report.feeds[0].error == nil)
        #expect(report.feeds[0].newMatches == 1)
        let article = try #require(try await runtime.store.articles(since: .distantPast, limit: 10).first)
        #expect(article.fullText == nil)
        #expect(article.extractionNote?.contains("refused to connect") == true)
        #expect(server.requestCount(path: "/a.html") == 0)
        try await server.shutdown()
    }

    @Test func sameStoryFromThreeFeedsIsOneDigestItem() async throws {
        let wire = "Officials said a ballistic missile was launched on Tuesday and new sanctions would follow, "
            + "in a statement that named eleven companies supplying parts for the programme and warned of further "
            + "measures next month if the launches continue, while neighbours called an emergency meeting."
        let other = "A separate report described how sanctions on oil exports were eased, with no mention of any "
            + "ballistic missile activity, and traders expect prices to fall over the coming weeks in Asian markets."
        let server = try await LoopbackHTTPServer.start { request in
            switch request.path {
            case "/one.xml": return .ok(Self.rss([("1", "Ballistic missile launched, sanctions to follow", "https://one.example/1", "ONE - " + wire)]))
            case "/two.xml": return .ok(Self.rss([("2", "New sanctions after missile launch", "https://two.example/2", wire + " Read more.")]))
            case "/three.xml": return .ok(Self.rss([
                ("3", "Launch draws sanctions threat", "https://three.example/3", "(Wire) " + wire),
                ("4", "Oil sanctions eased, ballistic missile issue aside", "https://three.example/4", other),
            ]))
            default: return .status(404)
            }
        }
        let state = try TemporaryDirectory(prefix: "fw-article")
        let runtime = try Self.runtime(
            in: state, feeds: [(server.url("/one.xml"), nil), (server.url("/two.xml"), nil), (server.url("/three.xml"), nil)])
        // Feeds refresh concurrently; run them one by one so the first outlet's item leads the story.
        for feed in try await runtime.store.syncFeeds(runtime.configuration.feeds) {
            _ = await runtime.pipeline.refresh(feed)
        }
        let published = try await runtime.publisher.publish(now: Date())
        let path = try #require(published.first?.path)
        let markdown = try String(contentsOfFile: path, encoding: .utf8)
        let titles = digestSections(markdown)["Missile sanctions"] ?? []
        #expect(titles.count == 2, "\(markdown)")
        #expect(markdown.components(separatedBy: "Also reported by:").count == 2)
        #expect(markdown.contains("*Outlet 2*: [New sanctions after missile launch](<https://two.example/2>)")
            || markdown.contains("*Outlet 1*: [Ballistic missile launched, sanctions to follow](<https://one.example/1>)"))
        #expect(markdown.contains("Launch draws sanctions threat"))
        try await server.shutdown()
    }

    @Test func editedEntryIsMatchedAgainOnlyForNewTopics() async throws {
        let summaries = Mutex(["A quiet day at the harbour."])
        let server = try await LoopbackHTTPServer.start { _ in
            let summary = summaries.withLock { $0.last ?? "" }
            return .ok(Self.rss([("same-guid", "Harbour news", "https://news.example/h", summary)]))
        }
        let state = try TemporaryDirectory(prefix: "fw-article")
        let runtime = try Self.runtime(in: state, feeds: [(server.url("/feed.xml"), nil)])
        let first = try await runtime.runOnce()
        #expect(first.newArticles == 1)
        #expect(first.newMatches == 0)
        summaries.withLock { $0.append("Correction: a ballistic missile landed nearby; sanctions were announced.") }
        let second = try await runtime.runOnce()
        #expect(second.newArticles == 0, "an edit is an update, not a new article")
        #expect(second.newMatches == 1, "the update now matches the topic")
        summaries.withLock { $0.append("Update: the ballistic missile was a test; more sanctions may follow.") }
        let third = try await runtime.runOnce()
        #expect(third.newArticles == 0)
        #expect(third.newMatches == 0, "already matched that topic: not matched again")
        #expect(try await runtime.store.articles(since: .distantPast, limit: 10).count == 1)
        try await server.shutdown()
    }

    @Test func configurationKeysAreValidated() throws {
        let bad = """
            [storage]
            retention = "30d"
            digest_retention = "7d"
            [fetch]
            allow_private_networks = ["10.0.0.0/8", "not-a-network"]
            [[feed]]
            url = "https://example.org/feed.xml"
            full_text = "sometimes"
            [stories]
            text_similarity = 2
            """
        do {
            _ = try ConfigurationLoader.parse(bad, path: "f.toml")
            Issue.record("invalid keys were accepted")
        } catch {
            let text = "\(error)"
            #expect(text.contains("feed[0].full_text"))
            #expect(text.contains("fetch.allow_private_networks[1]"))
            #expect(text.contains("storage.digest_retention"))
            #expect(text.contains("stories.text_similarity"))
        }
        let good = try ConfigurationLoader.parse("""
            [storage]
            retention = "30d"
            [fetch]
            allow_private_networks = ["127.0.0.0/8"]
            [[feed]]
            url = "https://example.org/feed.xml"
            full_text = "candidates"
            [stories]
            window = "48h"
            title_similarity = 0.9
            """, path: "f.toml")
        #expect(good.stories.window == .hours(48))
        #expect(good.stories.titleSimilarity == 0.9)
        #expect(good.feeds[0].fullText == .candidates)
        #expect(good.storage.retention == TimeSpan(seconds: 30 * 86_400))
        #expect(good.storage.digestRetention == TimeSpan(seconds: 365 * 86_400))
        #expect(good.fetch.allowPrivateNetworks.map(\.description) == ["127.0.0.0/8"])
    }
}

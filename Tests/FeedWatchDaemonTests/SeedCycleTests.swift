import Foundation
import FeedWatchDaemon
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Logging
import Testing

/// A throwaway state directory and a config pointing at it, removed when the last copy of
/// the fixture goes.
struct CycleFixture {
    private let temporary: TemporaryDirectory
    var directory: String { temporary.path }
    let configPath: String

    init(feeds: [String], topics: [(id: String, name: String, query: String)], extra: String = "") throws {
        temporary = try TemporaryDirectory(prefix: "fw-cycle")
        let directory = temporary.path
        // The corpora are archives, older than any first fetch: backfill would hide them all.
        var text = "[storage]\nstate_directory = \"\(directory)\"\n\n[fetch]\ntimeout = \"10s\"\nbackfill = \"all\"\n\n"
        for url in feeds { text += "[[feed]]\nurl = \"\(url)\"\n\n" }
        for topic in topics { text += "[[topic]]\nid = \"\(topic.id)\"\nname = \"\(topic.name)\"\nquery = '\(topic.query)'\n\n" }
        text += "[digest]\ntimezone = \"UTC\"\n" + extra
        configPath = directory + "/feedwatch.toml"
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func runtime() async throws -> FeedWatchRuntime {
        let configuration = try ConfigurationLoader.load(path: configPath)
        return try await FeedWatchRuntime.open(configuration: configuration, logger: quietLogger)
    }
}

/// The titles listed under each `## Topic` heading of a Markdown digest: stories in full
/// (`### Title`) and references to a story shown in full under another topic (`- Title · also under …`).
func digestSections(_ markdown: String) -> [String: [String]] {
    var sections: [String: [String]] = [:]
    var current: String?
    for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("## ") {
            current = String(line.dropFirst(3))
            sections[current!] = []
        } else if line.hasPrefix("### ") || line.hasPrefix("- "), let current {
            var title = String(line.dropFirst(line.hasPrefix("### ") ? 4 : 2))
            if let reference = title.range(of: " · also under ") { title = String(title[..<reference.lowerBound]) }
            if title.hasPrefix("["), let end = title.range(of: "](") {
                title = String(title[title.index(after: title.startIndex)..<end.lowerBound])
            }
            sections[current, default: []].append(title.replacingOccurrences(of: "\\", with: ""))
        }
    }
    return sections
}

/// The seed topics, written in the topic language; they must reproduce expected-topics.json.
let seedTopics = [
    (id: "missile-tests", name: "Missile tests",
     query: #""ballistic missile" OR "missile test" OR (missile NEAR/5 (test OR launch OR fire))"#),
    (id: "sanctions", name: "Sanctions", query: #"sanction* OR embargo OR "asset freeze""#),
]

/// `expected-topics.json`: article title → topic ids.
func expectedTopics(_ shared: URL) throws -> [String: Set<String>] {
    let data = try Data(contentsOf: shared.appendingPathComponent("corpus/seed/expected-topics.json"))
    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    let expected = object?["expected"] as? [String: [String]] ?? [:]
    return expected.mapValues(Set.init)
}

@Suite struct SeedCycleTests {
    @Test(.requires(.sharedCorpus), arguments: ["iranfocus-rss2.xml", "iranfocus-atom.xml"])
    func seedFeedThroughAFullCycle(file: String) async throws {
        try TestRequirement.sharedCorpus.check()
        let shared = try #require(SharedCorpus.directory)
        let bytes = try Data(contentsOf: shared.appendingPathComponent("corpus/seed/\(file)"))
        let server = try await LoopbackHTTPServer.start { request in
            if request.header("If-None-Match") == "\"seed-v1\"" { return .status(304) }
            var response = LoopbackResponse.ok(String(decoding: bytes, as: UTF8.self), contentType: "application/xml")
            response.headers.append(("ETag", "\"seed-v1\""))
            return response
        }
        let fixture = try CycleFixture(feeds: ["\(server.baseURL)/\(file)"], topics: seedTopics)
        let runtime = try await fixture.runtime()

        let first = try await runtime.runOnce()
        #expect(first.failedFeeds == 0)
        #expect(first.newArticles == 8)
        let digestPath = try #require(first.digestFiles.first?.path)
        #expect(digestPath.hasSuffix("/digests/\(runtime.publisher.clock.day(of: Date())).md"))
        let markdown = try String(contentsOfFile: digestPath, encoding: .utf8)
        let sections = digestSections(markdown)
        let khamenei = "Khamenei Pushes Iranian Missile Program, More Conflict with West"
        #expect(sections["Missile tests"]?.filter { $0 == khamenei }.count == 1)
        #expect(sections["Sanctions"]?.filter { $0 == khamenei }.count == 1)
        let sports = "Persepolis wins Tehran derby in front of 90,000 fans"
        #expect(!markdown.contains(sports))
        // Every seed article is listed under exactly the topics expected-topics.json names.
        let names = ["missile-tests": "Missile tests", "sanctions": "Sanctions"]
        for (title, topics) in try expectedTopics(shared) {
            for (id, name) in names {
                let count = sections[name]?.filter { $0 == title }.count ?? 0
                #expect(count == (topics.contains(id) ? 1 : 0), "\(title) under \(name)")
            }
        }
        #expect(markdown.contains("Iran Focus"))

        // A second cycle: the server answers 304 to the stored ETag; nothing new, nothing doubled.
        let second = try await runtime.runOnce()
        #expect(second.newArticles == 0 && second.newMatches == 0)
        #expect(server.requestCount(path: "/\(file)") == 2)
        let again = try String(contentsOfFile: digestPath, encoding: .utf8)
        #expect(digestSections(again) == sections)
        try await server.shutdown()
    }

    @Test(.requires(.sharedCorpus)) func oneBrokenFeedDoesNotStopTheOthers() async throws {
        try TestRequirement.sharedCorpus.check()
        let shared = try #require(SharedCorpus.directory)
        let rss = try String(contentsOf: shared.appendingPathComponent("corpus/seed/iranfocus-rss2.xml"), encoding: .utf8)
        let server = try await LoopbackHTTPServer.start { request in
            switch request.path {
            case "/good.xml": return .ok(rss, contentType: "application/rss+xml")
            case "/junk.xml": return .ok("\u{0}\u{1}binary junk, not a feed", contentType: "application/octet-stream")
            default: return .status(404)
            }
        }
        let fixture = try CycleFixture(
            feeds: ["\(server.baseURL)/missing.xml", "\(server.baseURL)/junk.xml", "\(server.baseURL)/good.xml",
                    "http://127.0.0.1:1/refused.xml"],
            topics: seedTopics)
        let runtime = try await fixture.runtime()
        let report = try await runtime.runOnce()
        #expect(report.feeds.count == 4)
        #expect(report.failedFeeds == 3)
        #expect(report.newArticles == 8)
        let byURL = Dictionary(uniqueKeysWithValues: report.feeds.map { ($0.feed.url, $0) })
        #expect(byURL["\(server.baseURL)/missing.xml"]?.error == "HTTP 404 from 127.0.0.1")
        #expect(byURL["\(server.baseURL)/junk.xml"]?.error?.contains("not a feed") == true)
        #expect(byURL["http://127.0.0.1:1/refused.xml"]?.error?.isEmpty == false)
        let statuses = try await runtime.store.feedStatuses()
        let failing = statuses.filter { $0.state.errorCount == 1 }
        #expect(failing.count == 3)
        #expect(failing.allSatisfy { $0.state.nextCheck != nil && $0.state.lastError != nil })
        try await server.shutdown()
    }
}

@Suite struct RunOnceDeliveryTests {
    @Test(.requires(.sharedCorpus)) func runOnceSendsTheDigestToItsNotifiersOnce() async throws {
        try TestRequirement.sharedCorpus.check()
        let shared = try #require(SharedCorpus.directory)
        let rss = try String(contentsOf: shared.appendingPathComponent("corpus/seed/iranfocus-rss2.xml"), encoding: .utf8)
        let server = try await LoopbackHTTPServer.start { request in
            request.path == "/hook" ? .status(204) : .ok(rss, contentType: "application/rss+xml")
        }
        let fixture = try CycleFixture(
            feeds: ["\(server.baseURL)/seed.xml"], topics: seedTopics,
            extra: "\n[[notify]]\nkind = \"webhook\"\nname = \"hook\"\nurl = \"\(server.baseURL)/hook\"\n")
        let runtime = try await fixture.runtime()
        _ = try await runtime.runOnce()
        #expect(server.requestCount(path: "/hook") == 1)
        // Nothing new: no second delivery.
        _ = try await runtime.runOnce()
        #expect(server.requestCount(path: "/hook") == 1)
        try await server.shutdown()
    }
}

import Foundation
import FeedWatchTestSupport
import Testing

/// Runs the built `feedwatch` binary, as a user would, and collects what it prints.
struct FeedWatchBinary {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let path = repository.appendingPathComponent(".build/debug/feedwatch").path

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs to completion; a run longer than `timeout` seconds is killed (SIGKILL) and
    /// reported as status -9. Through `ChildProcess`, not `Foundation.Process`, whose wait
    /// for the exit could hang in this test runner.
    static func run(_ arguments: [String], timeout: Double = 60) throws -> Output {
        try TestRequirement.feedwatchBinary.check()
        let output = try ChildProcess.run(path, arguments, timeout: timeout)
        return Output(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }
}

@Suite(.requires(.feedwatchBinary))
struct CommandLineTests {
    @Test func checkPrintsEveryProblemAndFails() throws {
        let directory = try TemporaryDirectory(prefix: "fw-cli")
        let path = directory.path + "/feedwatch.toml"
        try "[fetch]\ninterval = \"15x\"\n[[topic]]\nid = \"t\"\nquery = '\"unbalanced'\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try FeedWatchBinary.run(["check", "--config", path])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("\(path): fetch.interval: \"15x\" is not a duration") })
        #expect(lines.contains { $0.hasPrefix("\(path): topic[0].query: topic t: query column 12: expected a closing \"") })
        // The daemon refuses to start with the same messages.
        let run = try FeedWatchBinary.run(["run", "--once", "--config", path])
        #expect(run.status == 1)
        #expect(run.stderr == result.stderr)
    }

    @Test func checkPrintsWarningsAndPasses() throws {
        let directory = try TemporaryDirectory(prefix: "fw-cli")
        let path = directory.path + "/feedwatch.toml"
        try "[storage]\nstate_directory = \"\(directory.path)/state\"\n[[topic]]\nid = \"not-sports\"\nquery = '-sports'\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try FeedWatchBinary.run(["check", "--config", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("\(path): warning: topic[0].query: topic not-sports has no word an article must contain"), "\(result.stderr)")
        #expect(result.stdout.hasPrefix("\(path): OK:"))
    }

    @Test(.requires(.sharedCorpus)) func parseJSONOfTheSeedFeed() throws {
        try TestRequirement.sharedCorpus.check()
        let shared = try #require(SharedCorpus.directory)
        let file = shared.appendingPathComponent("corpus/seed/iranfocus-rss2.xml").path
        let result = try FeedWatchBinary.run(["parse", file, "--json"])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(object?["format"] as? String == "rss2.0")
        let entries = object?["entries"] as? [[String: Any]] ?? []
        #expect(entries.count == 8)
        #expect(entries.first?["published"] as? String == "2016-03-22T09:30:00Z")
    }

    @Test func parseOfSomethingElseSaysNotAFeed() throws {
        let directory = try TemporaryDirectory(prefix: "fw-cli")
        let path = directory.path + "/page.html"
        try "<html><head><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/feed.xml\"></head><body>hi</body></html>"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try FeedWatchBinary.run(["parse", path])
        #expect(result.status == 3)
        #expect(result.stderr.contains("not a feed"))
        #expect(result.stderr.contains("feed.xml"))
    }

    @Test(.requires(.sharedCorpus)) func matchJSONExplainsEachMatch() throws {
        try TestRequirement.sharedCorpus.check()
        let shared = try #require(SharedCorpus.directory)
        let file = shared.appendingPathComponent("corpus/seed/iranfocus-atom.xml").path
        let result = try FeedWatchBinary.run([
            "match", "--topic", "missile-tests=\"ballistic missile\"", "--json", file,
        ])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["topic"] as? String == "missile-tests")
            #expect(object?["source"] as? String == file)
            let snippets = object?["snippets"] as? [String] ?? []
            #expect(snippets.contains { $0.lowercased().contains("«ballistic missile") })
        }
    }
}

@Suite(.requires(.feedwatchBinary))
struct TopicBacktestTests {
    @Test(.requires(.sharedCorpus)) func backtestListsStoredArticlesATopicWouldFlag() async throws {
        try TestRequirement.sharedCorpus.check()
        let shared = try #require(SharedCorpus.directory)
        let rss = try String(contentsOf: shared.appendingPathComponent("corpus/seed/iranfocus-rss2.xml"), encoding: .utf8)
        let server = try await LoopbackHTTPServer.start { _ in .ok(rss, contentType: "application/rss+xml") }
        let fixture = try CycleFixture(feeds: ["\(server.baseURL)/seed.xml"], topics: seedTopics)
        _ = try await fixture.runtime().runOnce()
        try await server.shutdown()

        let configured = try FeedWatchBinary.run(["topics", "test", "missile-tests", "--config", fixture.configPath])
        #expect(configured.status == 0, "\(configured.stderr)")
        #expect(configured.stdout.contains("Khamenei Pushes Iranian Missile Program"))
        #expect(!configured.stdout.contains("Persepolis"))
        #expect(configured.stdout.contains("missile-tests: 3 of 8 stored articles"))

        // A trial query replaces the configured one without touching the configuration.
        let trial = try FeedWatchBinary.run(["topics", "test", "missile-tests", "--query", "derby", "--config", fixture.configPath])
        #expect(trial.stdout.contains("Persepolis"))
        #expect(trial.stdout.contains("missile-tests: 1 of 8 stored articles"))

        let unknown = try FeedWatchBinary.run(["topics", "test", "nope", "--config", fixture.configPath])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no topic has id nope"))
    }
}

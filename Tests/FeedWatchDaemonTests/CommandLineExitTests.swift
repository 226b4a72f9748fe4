import FeedWatchDaemon
import FeedWatchParsing
import FeedWatchTestSupport
import Foundation
import Testing

/// Runs `command` (a shell line) under `script`, which gives it a pseudo-terminal, as an
/// interactive user has; `environment` is added to this process's.
func runOnTerminal(_ command: String, environment: [String: String] = [:]) throws -> String {
    try TestRequirement.feedwatchBinary.check()
    var env = ChildProcess.inheritedEnvironment
    env["NO_COLOR"] = nil
    env["TERM"] = "xterm"
    for (key, value) in environment { env[key] = value }
    // Through `ChildProcess`: `Foundation.Process`'s wait for the exit could hang here.
    return try ChildProcess.run("/usr/bin/script", ["-qec", command, "/dev/null"], environment: env, timeout: 120).stdout
}

let scriptTool = TestRequirement.executable("/usr/bin/script", "/usr/bin/script (util-linux), for a pseudo-terminal")

/// Exit statuses, `--json`, `--help`, colour and the commands of issue 19, through the built binary.
@Suite(.requires(.feedwatchBinary))
struct CommandLineExitTests {
    @Test func helpGroupsTheSubcommandsAndTablesTheExitStatuses() throws {
        let help = try FeedWatchBinary.run(["--help"])
        #expect(help.status == 0)
        let text = help.stdout
        let everyday = try #require(text.range(of: "EVERYDAY SUBCOMMANDS:"))
        let tools = try #require(text.range(of: "TOOLS SUBCOMMANDS:"))
        #expect(everyday.lowerBound < tools.lowerBound)
        let everydayNames = text[everyday.upperBound..<tools.lowerBound].split(separator: "\n").compactMap { line in
            line.hasPrefix("  ") && !line.hasPrefix("   ") ? line.split(separator: " ").first.map(String.init) : nil
        }
        #expect(everydayNames == ["run", "check", "status", "digest", "feeds", "topics", "dismiss", "notify"])
        let toolNames = text[tools.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst().prefix { !$0.isEmpty }
            .compactMap { line in line.hasPrefix("  ") && !line.hasPrefix("   ") ? line.split(separator: " ").first.map(String.init) : nil }
        #expect(toolNames == ["fetch", "parse", "match", "extract", "store"])
        for line in ["0  success", "1  usage or configuration error", "2  some feeds failed", "3  a URL could not be used",
                     "4  the database cannot be opened", "5  the notification was not delivered", "6  the work failed"] {
            #expect(text.contains(line), "missing \(line)")
        }
    }

    @Test func usageErrorsExitOneWithoutATrace() throws {
        let unknown = try FeedWatchBinary.run(["status", "--no-such-option"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("Unknown option '--no-such-option'"), "\(unknown.stderr)")
        let noFiles = try FeedWatchBinary.run(["match", "--topic", "t=missile"])
        #expect(noFiles.status == 1)
        let badLevel = try FeedWatchBinary.run(["match", "--log-level", "loud", "--topic", "t=missile", "/dev/null"])
        #expect(badLevel.status == 1 && badLevel.stderr.contains("unknown log level \"loud\""), "\(badLevel.stderr)")
    }

    @Test func matchTakesALogLevel() throws {
        let directory = try TemporaryDirectory(prefix: "fw-cli-match")
        let path = directory.path + "/story.txt"
        try "Missile test reported\nA missile test took place.".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try FeedWatchBinary.run(["match", "--log-level", "debug", "--topic", "t=missile", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("t  "), "\(result.stdout)")
    }

    /// A good feed and one answering 500: fetch, run --once and status finish the work and
    /// exit 2; their --json is what docs/schemas describes.
    @Test func aFailingFeedIsExitStatusTwoAndTheJSONSaysWhich() async throws {
        let server = try await LoopbackHTTPServer.start { request in
            request.path == "/good.xml" ? .ok(syntheticFeed("good", items: 3)) : .status(500)
        }
        let world = try CommandLineWorld(feeds: [server.url("/good.xml"), server.url("/broken.xml")])
        let fetched = try world.run(["fetch", "--json"])
        #expect(fetched.status == 2, "\(fetched.stderr)")
        #expect(try JSONSchemaCheck("fetch.json").violations(ofJSON: fetched.stdout) == [])
        let fetchJSON = try #require(try JSONSerialization.jsonObject(with: Data(fetched.stdout.utf8)) as? [String: Any])
        #expect(fetchJSON["failed"] as? Int == 1)
        let feeds = fetchJSON["feeds"] as? [[String: Any]] ?? []
        #expect(feeds.count == 2)
        #expect(feeds.contains { $0["status"] as? Int == 200 && $0["new_articles"] as? Int == 3 && $0["error"] is NSNull })
        #expect(feeds.contains { ($0["error"] as? String)?.contains("HTTP 500") == true })

        let once = try world.run(["run", "--once", "--json", "--log-level", "error"])
        #expect(once.status == 2, "\(once.stderr)")
        #expect(try JSONSchemaCheck("run-once.json").violations(ofJSON: once.stdout) == [])
        let onceJSON = try #require(try JSONSerialization.jsonObject(with: Data(once.stdout.utf8)) as? [String: Any])
        #expect(onceJSON["failed"] as? Int == 1)
        #expect((onceJSON["digest_files"] as? [String])?.first?.hasSuffix("/digests/\(CommandLineWorld.today).md") == true, "\(onceJSON)")
        #expect(!once.stderr.contains("\u{1B}["), "no progress or colour when stderr is not a terminal")

        let status = try world.run(["status"])
        #expect(status.status == 2, "\(status.stderr)")
        #expect(status.stdout.contains("(just now)") || status.stdout.contains("min ago"), "\(status.stdout)")
        #expect(status.stdout.contains("times in UTC"))
        #expect(!status.stdout.contains("\u{1B}["), "no colour into a pipe")
        try await server.shutdown()

        // Without the failing feed, all is well again.
        let good = try await LoopbackHTTPServer.start { _ in .ok(syntheticFeed("good", items: 3)) }
        let healthy = try CommandLineWorld(feeds: [good.url("/good.xml")])
        #expect(try healthy.run(["fetch"]).status == 0)
        #expect(try healthy.run(["status"]).status == 0)
        try await good.shutdown()
    }

    @Test(.requires(scriptTool)) func colourOnlyOnATerminalAndNeverWithNoColor() async throws {
        try scriptTool.check()
        let server = try await LoopbackHTTPServer.start { _ in .status(500) }
        let world = try CommandLineWorld(feeds: [server.url("/broken.xml")])
        _ = try world.run(["fetch"])
        let command = "\(FeedWatchBinary.path) status --config \(world.configPath)"
        let coloured = try runOnTerminal(command)
        #expect(coloured.contains("\u{1B}[31mfailing\u{1B}[0m"), "\(coloured)")
        let plain = try runOnTerminal(command, environment: ["NO_COLOR": "1"])
        #expect(plain.contains("failing") && !plain.contains("\u{1B}["), "\(plain)")
        try await server.shutdown()
    }

    /// A cycle that takes over a second draws its progress on a terminal's stderr, and erases
    /// it; the same cycle into a pipe prints no progress at all.
    @Test(.requires(scriptTool)) func runOnceDrawsProgressOnlyOnATerminalWhenItTakesAWhile() async throws {
        try scriptTool.check()
        let feed = syntheticFeed("slow", items: 2)
        let server = try await LoopbackHTTPServer.start { _ in LoopbackResponse.ok(feed).delivered(.delayed(seconds: 1.5)) }
        let world = try CommandLineWorld(feeds: [server.url("/slow.xml")])
        let terminal = try runOnTerminal("\(FeedWatchBinary.path) run --once --log-level error --config \(world.configPath)")
        #expect(terminal.contains("\r\u{1B}[K[1/1] "), "\(terminal.debugDescription)")
        #expect(terminal.contains("fetched 1 feeds (0 failed)"))
        let piped = try world.run(["run", "--once", "--log-level", "error"])
        #expect(piped.status == 0 && piped.stderr.isEmpty, "\(piped.stderr)")
        try await server.shutdown()
    }

    @Test func listingsAndCheckPrintJSON() throws {
        let world = try CommandLineWorld(feeds: ["https://a.example/feed.xml"])
        let feeds = try world.run(["feeds", "list", "--json"])
        #expect(feeds.status == 0, "\(feeds.stderr)")
        #expect(try JSONSchemaCheck("feeds-list.json").violations(ofJSON: feeds.stdout) == [])
        let feedList = try #require(try JSONSerialization.jsonObject(with: Data(feeds.stdout.utf8)) as? [String: Any])
        let feed = try #require((feedList["feeds"] as? [[String: Any]])?.first)
        #expect(feed["url"] as? String == "https://a.example/feed.xml" && feed["interval_seconds"] as? Int == 1800 && feed["articles"] is NSNull)

        let topics = try world.run(["topics", "list", "--json"])
        #expect(topics.status == 0, "\(topics.stderr)")
        #expect(try JSONSchemaCheck("topics-list.json").violations(ofJSON: topics.stdout) == [])
        let topicList = try #require(try JSONSerialization.jsonObject(with: Data(topics.stdout.utf8)) as? [String: Any])
        let topic = try #require((topicList["topics"] as? [[String: Any]])?.first)
        #expect(topic["id"] as? String == "missiles" && topic["query"] as? String == "\"missile test\"" && topic["alert"] as? Bool == false)

        let check = try world.run(["check", "--json"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(try JSONSchemaCheck("check.json").violations(ofJSON: check.stdout) == [])
        let checked = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        #expect(checked["valid"] as? Bool == true && checked["feeds"] as? Int == 1 && checked["topics"] as? Int == 1)

        try (String(contentsOfFile: world.configPath, encoding: .utf8) + "\n[[notify]]\nkind = \"webhook\"\nurl = \"https://x.example\"\nformat = \"teams\"\n")
            .write(toFile: world.configPath, atomically: true, encoding: .utf8)
        let bad = try world.run(["check", "--json"])
        #expect(bad.status == 1)
        #expect(try JSONSchemaCheck("check.json").violations(ofJSON: bad.stdout) == [])
        let refused = try #require(try JSONSerialization.jsonObject(with: Data(bad.stdout.utf8)) as? [String: Any])
        #expect(refused["valid"] as? Bool == false)
        #expect((refused["problems"] as? [[String: Any]])?.first?["key"] as? String == "notify[0].format")
    }

    @Test func feedsEnableBringsBackAFeedGoneWith410AndDisableStopsOne() async throws {
        let gone = Mutex410()
        let server = try await LoopbackHTTPServer.start { _ in gone.isGone ? .status(410) : .ok(syntheticFeed("back", items: 3)) }
        let url = server.url("/feed.xml")
        let world = try CommandLineWorld(feeds: [url])
        #expect(try world.run(["fetch"]).status == 2)
        let disabled = try world.run(["status", "--json"])
        #expect(disabled.stdout.contains("\"state\" : \"disabled\""), "\(disabled.stdout)")

        gone.isGone = false
        let enabled = try world.run(["feeds", "enable", url])
        #expect(enabled.status == 0, "\(enabled.stderr)")
        #expect(enabled.stdout.contains("enabled (it was disabled: HTTP 410 Gone"), "\(enabled.stdout)")
        let once = try world.run(["run", "--once", "--log-level", "error"])
        #expect(once.status == 0, "\(once.stderr)")
        #expect(once.stdout.contains("fetched 1 feeds (0 failed): 3 new articles"), "\(once.stdout)")
        #expect(try world.run(["feeds", "enable", url]).stdout.contains("is not disabled"))

        let stopped = try world.run(["feeds", "disable", url])
        #expect(stopped.status == 0 && stopped.stdout.contains("disabled;"), "\(stopped.stderr)")
        #expect(try world.run(["run", "--once", "--log-level", "error"]).stdout.contains("fetched 0 feeds"))
        #expect(try world.run(["feeds", "enable", "https://nowhere.example/x"]).status == 1)
        try await server.shutdown()
    }

    @Test func exportKeepsEveryTagAndImportReadsThemBack() throws {
        let world = try CommandLineWorld(feeds: [])
        try (String(contentsOfFile: world.configPath, encoding: .utf8)
            + "[[feed]]\nurl = \"https://a.example/feed.xml\"\nname = \"A\"\ntags = [\"iran\", \"news\", \"persian\"]\n")
            .write(toFile: world.configPath, atomically: true, encoding: .utf8)
        let exported = try world.run(["feeds", "export"])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout.contains("category=\"iran,news,persian\""), "\(exported.stdout)")
        let file = world.directory + "/out.opml"
        try exported.stdout.write(toFile: file, atomically: true, encoding: .utf8)

        let other = try CommandLineWorld(feeds: [])
        let imported = try other.run(["feeds", "import", file])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("sudo systemctl reload feedwatch"), "a reminder to reload the running service")
        #expect(try other.configuredFeeds() == [FeedSourceSummary(url: "https://a.example/feed.xml", name: "A", tags: ["iran", "news", "persian"])])
    }

    @Test func feedsAddRemindsToReload() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .ok(syntheticFeed("n", items: 2)) }
        let world = try CommandLineWorld(feeds: [])
        let added = try world.run(["feeds", "add", server.url("/n.xml")])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.hasSuffix("a running feedwatch applies this on reload: sudo systemctl reload feedwatch\n"), "\(added.stdout)")
        try await server.shutdown()
    }

    /// A user who may not enter the state directory is told which path refused and why.
    @Test func aPermissionErrorNamesThePathAndTheCause() throws {
        let setpriv = TestRequirement("root and /usr/bin/setpriv, to run the binary as nobody", isMet: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"))
        try setpriv.check()
        let world = try CommandLineWorld(feeds: [])
        // The configuration readable by all, in a directory only root may enter.
        let open = try TemporaryDirectory(prefix: "fw-cli-perm")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: open.path)
        let config = open.path + "/feedwatch.toml"
        try FileManager.default.copyItem(atPath: world.configPath, toPath: config)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: config)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: world.directory)
        let output = try ChildProcess.run(
            "/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", FeedWatchBinary.path, "feeds", "enable", "x", "--config", config])
        let text = output.stderr
        #expect(output.status == 4, "\(text)")
        #expect(text.contains("\(world.directory): permission denied, cannot enter it (owner root, group root, mode 700)"), "\(text)")
        #expect(text.contains("run the command with sudo, or join the group feedwatch"), "\(text)")
    }
}

/// Whether the loopback feed answers 410 Gone.
final class Mutex410: @unchecked Sendable {
    private let lock = NSLock()
    private var gone = true
    var isGone: Bool {
        get {
            lock.lock()
            defer { lock.unlock() }
            return gone
        }
        set {
            lock.lock()
            gone = newValue
            lock.unlock()
        }
    }
}

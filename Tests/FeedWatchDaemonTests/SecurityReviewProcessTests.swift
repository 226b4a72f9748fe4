import FeedWatchDaemon
import FeedWatchDigest
import FeedWatchTestSupport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The security review's findings (issue 15) attacked through the real binary: secrets in
/// feed URLs, control characters, `feeds add` discovery, file modes, a flooding feed.
@Suite(.serialized, .requires(.feedwatchBinary))
struct SecurityReviewProcessTests {
    /// A state directory, a configuration, and a `sendmail` that keeps each message in a file.
    struct World {
        let temporary: TemporaryDirectory
        var directory: String { temporary.path }
        var configPath: String { directory + "/feedwatch.toml" }
        var state: String { directory + "/state" }
        var digests: String { state + "/digests" }
        var mailbox: String { directory + "/mail" }

        init(feeds: [(url: String, name: String?)], fetch: String = "", extra: String = "", formats: String = "[\"markdown\", \"html\", \"json\", \"atom\"]") throws {
            temporary = try TemporaryDirectory(prefix: "fw-sec", in: "/tmp")
            try FileManager.default.createDirectory(atPath: mailbox, withIntermediateDirectories: true)
            let sendmail = directory + "/sendmail"
            try "#!/bin/sh\ncat > \"\(mailbox)/$(date +%s%N).eml\"\n".write(toFile: sendmail, atomically: true, encoding: .utf8)
            chmod(sendmail, 0o755)
            var text = "[storage]\nstate_directory = \"\(state)\"\n\n[fetch]\ntimeout = \"20s\"\n\(fetch)\n\n"
            for feed in feeds {
                text += "[[feed]]\nurl = \"\(feed.url)\"\n"
                if let name = feed.name { text += "name = \"\(name)\"\n" }
                text += "\n"
            }
            text += """
                [[topic]]
                id = "missiles"
                name = "Missiles"
                query = 'missile'

                [digest]
                timezone = "UTC"
                formats = \(formats)

                [[notify]]
                kind = "email"
                name = "mail"
                sendmail = "\(sendmail)"
                from = "fw@example.org"
                to = ["me@example.org"]
                events = ["digest"]

                \(extra)
                """
            try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        }

        func run(_ arguments: [String]) throws -> FeedWatchBinary.Output {
            try FeedWatchBinary.run(arguments + ["--config", configPath], timeout: 120)
        }

        /// Every file under the digest directory and the mailbox, with its text.
        func outputs() throws -> [(String, String)] {
            var found: [(String, String)] = []
            for dir in [digests, mailbox] {
                // Recursive: the per-topic Atom feeds live in digests/topics/.
                for name in (try? FileManager.default.subpathsOfDirectory(atPath: dir)) ?? [] {
                    var isDirectory: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue
                    else { continue }
                    found.append((dir + "/" + name, try String(contentsOfFile: dir + "/" + name, encoding: .utf8)))
                }
            }
            return found
        }

        /// The mails' text parts, base64 decoded.
        func mails() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: mailbox).sorted().map { name in
                let raw = try String(contentsOfFile: mailbox + "/" + name, encoding: .utf8)
                return raw + "\n" + decodedParts(raw).joined(separator: "\n")
            }
        }

        func decodedParts(_ raw: String) -> [String] {
            raw.components(separatedBy: "\r\n\r\n").dropFirst().compactMap { part in
                let base64 = part.components(separatedBy: "\r\n--").first?.replacingOccurrences(of: "\r\n", with: "") ?? ""
                return Data(base64Encoded: base64).map { String(decoding: $0, as: UTF8.self) }
            }
        }
    }

    /// Item 6: a feed URL's credentials and token reach no digest file, e-mail, webhook body,
    /// log line or `status` output, even for a feed with no name and no title whose entries
    /// have a relative and an empty link.
    @Test func secretsInAFeedURLReachNoOutput() async throws {
        let hooks = RequestRecorder()
        let hook = try await LoopbackHTTPServer.start { request in
            hooks.append(request)
            return .status(204)
        }
        let feed = try await LoopbackHTTPServer.start { request in
            guard request.path == "/f.xml" else { return .status(404) }
            return .ok("""
                <?xml version="1.0"?><rss version="2.0"><channel>
                <item><title>Missile test one</title><link>a/1.html</link><guid>g1</guid>
                <description>A missile test over the sea.</description></item>
                <item><title>Missile launch two</title><link/><guid>g2</guid>
                <description>Another missile launch.</description></item>
                <item><title>Missile three</title><link>#frag</link><guid>g3</guid></item>
                </channel></rss>
                """)
        }
        let url = "http://u:S3CRET@127.0.0.1:\(feed.port)/f.xml?token=TOK3NVALUE"
        let world = try World(
            feeds: [(url, nil)],
            extra: "[[notify]]\nkind = \"webhook\"\nname = \"hook\"\nurl = \"\(hook.url("/hook"))\"\n")
        let run = try world.run(["run", "--once", "--log-level", "trace"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("3 new matches"), "\(run.stdout)")
        let status = try world.run(["status"])
        let statusJSON = try world.run(["status", "--json"])
        let digest = try world.run(["digest", "--stdout", "--date", CommandLineWorld.today])
        var texts: [(String, String)] = try world.outputs()
        texts += try world.mails().map { ("mail", $0) }
        texts += hooks.all.map { ("webhook", String(decoding: $0.body, as: UTF8.self)) }
        texts += [("log", run.stderr + run.stdout), ("status", status.stdout + status.stderr),
                  ("status --json", statusJSON.stdout), ("digest --stdout", digest.stdout)]
        #expect(texts.filter { $0.0.hasSuffix(".md") }.count == 1)
        #expect(hooks.all.count == 1)
        #expect(try world.mails().count == 1)
        for (place, text) in texts {
            for secret in ["S3CRET", "TOK3NVALUE", "u:S3"] {
                #expect(!text.contains(secret), "\(secret) in \(place):\n\(text.prefix(3000))")
            }
        }
        // The links are still right: resolved against the feed's URL without credentials or query.
        let markdown = try #require(texts.first { $0.0.hasSuffix(".md") }?.1)
        #expect(markdown.contains("http://127.0.0.1:\(feed.port)/a/1.html"))
        #expect(markdown.contains("127.0.0.1:\(feed.port)/f.xml?token="), "the source is named by its redacted URL:\n\(markdown)")
        try await hook.shutdown()
        try await feed.shutdown()
    }

    /// Item 13: `&#27;` and friends never reach the terminal as escape sequences: stripped by
    /// the parser, and escaped by every command's output (a parse error quoting a document
    /// that starts with C1 CSI characters carries some past the parser, into LAST ERROR).
    @Test func controlCharactersNeverReachTheTerminal() async throws {
        let feed = try await LoopbackHTTPServer.start { request in
            if request.path == "/garbage.txt" { return .ok("\u{9B}2J\u{9B}31mnot a feed at all", contentType: "text/plain") }
            return .ok("""
                <?xml version="1.0"?><rss version="2.0"><channel><title>Evil&#27;]0;OWNED&#7; feed</title>
                <item><title>Missile &#27;[2J&#27;[31mtest&#155;</title><link>https://news.example/1</link><guid>e1</guid>
                <description>A missile test &#27;]8;;http://evil.example&#27;\\ click&#x1b;[0m &#127;</description></item>
                </channel></rss>
                """)
        }
        let world = try World(feeds: [(feed.url("/evil.xml"), nil), (feed.url("/garbage.txt"), "Garbage")])
        let run = try world.run(["run", "--once"])
        #expect(run.status == 2, "the garbage feed fails, so exit status 2: \(run.stderr)")
        let outputs = [
            try world.run(["digest", "--stdout", "--date", CommandLineWorld.today]),
            try world.run(["status"]),
            try world.run(["topics", "test", "missiles", "--since", "1d"]),
            try world.run(["parse", feed.url("/evil.xml")]),
            try world.run(["feeds", "list"]),
        ]
        for output in outputs + [run] {
            let all = output.stdout + output.stderr
            #expect(!all.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B || $0.value == 0x7F },
                    "a control character reached the terminal:\n\(all.debugDescription.prefix(2000))")
        }
        #expect(outputs[2].stdout.contains("Missile"), "\(outputs[2].stdout)")
        #expect(outputs[1].stdout.contains("\\x9B2J\\x9B31mnot a feed"), "LAST ERROR is shown escaped:\n\(outputs[1].stdout)")
        for (path, text) in try world.outputs() {
            #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x9B }, "control character in \(path)")
        }
        try await feed.shutdown()
    }

    /// Item 12: a remote page's advertised `file:` link (a readable secret, or a FIFO that
    /// would block) is never followed by `feeds add`.
    @Test func feedsAddNeverFollowsARemotePageToALocalFile() async throws {
        let local = try TemporaryDirectory(prefix: "fw-local", in: "/tmp")
        let secretFeed = local.path + "/secret.xml"
        try "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>LOCALSECRET</title></channel></rss>"
            .write(toFile: secretFeed, atomically: true, encoding: .utf8)
        let fifo = local.path + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let page = try await LoopbackHTTPServer.start { request in
            let target = request.path == "/fifo-page" ? fifo : secretFeed
            return .ok("""
                <!DOCTYPE html><html><head><title>Page</title>
                <link rel="alternate" type="application/rss+xml" href="file://\(target)"></head><body>hi</body></html>
                """, contentType: "text/html")
        }
        let world = try World(feeds: [])
        let before = try String(contentsOfFile: world.configPath, encoding: .utf8)
        for path in ["/page", "/fifo-page"] {
            let added = try world.run(["feeds", "add", page.url(path)])
            #expect(added.status == 3, "a URL that cannot be used: \(added.stdout)\(added.stderr)")
            #expect(added.stderr.contains("advertises no http or https feed"), "\(added.stderr)")
            #expect(!(added.stdout + added.stderr).contains("LOCALSECRET"))
        }
        #expect(try String(contentsOfFile: world.configPath, encoding: .utf8) == before)
        try await page.shutdown()
    }

    /// Items 7 and 8: a symlinked, private configuration stays both after `feeds remove`
    /// rewrites it; the state directory and the database are created private.
    @Test func filesKeepTheirModesAndStatePrivate() async throws {
        let feed = try await LoopbackHTTPServer.start { _ in .ok(syntheticFeed("m", items: 3)) }
        let world = try World(feeds: [(feed.url("/m.xml"), "M")])
        let real = world.directory + "/real"
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true)
        let target = real + "/feedwatch.toml"
        try FileManager.default.moveItem(atPath: world.configPath, toPath: target)
        try FileManager.default.createSymbolicLink(atPath: world.configPath, withDestinationPath: target)
        #expect(chmod(target, 0o600) == 0)
        let previous = umask(0o022)
        defer { umask(previous) }
        let run = try world.run(["run", "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        var info = stat()
        #expect(stat(world.state, &info) == 0 && info.st_mode & 0o077 == 0o050, "state directory mode \(String(info.st_mode & 0o777, radix: 8))")
        #expect(stat(world.state + "/feedwatch.sqlite", &info) == 0 && info.st_mode & 0o077 == 0, "database mode \(String(info.st_mode & 0o777, radix: 8))")

        let removed = try world.run(["feeds", "remove", "M"])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(lstat(world.configPath, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK, "the symlink was replaced by a file")
        #expect(stat(target, &info) == 0 && info.st_mode & 0o777 == 0o600, "mode \(String(info.st_mode & 0o777, radix: 8))")
        #expect(!(try String(contentsOfFile: target, encoding: .utf8)).contains("m.xml"))
        try await feed.shutdown()
    }

    /// Item 10: a feed that serves 5,000 new matching items on every fetch (rotating guids and
    /// links) adds at most `max_new_per_refresh` articles per refresh, and the digest mail stays
    /// under `max_message_bytes` and says what it left out while the file keeps everything.
    /// No alert topic: this does not depend on alert aggregation.
    @Test func aFloodingFeedIsBoundedPerRefreshAndTheMailSaysWhatItLeftOut() async throws {
        let fetches = Mutex(0)
        let feed = try await LoopbackHTTPServer.start { _ in
            let round = fetches.withLock { value -> Int in
                value += 1
                return value
            }
            var body = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Flood</title>"
            for i in 0..<5000 {
                // Words of its own for each item, so the items stay separate stories.
                let filler = (0..<40).map { "w\((round * 5000 + i) &* 7919 &+ $0 &* 104_729 & 0xFFFFF)" }.joined(separator: " ")
                body += "<item><title>Missile flood \(round)-\(i)</title><link>https://flood.example/\(round)/\(i)</link>"
                    + "<guid>\(round)-\(i)-\(UUID().uuidString)</guid><description>missile \(filler)</description></item>"
            }
            return .ok(body + "</channel></rss>")
        }
        let world = try World(
            feeds: [(feed.url("/flood.xml"), "Flood")], fetch: "max_new_per_refresh = 300",
            formats: "[\"markdown\", \"html\"]")
        var config = try String(contentsOfFile: world.configPath, encoding: .utf8)
        config = config.replacingOccurrences(of: "events = [\"digest\"]", with: "events = [\"digest\"]\nmax_message_bytes = 65536")
        // Every story in the mail (not the default cap per topic), so the mail outgrows its bound.
        config = config.replacingOccurrences(of: "[digest]\n", with: "[digest]\nmax_stories_per_topic = 10000\n")
        try config.write(toFile: world.configPath, atomically: true, encoding: .utf8)

        let first = try world.run(["run", "--once", "--log-level", "info"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("300 new articles"), "\(first.stdout)")
        #expect(first.stderr.contains("max_new_per_refresh") || first.stderr.contains("more new entries"), "\(first.stderr.suffix(2000))")
        let second = try world.run(["run", "--once"])
        #expect(second.stdout.contains("300 new articles"), "\(second.stdout)")
        #expect(fetches.withLock { $0 } == 2)

        let mails = try FileManager.default.contentsOfDirectory(atPath: world.mailbox)
        #expect(mails.count == 1, "one digest mail for the day")
        let raw = try String(contentsOfFile: world.mailbox + "/" + mails[0], encoding: .utf8)
        #expect(raw.utf8.count <= 65536, "the mail is \(raw.utf8.count) bytes")
        #expect(raw.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 998 })
        let text = world.decodedParts(raw).joined()
        #expect(text.contains("is left out"), "\(text.prefix(500))")
        #expect(text.contains("lines; "), "the mail says how much of the text it kept")
        #expect(text.contains(world.digests + "/"), "the mail names the digest file")
        let file = try String(contentsOfFile: world.digests + "/\(CommandLineWorld.today).md", encoding: .utf8)
        #expect(file.components(separatedBy: "Missile flood 1-").count - 1 == 300, "the file keeps every match of the first run")
        #expect(file.utf8.count > 65536)
        try await feed.shutdown()
    }
}

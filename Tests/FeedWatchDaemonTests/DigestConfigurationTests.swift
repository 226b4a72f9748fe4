import Foundation
import FeedWatchDaemon
import FeedWatchDigest
import FeedWatchTestSupport
import Testing

@Suite struct DigestConfigurationTests {
    let base = """
        [[topic]]
        id = "missiles"
        query = "missile"
        alert = true

        [[topic]]
        id = "sanctions"
        query = "sanctions"

        """

    @Test func readsDigestKeysAndNotifiers() throws {
        let secrets = try TemporaryDirectory(prefix: "fw-secret")
        let secretFile = secrets.path + "/secret"
        try "hook-secret\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        let text = base + """
            [digest]
            time = "02:30"
            timezone = "Europe/Berlin"
            formats = ["markdown", "html", "json", "atom"]
            skip_empty = true
            atom_entries = 7
            base_url = "https://example.org/digests/"

            [[notify]]
            kind = "email"
            name = "me"
            url = "smtps://mail.example.org:465"
            from = "feedwatch@example.org"
            to = ["me@example.org"]
            username = "feedwatch"
            password_env = "FW_SMTP_PASSWORD"
            max_attempts = 3
            retry_delay = "30s"

            [[notify]]
            kind = "webhook"
            url = "https://hooks.example.org/fw"
            secret_file = "\(secretFile)"
            events = ["alert"]

            [[notify]]
            kind = "command"
            command = ["/usr/local/bin/announce", "--quiet"]
            timeout = "10s"
            """
        let config = try ConfigurationLoader.parse(text, path: "t.toml", environment: ["FW_SMTP_PASSWORD": "hunter2"])
        let digest = config.digest
        #expect(digest.minuteOfDay == 150 && digest.timeZone == "Europe/Berlin")
        #expect(digest.formats == [.markdown, .html, .json, .atom])
        #expect(digest.skipEmpty && digest.atomEntries == 7 && digest.baseURL == "https://example.org/digests/")
        #expect(digest.alertTopicIDs == ["missiles"])
        #expect(digest.notifiers.map(\.name) == ["me", "webhook-2", "command-3"])
        guard case .smtp(let smtp) = digest.notifiers[0].transport else { Issue.record("not smtp"); return }
        #expect(smtp.password?.value == "hunter2" && smtp.tls == .required)
        #expect(digest.notifiers[0].maxAttempts == 3 && digest.notifiers[0].retryDelay.timeInterval == 30)
        guard case .webhook(let hook) = digest.notifiers[1].transport else { Issue.record("not webhook"); return }
        #expect(hook.secret?.value == "hook-secret", "the file's trailing newline is not part of the secret")
        #expect(digest.notifiers[1].events == [.alert])
        guard case .command(let command) = digest.notifiers[2].transport else { Issue.record("not command"); return }
        #expect(command.path == "/usr/local/bin/announce" && command.arguments == ["--quiet"])
        // Secrets never show in descriptions, which is what logs and error messages print.
        let printed = "\(config) \(String(reflecting: config))"
        #expect(!printed.contains("hunter2") && !printed.contains("hook-secret"))
    }

    @Test func reportsEveryBadNotifierKey() {
        let text = base + """
            [digest]
            skip_empty = "yes"
            formats = ["pdf"]

            [[notify]]
            kind = "pigeon"

            [[notify]]
            kind = "email"
            url = "http://mail.example.org"
            from = "nobody"
            to = []
            password_env = "FW_MISSING"

            [[notify]]
            kind = "command"
            command = ["notify-send"]

            [[notify]]
            kind = "webhook"
            url = "ftp://x.example.org"
            colour = "red"
            """
        do {
            _ = try ConfigurationLoader.parse(text, path: "t.toml", environment: [:])
            Issue.record("accepted a bad configuration")
        } catch {
            let keys = Set(error.problems.map(\.keyPath))
            for key in ["digest.skip_empty", "digest.formats[0]", "notify[0].kind", "notify[1].url", "notify[1].from", "notify[1].to",
                        "notify[2].command", "notify[3].url", "notify[3].colour"] {
                #expect(keys.contains(key), "no problem reported for \(key): \(error.problems)")
            }
        }
    }

    @Test func aPasswordNeverGoesOutUnencrypted() {
        let text = base + """
            [[notify]]
            kind = "email"
            url = "smtp://mail.example.org:587"
            tls = "opportunistic"
            from = "fw@example.org"
            to = ["me@example.org"]
            username = "fw"
            password_env = "PW"
            """
        do {
            _ = try ConfigurationLoader.parse(text, path: "t.toml", environment: ["PW": "x"])
            Issue.record("accepted a password over a possibly clear-text connection")
        } catch {
            #expect(error.problems.map(\.keyPath) == ["notify[0].tls"])
        }
        let local = text.replacingOccurrences(of: "mail.example.org:587", with: "127.0.0.1:25")
        #expect(throws: Never.self) { try ConfigurationLoader.parse(local, path: "t.toml", environment: ["PW": "x"]) }
    }

    @Test func aMissingSecretVariableIsNamedNotGuessed() {
        let text = base + """
            [[notify]]
            kind = "webhook"
            url = "https://hooks.example.org/fw"
            secret_env = "FW_HOOK_SECRET"
            """
        do {
            _ = try ConfigurationLoader.parse(text, path: "t.toml", environment: [:])
            Issue.record("accepted a missing secret")
        } catch {
            #expect(error.problems.contains { $0.keyPath == "notify[0].secret_env" && $0.message.contains("FW_HOOK_SECRET is not set") })
        }
    }
}

import Foundation
import FeedWatchDaemon
import FeedWatchDigest
import FeedWatchTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What the shipped unit needs of the configuration: secrets from systemd credentials, a
/// `sendmail` that can work under `NoNewPrivileges=yes`, digests the service's group reads,
/// and a schedule ceiling.
@Suite struct ServiceSecretsTests {
    let topic = """
        [[topic]]
        id = "missiles"
        query = "missile"

        """

    /// Credentials as systemd passes them: one file per name in `$CREDENTIALS_DIRECTORY`.
    func credentials(_ files: [String: String]) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "fw-credentials")
        for (name, value) in files { try value.write(toFile: directory.path + "/" + name, atomically: true, encoding: .utf8) }
        return directory
    }

    @Test func everySecretCanComeFromACredential() throws {
        let store = try credentials([
            "smtp-password": "hunter2\n", "hook-secret": "s3cret", "db-password": "dbpw\n", "api-key": "key-123\n",
            "feed-login": "reader:pa:ss\n",
        ])
        let text = topic + """
            [storage]
            database = "postgres://feedwatch@db.example.org/feedwatch"
            password_credential = "db-password"

            [[feed]]
            url = "https://example.org/private.xml"
            headers = { "X-Api-Key" = { credential = "api-key" }, "X-Plain" = "visible" }
            url_credential = "feed-login"

            [[notify]]
            kind = "email"
            url = "smtp://mail.example.org:587"
            from = "fw@example.org"
            to = ["me@example.org"]
            username = "fw"
            password_credential = "smtp-password"

            [[notify]]
            kind = "webhook"
            url = "https://hooks.example.org/fw"
            secret_credential = "hook-secret"
            """
        let config = try ConfigurationLoader.parse(text, path: "t.toml", environment: ["CREDENTIALS_DIRECTORY": store.path])
        guard case .smtp(let smtp) = config.digest.notifiers[0].transport else { Issue.record("not smtp"); return }
        #expect(smtp.password?.value == "hunter2", "the trailing newline is not part of the secret")
        guard case .webhook(let hook) = config.digest.notifiers[1].transport else { Issue.record("not webhook"); return }
        #expect(hook.secret?.value == "s3cret")
        #expect(config.storage.postgres.passwordFile == store.path + "/db-password")
        let headers = config.feeds[0].headers
        #expect(headers["X-Api-Key"] == "key-123" && headers["X-Plain"] == "visible")
        #expect(headers["Authorization"] == "Basic " + Data("reader:pa:ss".utf8).base64EncodedString())
        #expect(config.feeds[0].url == "https://example.org/private.xml", "the secret never becomes part of the feed's identity")
        let printed = "\(config) \(String(reflecting: config))"
        #expect(!printed.contains("hunter2") && !printed.contains("s3cret"))
    }

    @Test func aMissingCredentialIsNamedWithWhatToDo() throws {
        let store = try credentials([:])
        let text = topic + """
            [[feed]]
            url = "https://example.org/private.xml"
            headers = { "X-Api-Key" = { credential = "api-key" } }

            [[notify]]
            kind = "webhook"
            url = "https://hooks.example.org/fw"
            secret_credential = "hook-secret"
            """
        do {
            _ = try ConfigurationLoader.parse(text, path: "t.toml", environment: ["CREDENTIALS_DIRECTORY": store.path])
            Issue.record("accepted a configuration whose credentials are missing")
        } catch {
            let byKey = Dictionary(error.problems.map { ($0.keyPath, $0.message) }, uniquingKeysWith: { a, _ in a })
            #expect(byKey["notify[0].secret_credential"]?.contains("credential hook-secret is missing: add LoadCredential=hook-secret") == true,
                    "\(error.problems)")
            #expect(byKey["feed[0].headers.X-Api-Key"]?.contains("credential api-key is missing") == true, "\(error.problems)")
        }
        // Outside the service there is no $CREDENTIALS_DIRECTORY: check says where it looked.
        do {
            _ = try ConfigurationLoader.parse(text, path: "t.toml", environment: [:])
            Issue.record("accepted a configuration whose credentials are missing")
        } catch {
            #expect(error.problems.contains { $0.message.contains("not in /etc/credstore, /run/credstore, /usr/lib/credstore") },
                    "\(error.problems)")
        }
    }

    @Test func aSecretComesFromOnePlaceOnly() throws {
        let store = try credentials(["hook-secret": "s3cret"])
        let text = topic + """
            [[notify]]
            kind = "webhook"
            url = "https://hooks.example.org/fw"
            secret_credential = "hook-secret"
            secret_env = "HOOK_SECRET"
            """
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse(text, path: "t.toml", environment: ["CREDENTIALS_DIRECTORY": store.path, "HOOK_SECRET": "x"])
        }
    }

    /// Under `NoNewPrivileges=yes` a setgid or setuid mail program cannot work; `check`
    /// refuses it and names the alternative. An ordinary program (msmtp's sendmail) is fine.
    @Test func aSendmailThatNeedsPrivilegesIsRefused() throws {
        let directory = try TemporaryDirectory(prefix: "fw-sendmail")
        let program = directory.path + "/sendmail"
        try "#!/bin/sh\ncat >/dev/null\n".write(toFile: program, atomically: true, encoding: .utf8)
        #expect(chmod(program, 0o755) == 0)
        let text = topic + """
            [[notify]]
            kind = "email"
            sendmail = "\(program)"
            from = "fw@example.org"
            to = ["me@example.org"]
            """
        let config = try ConfigurationLoader.parse(text, path: "t.toml", environment: [:])
        #expect(config.digest.notifiers.count == 1)
        #expect(chmod(program, 0o2755) == 0)
        do {
            _ = try ConfigurationLoader.parse(text, path: "t.toml", environment: [:])
            Issue.record("accepted a setgid sendmail")
        } catch {
            let message = error.problems.first { $0.keyPath == "notify[0].sendmail" }?.message ?? ""
            #expect(message.contains("NoNewPrivileges=yes") && message.contains("smtp://localhost:25"), "\(error.problems)")
        }
    }

    @Test func maxIntervalIsReadAndDefaultsToTwoHours() throws {
        #expect(try ConfigurationLoader.parse(topic, path: "t.toml", environment: [:]).fetch.maxInterval == .hours(2))
        let config = try ConfigurationLoader.parse(topic + "[fetch]\nmax_interval = \"15m\"\n", path: "t.toml", environment: [:])
        #expect(config.fetch.maxInterval == .minutes(15))
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse(topic + "[fetch]\nmax_interval = \"10s\"\n", path: "t.toml", environment: [:])
        }
    }

    /// The unit's umask is 0077; digests are still readable by the service's group, and by
    /// nobody else, whatever the umask.
    @Test func digestFilesAreGroupReadableAndNothingMore() throws {
        let directory = try TemporaryDirectory(prefix: "fw-digest-mode")
        let path = directory.path + "/digests/2026-12-04.md"
        try AtomicFileWriter.write("digest", to: path, mode: AtomicFileWriter.digestFileMode, directoryMode: AtomicFileWriter.digestDirectoryMode)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o640)
        #expect(stat(directory.path + "/digests", &info) == 0 && info.st_mode & 0o777 == 0o750)
        // A file replaced without a mode keeps the one it had (a private configuration stays private).
        let config = directory.path + "/feedwatch.toml"
        try AtomicFileWriter.write("a = 1", to: config)
        #expect(chmod(config, 0o600) == 0)
        try AtomicFileWriter.write("a = 2", to: config)
        #expect(stat(config, &info) == 0 && info.st_mode & 0o777 == 0o600)
    }
}

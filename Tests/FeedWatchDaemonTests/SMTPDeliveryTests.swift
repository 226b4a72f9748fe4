import Foundation
import FeedWatchDaemon
import FeedWatchDigest
import FeedWatchStore
import FeedWatchTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real SMTP server on loopback: Python's aiosmtpd, with AUTH, writing each message it
/// receives to a directory. Skipped (visibly) when aiosmtpd is not installed.
final class LoopbackSMTPServer {
    static let script = #"""
        import os, socket, ssl, sys, time
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword
        outdir, mode = sys.argv[1], sys.argv[2]
        class Handler:
            count = 0
            async def handle_DATA(self, server, session, envelope):
                Handler.count += 1
                path = os.path.join(outdir, "msg-%03d.eml" % Handler.count)
                user = session.auth_data if isinstance(session.auth_data, bytes) else b""
                with open(path + ".tmp", "wb") as f:
                    f.write(b"X-Test-Auth-User: " + user + b"\r\n")
                    f.write(b"X-Test-Rcpt: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
                    f.write(envelope.original_content)
                os.rename(path + ".tmp", path)
                return "250 OK"
        def authenticate(server, session, envelope, mechanism, auth_data):
            if isinstance(auth_data, LoginPassword) and auth_data.login == b"feedwatch" and auth_data.password == b"pa55word":
                return AuthResult(success=True, auth_data=auth_data.login)
            return AuthResult(success=False, handled=False)
        s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
        # aiosmtpd counts only STARTTLS as TLS for AUTH; on implicit TLS (smtps) it would not
        # offer AUTH at all, so it is not required there: the connection is encrypted anyway.
        options = {}
        if mode != "plain":
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(sys.argv[3], sys.argv[4])
            options = {"tls_context": context, "require_starttls": True} if mode == "starttls" else {"ssl_context": context}
        c = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticate,
                       auth_require_tls=(mode == "starttls"), **options)
        c.start()
        print(port, flush=True)
        while True:
            time.sleep(3600)
        """#

    let process: ChildProcess
    let port: Int
    /// Where the server writes what it receives; removed with the server.
    private let temporary: TemporaryDirectory
    var directory: String { temporary.path }

    static var available: Bool {
        (try? ChildProcess.run("/usr/bin/env", ["python3", "-c", "import aiosmtpd"]))?.status == 0
    }

    /// - Parameters:
    ///   - mode: `plain`, `starttls` (STARTTLS required before anything else) or `smtps` (TLS from the start).
    ///   - certificate, key: PEM files for the TLS modes.
    init(mode: String = "plain", certificate: String = "", key: String = "") throws {
        temporary = try TemporaryDirectory(prefix: "fw-smtp")
        let announced = temporary.path + "/port", errors = temporary.path + "/stderr"
        process = try ChildProcess(
            executable: "/usr/bin/env", arguments: ["python3", "-c", Self.script, temporary.path, mode, certificate, key],
            stdout: announced, stderr: errors)
        // The script prints its port once listening (within 30 s, or it failed to start).
        var line = Data()
        let deadline = Date().addingTimeInterval(30)
        while !line.contains(UInt8(ascii: "\n")), process.poll() == nil, Date() < deadline {
            usleep(20_000)
            line = FileManager.default.contents(atPath: announced) ?? Data()
        }
        let first = String(decoding: line, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        guard let port = Int(first.trimmingCharacters(in: .whitespaces)) else {
            process.signal(SIGKILL)
            process.wait()
            let said = String(decoding: FileManager.default.contents(atPath: errors) ?? Data(), as: UTF8.self)
            throw ChildProcess.SpawnError(description: "the SMTP test server did not announce a port: \(said)")
        }
        self.port = port
    }

    /// Received messages, in order.
    func messages() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".eml") }.sorted()
            .map { try String(contentsOfFile: "\(directory)/\($0)", encoding: .utf8) }
    }

    func stop() {
        process.signal(SIGKILL)
        process.wait()
    }
}

/// The body of the MIME part with this content type, base64-decoded.
func mimePart(_ message: String, type: String) -> String? {
    guard let head = message.range(of: "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n") else {
        return nil
    }
    let rest = message[head.upperBound...]
    let end = rest.range(of: "\r\n--")?.lowerBound ?? rest.endIndex
    let base64 = rest[..<end].replacingOccurrences(of: "\r\n", with: "")
    return Data(base64Encoded: base64).map { String(decoding: $0, as: UTF8.self) }
}

/// A self-signed certificate for 127.0.0.1 (IP subjectAltName), made with openssl.
func selfSignedCertificate(in directory: String) throws -> (certificate: String, key: String) {
    let certificate = directory + "/cert.pem", key = directory + "/key.pem"
    let made = try ChildProcess.run("/usr/bin/openssl", [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
    ])
    guard made.status == 0 else { throw CocoaError(.fileWriteUnknown) }
    return (certificate, key)
}

extension TestRequirement {
    /// The loopback SMTP server is python3's aiosmtpd.
    static let aiosmtpd = TestRequirement(
        "python3 with aiosmtpd (scripts/install-deps.sh test installs it)", isMet: LoopbackSMTPServer.available)
    /// Self-signed certificates for the TLS cases come from openssl.
    static let openssl = TestRequirement.executable("/usr/bin/openssl", "/usr/bin/openssl (the openssl package)")
}

@Suite(.requires(.aiosmtpd)) struct SMTPDeliveryTests {
    @Test(.requires(.openssl), arguments: ["starttls", "smtps"])
    func tlsIsRequiredAndVerified(mode: String) async throws {
        try TestRequirement.aiosmtpd.check()
        try TestRequirement.openssl.check()
        let certificates = try TemporaryDirectory(prefix: "fw-tls")
        let certDirectory = certificates.path
        let (certificate, key) = try selfSignedCertificate(in: certDirectory)
        let smtp = try LoopbackSMTPServer(mode: mode, certificate: certificate, key: key)
        defer { smtp.stop() }
        let scheme = mode == "smtps" ? "smtps" : "smtp"
        try "pa55word".write(toFile: "\(certDirectory)/pass", atomically: true, encoding: .utf8)
        let world = try await DigestWorld.make(tables: """
            [[notify]]
            kind = "email"
            name = "verified"
            url = "\(scheme)://127.0.0.1:\(smtp.port)"
            from = "feedwatch@example.org"
            to = ["reader@example.org"]
            username = "feedwatch"
            password_file = "\(certDirectory)/pass"
            ca_file = "\(certificate)"

            [[notify]]
            kind = "email"
            name = "unverified"
            url = "\(scheme)://127.0.0.1:\(smtp.port)"
            from = "feedwatch@example.org"
            to = ["reader@example.org"]
            """)
        let runtime = try world.runtime()
        try await world.refresh(runtime)
        _ = try await DigestService(runtime: runtime).tick(now: Date())
        let deliveries = try await runtime.store.recentDeliveries(limit: 5)
        // With the CA: TLS, then AUTH, then the message.
        #expect(deliveries.first { $0.notifier == "verified" }?.state == .sent, "\(deliveries.map { $0.lastError ?? "ok" })")
        // Without it the self-signed certificate is rejected: nothing goes out in the clear.
        let unverified = try #require(deliveries.first { $0.notifier == "unverified" })
        #expect(unverified.state == .pending && unverified.lastError?.contains("certificate") == true, "\(unverified.lastError ?? "")")
        let messages = try smtp.messages()
        #expect(messages.count == 1 && messages.first?.hasPrefix("X-Test-Auth-User: feedwatch\r\n") == true)
        await world.shutdown()
    }

    @Test func digestAndAlertsArriveAsAuthenticatedMultipartMail() async throws {
        try TestRequirement.aiosmtpd.check()
        let smtp = try LoopbackSMTPServer()
        defer { smtp.stop() }
        let secrets = try TemporaryDirectory(prefix: "fw-smtp-pass")
        let passwordFile = secrets.path + "/pass"
        try "pa55word\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let world = try await DigestWorld.make(
            digest: "formats = [\"markdown\", \"html\"]",
            tables: """
                [[notify]]
                kind = "email"
                name = "mail"
                url = "smtp://127.0.0.1:\(smtp.port)"
                tls = "opportunistic"
                from = "feedwatch@example.org"
                to = ["reader@example.org", "second@example.org"]
                username = "feedwatch"
                password_file = "\(passwordFile)"
                """,
            missilesAlert: true)
        let runtime = try world.runtime()
        try await world.refresh(runtime)
        _ = try await DigestService(runtime: runtime).tick(now: Date())
        let deliveries = try await runtime.store.recentDeliveries(limit: 10)
        #expect(deliveries.count == 2 && deliveries.allSatisfy { $0.state == .sent }, "\(deliveries.map { "\($0.subject): \($0.lastError ?? "ok")" })")

        let messages = try smtp.messages()
        #expect(messages.count == 2, "one digest and one alert for the two missile matches")
        for message in messages {
            #expect(message.hasPrefix("X-Test-Auth-User: feedwatch\r\nX-Test-Rcpt: reader@example.org,second@example.org\r\n"))
            #expect(message.contains("\r\nMIME-Version: 1.0\r\n"))
            #expect(message.contains("Content-Type: multipart/alternative; boundary=\"feedwatch-"))
            #expect(message.contains("\r\nFrom: feedwatch@example.org\r\n"))
        }
        let record = try #require(try await runtime.store.digests().first)
        let digestMail = try #require(messages.first { $0.contains("Subject: feedwatch digest \(record.day): 4 matches\r\n") })
        // The text part is written for reading, not Markdown source; the HTML part is the page.
        let text = try #require(mimePart(digestMail, type: "text/plain"))
        #expect(text.hasPrefix("feedwatch digest for \(record.day)\n4 matches in 2 topics since "), "\(text)")
        #expect(text.contains("\n* Missile test over the Sea of Japan\n  Loopback News · "))
        #expect(text.contains("https://news.example/0\n"))
        #expect(!text.contains("&amp;") && !text.contains("\\[") && !text.contains("<a id=") && !text.contains("**"))
        let html = try #require(mimePart(digestMail, type: "text/html"))
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("Missile test over the Sea of Japan"))
        #expect(html.contains("Feeds and matches"), "the health footer")
        // The alert subjects name the non-ASCII topic: RFC 2047 encoded-words.
        let alerts = messages.filter { $0 != digestMail }
        #expect(alerts.allSatisfy { $0.contains("Subject: =?UTF-8?B?") })
        let encoded = "=?UTF-8?B?" + Data("feedwatch alert: Raketentests – Übersicht: Missile test over t".utf8).prefix(45).base64EncodedString()
        #expect(alerts.contains { $0.contains(encoded) })
        await world.shutdown()
    }
}

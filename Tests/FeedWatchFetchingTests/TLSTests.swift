import Foundation
import Testing

@testable import FeedWatchFetching
import FeedWatchTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// nginx (single process, TLS + HTTP/2) and openssl, when this machine has them.
let nginxPath = ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
let opensslPath = ["/usr/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// A throwaway HTTPS server: a self-signed certificate for 127.0.0.1 and nginx answering with the protocol used.
final class TLSServer {
    /// Certificate, key, configuration and nginx's own files; removed with the server.
    private let temporary: TemporaryDirectory
    let directory: URL
    let port: Int
    let certificatePath: String
    private let process: ChildProcess

    init(nginx: String, openssl: String) throws {
        temporary = try TemporaryDirectory(prefix: "feedwatch-tls")
        directory = URL(fileURLWithPath: temporary.path)
        certificatePath = directory.appendingPathComponent("cert.pem").path
        try Self.run(
            openssl,
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", directory.appendingPathComponent("key.pem").path, "-out", certificatePath,
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2",
            ])
        port = try freeLoopbackPort()
        let d = directory.path
        let configuration = """
            master_process off; daemon off; pid \(d)/nginx.pid; error_log \(d)/error.log warn;
            events { worker_connections 64; }
            http {
                access_log off; client_body_temp_path \(d)/body; proxy_temp_path \(d)/proxy;
                fastcgi_temp_path \(d)/fcgi; uwsgi_temp_path \(d)/uwsgi; scgi_temp_path \(d)/scgi;
                server {
                    listen 127.0.0.1:\(port) ssl http2;
                    ssl_certificate \(d)/cert.pem; ssl_certificate_key \(d)/key.pem;
                    location / { default_type text/plain; return 200 "$server_protocol"; }
                }
            }
            """
        try Data(configuration.utf8).write(to: directory.appendingPathComponent("nginx.conf"))
        process = try ChildProcess(executable: nginx, arguments: ["-p", d, "-c", "\(d)/nginx.conf", "-e", "\(d)/error.log"])
        guard Self.waitForListener(port: port) else {
            stop()
            throw FetchError(code: .other, message: "nginx did not start on port \(port)")
        }
    }

    func stop() {
        process.signal(SIGKILL)
        process.wait()
    }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let output = try ChildProcess.run(executable, arguments)
        guard output.status == 0 else {
            throw FetchError(code: .other, message: "\(executable) failed with status \(output.status): \(output.stderr)")
        }
    }

    private static func waitForListener(port: Int) -> Bool {
        for _ in 0..<100 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            close(fd)
            if connected { return true }
            usleep(50_000)
        }
        return false
    }
}

/// nginx and openssl, for a local TLS server with a certificate of its own.
let nginxAndOpenSSL = TestRequirement(
    "nginx and openssl (scripts/install-deps.sh test installs them)", isMet: nginxPath != nil && opensslPath != nil)

@Suite("TLS and HTTP/2 against a local nginx", .requires(nginxAndOpenSSL))
struct TLSTests {
    @Test func untrustedCertificateIsRefused() async throws {
        try nginxAndOpenSSL.check()
        let server = try TLSServer(nginx: try #require(nginxPath), openssl: try #require(opensslPath))
        defer { server.stop() }
        let fetcher = try Fetcher(configuration: patientConfiguration)
        defer { fetcher.shutdown() }
        do {
            _ = try await fetcher.fetch(FetchRequest(url: "https://127.0.0.1:\(server.port)/feed.xml"))
            Issue.record("a self-signed certificate was accepted")
        } catch {
            #expect(error.code == .tlsFailure)
            #expect(error.message == "the TLS certificate of 127.0.0.1 could not be verified")
        }
    }

    @Test func http2IsUsedWhenOfferedOverTLS() async throws {
        try nginxAndOpenSSL.check()
        let server = try TLSServer(nginx: try #require(nginxPath), openssl: try #require(opensslPath))
        defer { server.stop() }
        var configuration = patientConfiguration
        configuration.caBundlePath = server.certificatePath
        let fetcher = try Fetcher(configuration: configuration)
        defer { fetcher.shutdown() }
        let result = try await fetcher.fetch(FetchRequest(url: "https://127.0.0.1:\(server.port)/feed.xml"))
        #expect(result.status == 200)
        #expect(String(decoding: result.body, as: UTF8.self) == "HTTP/2.0")
    }
}

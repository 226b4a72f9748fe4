import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Security review, issue 15, item 9: a PostgreSQL server that is not on this machine gets the
/// password only over TLS, unless the URL opts out with `sslmode=prefer` or `disable`.
/// 127.0.0.2 plays the remote host (only `localhost`, `127.0.0.1`, `::1` and sockets count as local).
@Suite struct PostgresTLSTests {
    @Test func withoutSslmodeARemoteHostRequiresTLS() throws {
        #expect(try PostgresStore.Configuration(url: "postgres://u@db.example/x").tls == .require)
        #expect(try PostgresStore.Configuration(url: "postgres://u@10.0.0.5:5432/x").tls == .require)
        #expect(try PostgresStore.Configuration(url: "postgres://u@127.0.0.2/x").tls == .require)
        #expect(try PostgresStore.Configuration(url: "postgres://u@localhost/x").tls == .prefer)
        #expect(try PostgresStore.Configuration(url: "postgres://u@127.0.0.1/x").tls == .prefer)
        #expect(try PostgresStore.Configuration(url: "postgres://u@[::1]/x").tls == .prefer)
        // The documented opt-out.
        #expect(try PostgresStore.Configuration(url: "postgres://u@db.example/x?sslmode=prefer").tls == .prefer)
        #expect(try PostgresStore.Configuration(url: "postgres://u@db.example/x?sslmode=disable").tls == .disable)
    }

    /// Whoever answers for the database host declines TLS and asks for the password in clear.
    @Test func aHostThatDeclinesTLSNeverGetsThePassword() async throws {
        let password = "TopSecretPw-\(UUID().uuidString.prefix(8))"
        let trap = try CleartextPasswordTrap()
        var c = try PostgresStore.Configuration(url: "postgres://feedwatch:\(password)@127.0.0.2:\(trap.port)/feedwatch")
        c.connectTimeout = 3
        c.operationTimeout = 5
        await #expect {
            _ = try await PostgresStore.open(c, logger: quietLogger)
        } throws: { error in
            let text = "\(error)"
            return text.contains("TLS") && !text.contains(password)
        }
        trap.waitForClient()
        #expect(!trap.received.contains(password), "the password reached the impostor")

        // The same server under the opt-out (the old default) is handed the password: the attack is real.
        let second = try CleartextPasswordTrap()
        var optOut = try PostgresStore.Configuration(
            url: "postgres://feedwatch:\(password)@127.0.0.2:\(second.port)/feedwatch?sslmode=prefer")
        optOut.connectTimeout = 3
        optOut.operationTimeout = 5
        _ = try? await PostgresStore.open(optOut, logger: quietLogger)
        second.waitForClient()
        #expect(second.received.contains(password))
    }

    /// The real server of scripts/with-postgres.sh (no TLS) reached as a "remote" host.
    @Test(.requires(.postgres)) func theRealServerWithoutTLSIsRefusedUnlessOptedOut() async throws {
        try await PostgresTestServer.withDatabase { url in
            let local = try PostgresStore.Configuration(url: url)
            let relay = try LoopbackTCPRelay(port: try freeLoopbackPort(), targetPort: local.port, listenHost: "127.0.0.2")
            defer { relay.close() }
            let password = local.password ?? ""
            let remote = url.replacingOccurrences(of: "@127.0.0.1:\(local.port)/", with: "@127.0.0.2:\(relay.port)/")
                .replacingOccurrences(of: "@localhost:\(local.port)/", with: "@127.0.0.2:\(relay.port)/")
                .replacingOccurrences(of: "?sslmode=\(local.tls.rawValue)", with: "")
            #expect(remote.contains("127.0.0.2"))
            var c = try PostgresStore.Configuration(url: remote)
            c.connectTimeout = 3
            c.operationTimeout = 5
            await #expect {
                _ = try await PostgresStore.open(c, logger: quietLogger)
            } throws: { error in
                let text = "\(error)"
                return text.contains("does not offer TLS") && (password.isEmpty || !text.contains(password))
            }
            var optOut = try PostgresStore.Configuration(url: remote + (remote.contains("?") ? "&" : "?") + "sslmode=prefer")
            optOut.connectTimeout = 3
            let store = try await PostgresStore.open(optOut, logger: quietLogger)
            #expect(try await store.activeFeeds().isEmpty)
            await store.close()
        }
    }
}

/// A TCP listener on 127.0.0.2 that speaks just enough of the PostgreSQL protocol to ask for
/// a cleartext password without TLS, and records what the client sends.
final class CleartextPasswordTrap: Sendable {
    let port: Int
    private let listener: Int32
    private let captured = Mutex<[UInt8]>([])
    private let done = DispatchSemaphore(value: 0)

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.2")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 4) == 0 else { throw LoopbackServerError.noPort }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var received: String { String(decoding: captured.withLock { $0 }, as: UTF8.self) }

    func waitForClient() {
        _ = done.wait(timeout: .now() + 10)
    }

    private func serve() {
        defer {
            close(listener)
            done.signal()
        }
        let client = accept(listener, nil, nil)
        guard client >= 0 else { return }
        defer { close(client) }
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var first = read(client, count: 8)  // SSLRequest: length 8, code 80877103
        if first.count == 8, first[4...] == [0x04, 0xD2, 0x16, 0x2F][...] {
            _ = Glibc.write(client, "N", 1)  // "no TLS here"
            first = read(client, count: 4096)  // the startup message
        }
        guard !first.isEmpty else { return }
        // AuthenticationCleartextPassword: 'R', length 8, code 3.
        let ask: [UInt8] = [0x52, 0, 0, 0, 8, 0, 0, 0, 3]
        _ = ask.withUnsafeBytes { Glibc.write(client, $0.baseAddress, $0.count) }
        _ = read(client, count: 4096)
    }

    private func read(_ fd: Int32, count: Int) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, count) }
        guard n > 0 else { return [] }
        let bytes = Array(buffer.prefix(n))
        captured.withLock { $0 += bytes }
        return bytes
    }
}

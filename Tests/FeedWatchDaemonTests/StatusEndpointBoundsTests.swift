import FeedWatchFetching
import FeedWatchTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 15, item 11: slow clients holding half-sent requests cannot exhaust the daemon's file
/// descriptors, and their connections end at `[http] request_timeout` (the real daemon).
@Suite(.serialized, .requires(.feedwatchBinary))
struct StatusEndpointBoundsTests {
    @Test func slowClientsAreCappedAndCutOff() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .ok(syntheticFeed("m", items: 3)) }
        let fixture = try DaemonFixture()
        let port = try freeLoopbackPort()
        try fixture.writeConfig(
            feeds: [server.url("/m.xml")],
            extra: "[http]\nlisten = \"127.0.0.1:\(port)\"\nmax_connections = 8\nrequest_timeout = \"3s\"\n")
        let daemon = try fixture.start()
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        let up = try await eventually {
            (try? await fetcher.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/healthz")))?.status == 200
        }
        #expect(up, "\(daemon.standardError)")
        let baseline = Self.socketCount(pid: daemon.pid)

        // 200 clients each send half a request and then nothing.
        var clients: [Int32] = []
        for _ in 0..<200 {
            let fd = try Self.connect(port: port)
            let partial = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
            _ = partial.withCString { send(fd, $0, strlen($0), 0) }
            clients.append(fd)
        }
        try await Task.sleep(for: .milliseconds(500))
        let during = Self.socketCount(pid: daemon.pid)
        #expect(during - baseline <= 8 + 2, "the daemon holds \(during - baseline) more sockets than before (cap 8)")

        // Within the timeout (and a margin) the server has closed every one of them.
        var open = clients.count
        let deadline = Date().addingTimeInterval(10)
        var closed = Set<Int32>()
        while Date() < deadline, closed.count < clients.count {
            for fd in clients where !closed.contains(fd) {
                var pollfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&pollfd, 1, 0) > 0 {
                    var byte: UInt8 = 0
                    if recv(fd, &byte, 1, Int32(MSG_DONTWAIT)) <= 0 { closed.insert(fd) }
                }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        open = clients.count - closed.count
        #expect(open == 0, "\(open) slow connections are still open")
        for fd in clients { close(fd) }
        let after = try await fetcher.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/healthz"))
        #expect(after.status == 200)
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(timeout: .seconds(10)) == 0)
        try await server.shutdown()
    }

    /// Sockets the process holds (entries of /proc/PID/fd that are sockets).
    static func socketCount(pid: pid_t) -> Int {
        let directory = "/proc/\(pid)/fd"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return entries.filter { name in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + name))?.hasPrefix("socket:") ?? false
        }.count
    }

    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, result == 0 else { throw LoopbackServerError.noPort }
        return fd
    }
}

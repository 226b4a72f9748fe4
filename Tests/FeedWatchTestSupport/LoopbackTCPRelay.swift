import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A TCP relay on 127.0.0.1: every connection to `port` is joined to a connection to the
/// target, byte for byte, in both directions. Tests start it late to play a database server
/// that comes up after the daemon, and close it to cut every connection at once.
public final class LoopbackTCPRelay: Sendable {
    public struct RelayError: Error, CustomStringConvertible {
        public var description: String
    }

    public let port: Int
    private let listener: Int32
    private let targetPort: Int
    /// Every descriptor still open (listener, client and upstream sides).
    private let open = Mutex<Set<Int32>>([])

    /// Listens on `listenHost`:`port` (e.g. from `freeLoopbackPort()`; any 127.x.y.z) and
    /// relays to 127.0.0.1:`targetPort`.
    public init(port: Int, targetPort: Int, listenHost: String = "127.0.0.1") throws {
        self.port = port
        self.targetPort = targetPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw RelayError(description: "socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: port, host: listenHost)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw RelayError(description: "cannot listen on 127.0.0.1:\(port): \(reason)")
        }
        listener = fd
        open.withLock { _ = $0.insert(fd) }
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Stops listening and cuts every relayed connection.
    public func close() {
        let all = open.withLock { set -> Set<Int32> in
            defer { set.removeAll() }
            return set
        }
        // shutdown() wakes threads blocked in accept() and read(); they close their own ends.
        for fd in all { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private static func loopback(port: Int, host: String = "127.0.0.1") -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if errno == EINTR { continue }
                break
            }
            guard let upstream = connectUpstream() else {
                Glibc.close(client)
                continue
            }
            let stillOpen = open.withLock { set -> Bool in
                guard set.contains(listener) else { return false }
                set.insert(client)
                set.insert(upstream)
                return true
            }
            guard stillOpen else {
                Glibc.close(client)
                Glibc.close(upstream)
                break
            }
            Thread { [self] in pump(from: client, to: upstream) }.start()
            Thread { [self] in pump(from: upstream, to: client) }.start()
        }
        Glibc.close(listener)
    }

    private func connectUpstream() -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = Self.loopback(port: targetPort)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            return nil
        }
        return fd
    }

    /// Copies until end of stream or an error, then ends both directions and closes `source`
    /// (the opposite pump closes the other descriptor).
    private func pump(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        outer: while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { send(destination, $0.baseAddress! + offset, count - offset, Int32(MSG_NOSIGNAL)) }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { break outer }
                offset += written
            }
        }
        shutdown(destination, Int32(SHUT_RDWR))
        shutdown(source, Int32(SHUT_RDWR))
        open.withLock { _ = $0.remove(source) }
        Glibc.close(source)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Why no free loopback port could be found.
public struct LoopbackPortError: Error, CustomStringConvertible {
    public var description: String { "cannot bind a TCP socket on 127.0.0.1 to find a free port" }
}

/// A TCP port on 127.0.0.1 that nothing listens on right now: bound to port 0, read back, and
/// released. For servers a test starts itself and for "connection refused" cases.
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw LoopbackPortError() }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
        }
    }
    guard bound else { throw LoopbackPortError() }
    return Int(UInt16(bigEndian: address.sin_port))
}

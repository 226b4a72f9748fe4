public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Speaks systemd's notify protocol (`sd_notify(3)`) without libsystemd: one datagram per
/// message to the `AF_UNIX` socket named by `$NOTIFY_SOCKET`, either a path or, with a
/// leading `@`, an abstract socket.
///
/// Sending is best effort by design: a service must keep working when systemd is gone or the
/// socket is full, so failures are returned for logging, never fatal.
public struct SystemdNotifier: Sendable {
    /// The socket address as given in the environment (`/run/…` or `@name`).
    public let socketPath: String
    /// How often systemd expects `WATCHDOG=1`, from `$WATCHDOG_USEC`; nil when the watchdog is off.
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID`; nil when not started by systemd
    /// with `Type=notify` (no `NOTIFY_SOCKET`).
    public init?(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty else { return nil }
        self.socketPath = path
        self.watchdogInterval = Self.watchdogInterval(environment: environment)
    }

    /// `WATCHDOG_USEC` as a duration when it is meant for this process (systemd sets
    /// `WATCHDOG_PID` so that children that inherit the environment do not ping for us).
    static func watchdogInterval(environment: [String: String]) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], let value = Int32(pid), value != getpid() { return nil }
        return .microseconds(Int64(clamping: usec))
    }

    /// Why a notification could not be sent.
    public struct NotifyError: Error, Sendable, CustomStringConvertible {
        /// What failed and the system's reason.
        public var description: String
    }

    /// Sends `message` (newline-separated `KEY=VALUE` assignments) as one datagram.
    public func send(_ message: String) throws(NotifyError) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NotifyError(description: "notify: socket() failed: \(String(cString: strerror(errno)))") }
        defer { close(fd) }

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        let abstract = pathBytes.first == UInt8(ascii: "@")
        // An abstract address starts with a NUL byte and is not NUL-terminated: its length
        // is passed explicitly below.
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else {
            throw NotifyError(description: "notify: NOTIFY_SOCKET is longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (abstract ? 0 : 1))
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                bytes.withUnsafeBytes { buffer in
                    sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), sockaddrPointer, length)
                }
            }
        }
        guard sent == bytes.count else {
            throw NotifyError(description: "notify: sending to \(socketPath) failed: \(String(cString: strerror(errno)))")
        }
    }

    /// `RELOADING=1` with the monotonic timestamp systemd 253+ wants next to it.
    public static func reloadingMessage() -> String {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let usec = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        return "RELOADING=1\nMONOTONIC_USEC=\(usec)"
    }

    /// A `STATUS=` value on one line: systemd shows it verbatim in `systemctl status`.
    public static func statusMessage(_ text: String) -> String {
        "STATUS=" + text.replacingOccurrences(of: "\n", with: " ")
    }
}

import FeedWatchTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension TestRequirement {
    /// `<repository>/.build/debug/feedwatch`, which the tests that run the real binary need.
    static let feedwatchBinary = TestRequirement.executable(
        DaemonProcess.binaryPath, "the built feedwatch binary .build/debug/feedwatch (run `swift build --build-tests` first)")
}

/// The real `feedwatch` binary running as a child process, its stdout and stderr in files.
///
/// A `ChildProcess`: spawned with an explicitly empty signal mask and default dispositions
/// (`Foundation.Process` children inherit a blocked mask and would ignore SIGTERM, which is
/// exactly what these tests need to see handled), and killed with SIGKILL on every exit path.
final class DaemonProcess: @unchecked Sendable {
    let pid: pid_t
    let stdoutPath: String
    let stderrPath: String
    private let child: ChildProcess

    /// `<repository>/.build/debug/feedwatch`, which `swift build --build-tests` builds.
    static var binaryPath: String {
        // This file is <repository>/Tests/FeedWatchDaemonTests/DaemonProcess.swift.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/feedwatch").path
    }

    typealias SpawnError = ChildProcess.SpawnError

    /// `/bin/sh -c script`, for helpers such as a second process holding a database lock.
    static func shell(_ script: String, directory: String) throws -> DaemonProcess {
        try DaemonProcess(arguments: ["-c", script], directory: directory, binary: "/bin/sh")
    }

    /// `environment` is added to this process's (without systemd's variables, which a test
    /// sets when it wants them).
    init(arguments: [String], environment extra: [String: String] = [:], directory: String, binary: String = DaemonProcess.binaryPath) throws {
        if binary == DaemonProcess.binaryPath { try TestRequirement.feedwatchBinary.check() }
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw SpawnError(description: "\(binary) is missing: build it with `swift build --build-tests`")
        }
        stdoutPath = directory + "/daemon-\(UUID().uuidString.prefix(8)).out"
        stderrPath = directory + "/daemon-\(UUID().uuidString.prefix(8)).err"
        child = try ChildProcess(
            executable: binary, arguments: arguments,
            environment: ChildProcess.inheritedEnvironment.merging(extra) { _, new in new },
            stdout: stdoutPath, stderr: stderrPath)
        pid = child.pid
    }

    func signal(_ number: Int32) { child.signal(number) }

    /// Kills with SIGKILL and reaps, as a crash or the OOM killer would end it.
    func killHard() {
        child.signal(SIGKILL)
        child.wait()
    }

    /// The exit status (128 + signal when killed by one), or nil if still running after `timeout`.
    func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let termination = child.poll() { return Self.status(termination) }
            if ContinuousClock.now >= deadline { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Whether the process is still running.
    var isRunning: Bool { child.poll() == nil }

    private static func status(_ termination: ChildProcess.Termination) -> Int32 {
        switch termination {
        case .exited(let code): code
        case .signalled(let number): 128 + number
        case .unknown: -1
        }
    }

    var standardError: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    var standardOutput: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
}

/// A real `AF_UNIX` datagram socket standing in for systemd's notify socket.
final class NotifyListener: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private(set) var messages: [String] = []

    init(directory: String) throws {
        path = directory + "/notify.sock"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DaemonProcess.SpawnError(description: "socket() failed") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw DaemonProcess.SpawnError(description: "socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw DaemonProcess.SpawnError(description: "bind(\(path)) failed: \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Reads every datagram waiting, without blocking.
    func drain() -> [String] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count > 0 else { break }
            messages.append(String(decoding: buffer[0..<count], as: UTF8.self))
        }
        return messages
    }

    /// Waits (polling, never blocking a thread) until `condition` holds for the messages so far.
    func wait(timeout: Duration = .seconds(60), until condition: ([String]) -> Bool) async throws -> Bool {
        try await eventually(timeout: timeout) { condition(self.drain()) }
    }
}

/// Polls `condition` until it holds or `timeout` passes (a generous bound, not a timing claim).
func eventually(timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// An RSS document with `count` items; every third item's title mentions a missile test.
func syntheticFeed(_ name: String, items count: Int) -> String {
    var xml = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>\(name)</title><link>http://example.org/\(name)</link>"
    for index in 0..<count {
        let title = index % 3 == 0 ? "Item \(index) of \(name): missile test reported" : "Item \(index) of \(name): weather"
        xml += "<item><guid>\(name)-\(index)</guid><title>\(title)</title><link>http://example.org/\(name)/\(index)</link>"
        xml += "<description>Body of item \(index).</description></item>"
    }
    return xml + "</channel></rss>"
}

/// How many items of `syntheticFeed(_, items:)` mention a missile test.
func syntheticMatches(items count: Int) -> Int { (count + 2) / 3 }

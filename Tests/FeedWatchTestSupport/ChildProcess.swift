import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process for the tests: spawned with `posix_spawn` and reaped with `waitpid` on its
/// own pid, without `Foundation.Process`.
///
/// `Foundation.Process` learns of a child's exit from SIGCHLD and its own reaper, and in this
/// test runner that can be missed: once an exit test has run, Swift Testing's monitor thread
/// loops on `waitid(P_ALL, WNOWAIT)`, spinning on every zombie it does not own, and a full run
/// once hung in two `waitUntilExit()` calls (children long gone, the monitor at 100 % of a CPU)
/// until it was killed. Reaping by pid does not depend on any signal. The child also starts
/// with an empty signal mask and default dispositions (`Foundation.Process` children inherit a
/// blocked mask and ignore SIGTERM).
public final class ChildProcess: @unchecked Sendable {
    /// How a child ended.
    public enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
        /// Reaped by someone else: how it ended cannot be known.
        case unknown

        /// The exit code, or minus the signal's number (as `Foundation.Process` callers here
        /// reported a signal); `Int32.min` when unknown.
        public var status: Int32 {
            switch self {
            case .exited(let code): code
            case .signalled(let number): -number
            case .unknown: .min
            }
        }
    }

    public let pid: pid_t
    private let ended = Mutex<Termination?>(nil)

    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Spawns `executable` with `arguments`. Standard input reads `stdin` (a path, else
    /// `/dev/null`); standard output and error append to the files at `stdout` and `stderr`
    /// (created when missing; nil is `/dev/null`). `environment` replaces
    /// `inheritedEnvironment` when given.
    public init(
        executable: String, arguments: [String], environment: [String: String]? = nil,
        stdin: String? = nil, stdout: String? = nil, stderr: String? = nil
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        // Nothing else of the test runner's (its pipes, sockets, database files) stays open in
        // the child, as `Foundation.Process` ensured: a long-lived child would hold them.
        // (`posix_spawn_file_actions_addclosefrom_np` is not in Swift's Glibc module; a close
        // of a descriptor closed meanwhile is ignored by glibc.)
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let variables = environment ?? Self.inheritedEnvironment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
    }

    /// This process's environment without systemd's variables: a child must not inherit a
    /// systemd context from whoever runs the tests (a test that wants one sets it).
    public static var inheritedEnvironment: [String: String] {
        var variables = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "STATE_DIRECTORY"] {
            variables[key] = nil
        }
        return variables
    }

    /// A child still running when the last reference goes is killed and reaped.
    deinit {
        if ended.withLock({ $0 }) == nil {
            Glibc.kill(pid, SIGKILL)
            _ = reap(options: 0)
        }
    }

    /// Sends `number` to the child (nothing once it has been reaped).
    public func signal(_ number: Int32) {
        if ended.withLock({ $0 }) == nil { Glibc.kill(pid, number) }
    }

    /// How it ended, reaping it if it has; nil while it runs.
    public func poll() -> Termination? {
        if let termination = ended.withLock({ $0 }) { return termination }
        return reap(options: WNOHANG)
    }

    /// Blocks until the child ends and says how.
    @discardableResult
    public func wait() -> Termination {
        if let termination = ended.withLock({ $0 }) { return termination }
        return reap(options: 0) ?? .unknown
    }

    /// Blocks until the child ends, SIGKILLing it after `timeout` seconds (a guard against a
    /// hang, not a timing check); says how it ended and whether the guard fired.
    public func wait(killingAfter timeout: Double) -> (termination: Termination, killed: Bool) {
        if let termination = ended.withLock({ $0 }) { return (termination, false) }
        // (finished, killed): the guard kills only while the child is not yet reaped, so its
        // pid cannot have been given to another process.
        let state = Mutex((finished: false, killed: false))
        let pid = pid
        let guardThread = Thread {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if state.withLock({ $0.finished }) { return }
                Thread.sleep(forTimeInterval: 0.05)
            }
            state.withLock { state in
                if !state.finished {
                    state.killed = true
                    Glibc.kill(pid, SIGKILL)
                }
            }
        }
        guardThread.start()
        // Waits for the exit without reaping (the guard may still be about to kill it), then
        // stops the guard, then reaps.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0, errno == EINTR {}
        let killed = state.withLock { state in
            state.finished = true
            return state.killed
        }
        return (wait(), killed)
    }

    private func reap(options: Int32) -> Termination? {
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, options)
            if result == pid {
                let signalled = status & 0x7F
                let termination: Termination = signalled == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signalled)
                return ended.withLock { ended in
                    ended = ended ?? termination
                    return ended!
                }
            }
            if result == 0 { return nil }
            if errno == EINTR { continue }
            // Reaped by another caller of this object (its result stands) or by someone else
            // (ECHILD): then how it ended is unknown, and said so.
            return ended.withLock { ended in
                ended = ended ?? .unknown
                return ended!
            }
        }
    }

    /// What `run` collected.
    public struct Output: Sendable {
        public var termination: Termination
        /// Whether the time limit ended it.
        public var timedOut: Bool
        public var stdout: String
        public var stderr: String

        public var status: Int32 { termination.status }
    }

    /// Runs `executable` to its end, its output collected through files, SIGKILLed after
    /// `timeout` seconds.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdin: String? = nil,
        timeout: Double = 60
    ) throws -> Output {
        let directory = try TemporaryDirectory(prefix: "fw-child")
        let out = directory.path + "/stdout", err = directory.path + "/stderr"
        let child = try ChildProcess(
            executable: executable, arguments: arguments, environment: environment, stdin: stdin, stdout: out, stderr: err)
        let (termination, killed) = child.wait(killingAfter: timeout)
        return Output(
            termination: termination, timedOut: killed,
            stdout: String(decoding: FileManager.default.contents(atPath: out) ?? Data(), as: UTF8.self),
            stderr: String(decoding: FileManager.default.contents(atPath: err) ?? Data(), as: UTF8.self))
    }
}

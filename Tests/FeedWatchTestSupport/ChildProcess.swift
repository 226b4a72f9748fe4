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

        /// The exit code, or minus the signal's number (as `Foundation.Process` callers here
        /// reported a signal).
        public var status: Int32 {
            switch self {
            case .exited(let code): code
            case .signalled(let number): -number
            }
        }
    }

    public let pid: pid_t
    private let ended = Mutex<Termination?>(nil)

    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Spawns `executable` with `arguments`. Standard input reads `stdin` (a path, else
    /// `/dev/null`); standard output and error append to the files at `stdout` and `stderr`
    /// (created when missing; nil is `/dev/null`). `environment` replaces this process's
    /// when given.
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

        let variables = environment ?? ProcessInfo.processInfo.environment
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
        return reap(options: 0) ?? .signalled(SIGKILL)
    }

    /// Blocks until the child ends, SIGKILLing it after `timeout` seconds (a guard against a
    /// hang, not a timing check); says how it ended and whether the guard fired.
    public func wait(killingAfter timeout: Double) -> (termination: Termination, killed: Bool) {
        let finished = Mutex(false)
        let killed = Mutex(false)
        let pid = pid
        let guardThread = Thread {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if finished.withLock({ $0 }) { return }
                Thread.sleep(forTimeInterval: 0.05)
            }
            finished.withLock { done in
                if !done {
                    killed.withLock { $0 = true }
                    Glibc.kill(pid, SIGKILL)
                }
            }
        }
        guardThread.start()
        let termination = wait()
        finished.withLock { $0 = true }
        return (termination, killed.withLock { $0 })
    }

    private func reap(options: Int32) -> Termination? {
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, options)
            if result == pid {
                let signalled = status & 0x7F
                let termination: Termination = signalled == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signalled)
                ended.withLock { $0 = termination }
                return termination
            }
            if result == 0 { return nil }
            if errno == EINTR { continue }
            // Reaped elsewhere (ECHILD): nothing more can be learnt of it.
            let termination = ended.withLock { $0 } ?? .signalled(SIGKILL)
            ended.withLock { $0 = termination }
            return termination
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

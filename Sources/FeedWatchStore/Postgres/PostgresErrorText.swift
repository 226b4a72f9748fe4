import Foundation
import PostgresNIO
import Synchronization

/// An operation that did not finish within its time bound.
struct DeadlineExceeded: Error {
    var seconds: TimeInterval
}

/// Runs `body`, failing with `DeadlineExceeded` once `seconds` have passed. postgres-nio waits
/// for a pooled connection for as long as the server stays unreachable; this bound turns that
/// wait into an error the daemon can report and back off from.
///
/// The caller gets its answer at the deadline even if `body` does not react to cancellation
/// (a statement on a connection the network silently dropped): `body` is cancelled and left
/// to finish on its own, rather than a task group waiting for it.
func withDeadline<T: Sendable>(
    seconds: TimeInterval, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = DeadlineOutcome<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            outcome.start(continuation)
            let work = Task {
                do {
                    outcome.finish(.success(try await body()))
                } catch {
                    outcome.finish(.failure(error))
                }
            }
            let timer = Task {
                try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
                guard !Task.isCancelled else { return }
                outcome.finish(.failure(DeadlineExceeded(seconds: seconds)))
                work.cancel()
            }
            outcome.onFinish { work.cancel(); timer.cancel() }
        }
    } onCancel: {
        outcome.finish(.failure(CancellationError()))
    }
}

/// The one answer of `withDeadline`: whichever of the work, the timer or a cancellation
/// comes first resumes the caller; the others find it already resumed.
private final class DeadlineOutcome<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var early: Result<T, any Error>?
        var finished = false
        var cleanup: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        // Cancelled before the continuation existed.
        if let early { continuation.resume(with: early) }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, cleanup) = state.withLock { state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
            guard !state.finished else { return (nil, nil) }
            state.finished = true
            guard let continuation = state.continuation else {
                state.early = result
                return (nil, state.cleanup)
            }
            state.continuation = nil
            return (continuation, state.cleanup)
        }
        continuation?.resume(with: result)
        cleanup?()
    }

    func onFinish(_ cleanup: @escaping @Sendable () -> Void) {
        let alreadyFinished = state.withLock { state -> Bool in
            state.cleanup = cleanup
            return state.finished
        }
        if alreadyFinished { cleanup() }
    }
}

/// Turns postgres-nio errors into plain words. Never uses `PSQLError`'s own description: it
/// can carry the query and its bound values.
enum PostgresErrorText {
    /// The error that made a transaction fail: postgres-nio wraps it together with the
    /// outcome of BEGIN, COMMIT and ROLLBACK.
    static func unwrap(_ error: any Error) -> any Error {
        guard let transaction = error as? PostgresTransactionError else { return error }
        let inner: (any Error)? =
            transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? transaction.rollbackError
        return inner.map(unwrap) ?? error
    }

    /// Why `error` happened, in a few words.
    static func reason(_ error: any Error) -> String {
        let error = unwrap(error)
        if let deadline = error as? DeadlineExceeded {
            return "no answer within \(Int(deadline.seconds))s (is the server running and reachable?)"
        }
        if let store = error as? StoreError { return store.message }
        guard let psql = error as? PSQLError else {
            if error is CancellationError { return "cancelled" }
            return "\(error)"
        }
        switch psql.code {
        case .server:
            let message = psql.serverInfo?[.message] ?? "an error"
            let state = psql.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return "the server said: \(message)\(state)"
        case .connectionError:
            let underlying = psql.underlying.map { "\($0)" } ?? "unknown reason"
            return "cannot connect: \(underlying)"
        case .serverClosedConnection, .uncleanShutdown:
            return "the server closed the connection"
        case .clientClosedConnection:
            return "the connection was closed (the store is shutting down)"
        case .queryCancelled:
            return "the operation was cancelled"
        case .sslUnsupported:
            return "the server does not offer TLS but sslmode=require was asked for"
        case .authMechanismRequiresPassword:
            return "the server asks for a password and none was given (URL, password_file or PGPASSWORD)"
        case .unsupportedAuthMechanism:
            return "the server asks for an authentication method postgres-nio does not support"
        default:
            return "\(psql.code)"
        }
    }

    /// A `StoreError` naming the server (never the password), what was being done and why it failed.
    static func storeError(_ error: any Error, server: String, doing: String) -> StoreError {
        let error = unwrap(error)
        if let store = error as? StoreError { return store }
        let message = "postgres \(server): \(doing) failed: \(reason(error))"
        return StoreError(code: code(for: error), message: message)
    }

    static func code(for error: any Error) -> StoreError.Code {
        let error = unwrap(error)
        if error is DeadlineExceeded || error is CancellationError { return .unavailable }
        guard let psql = error as? PSQLError else { return .other }
        switch psql.code {
        case .server:
            let state = psql.serverInfo?[.sqlState] ?? ""
            switch state {
            case "28P01", "28000", "3D000", "42501":
                return .cannotOpen  // bad password, no such role or database, no permission
            case "53100":
                return .diskFull
            case "40001", "40P01", "55P03":
                return .locked  // serialisation failure, deadlock, lock not available
            case _ where state.hasPrefix("08") || state.hasPrefix("57") || state == "53300":
                return .unavailable  // connection exceptions, shutdown, too many connections, timeouts
            default:
                return .other
            }
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .queryCancelled:
            return .unavailable
        case .sslUnsupported, .authMechanismRequiresPassword, .unsupportedAuthMechanism, .saslError:
            return .cannotOpen
        default:
            return .other
        }
    }
}

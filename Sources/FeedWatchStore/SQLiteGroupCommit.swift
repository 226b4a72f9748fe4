import GRDB
import Synchronization

/// Group commit for SQLite: writes that queue while the writer is busy are stored in one
/// transaction, each inside its own savepoint.
///
/// Why: every commit appends each page it dirtied to the WAL (and checksums it), and a feed
/// refresh dirties the same tail pages of `articles`, `topic_matches` and their indexes as
/// the refresh before it. With a dozen fetches in flight the writer always has several
/// refreshes waiting; committing them together writes those pages once instead of once per
/// feed. No write waits for company: the first one starts at once, and whatever arrived
/// meanwhile goes into the next transaction.
///
/// Each write is still atomic on its own: it runs in a savepoint that is rolled back when its
/// body throws, and the others in the transaction are kept. A caller is answered only once the
/// transaction holding its write has committed, so nothing is reported stored before it is
/// durable; if the commit itself fails, every write in it gets the error.
final class SQLiteGroupCommit: Sendable {
    private struct Job: Sendable {
        let body: @Sendable (Database) throws -> any Sendable
        let resume: @Sendable (Result<any Sendable, any Error>) -> Void
    }

    private struct Queue: Sendable {
        var jobs: [Job] = []
        var running = false
        var committed = 0
    }

    private let pool: DatabasePool
    /// The most writes one transaction takes (the rest wait for the next one).
    let maxWritesPerTransaction: Int
    private let queue = Mutex(Queue())

    /// How many writes wait for the next transaction.
    var waitingWrites: Int { queue.withLock { $0.jobs.count } }

    /// How many group transactions have committed so far.
    var transactionsCommitted: Int { queue.withLock { $0.committed } }

    init(pool: DatabasePool, maxWritesPerTransaction: Int) {
        self.pool = pool
        self.maxWritesPerTransaction = max(1, maxWritesPerTransaction)
    }

    /// Runs `body` in a savepoint of the next group transaction and returns its result once that
    /// transaction has committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let result: any Sendable = try await withCheckedThrowingContinuation { continuation in
            let job = Job(body: { db in try body(db) }, resume: { continuation.resume(with: $0) })
            let start = queue.withLock { queue -> Bool in
                queue.jobs.append(job)
                guard !queue.running else { return false }
                queue.running = true
                return true
            }
            if start { runNextTransaction() }
        }
        // The job's body returned a T; the cast cannot fail.
        return result as! T
    }

    /// Runs `body` in a savepoint of the open transaction: released when it returns, rolled
    /// back (and released) when it throws, so a failed write leaves nothing of itself and the
    /// others stay. The error of a failed write is its result; an error from the savepoint
    /// statements themselves (the transaction is gone) is thrown, failing the whole transaction.
    /// The statements are compiled once per connection: GRDB's `inSavepoint` compiles its
    /// `SAVEPOINT` and `RELEASE` again for every write.
    private static func inSavepoint(
        _ db: Database, _ body: () throws -> any Sendable
    ) throws -> Result<any Sendable, any Error> {
        try db.cachedStatement(sql: "SAVEPOINT feedwatch_write").execute()
        let outcome: Result<any Sendable, any Error>
        do {
            outcome = .success(try body())
        } catch {
            outcome = .failure(error)
        }
        if case .failure = outcome {
            try db.cachedStatement(sql: "ROLLBACK TRANSACTION TO SAVEPOINT feedwatch_write").execute()
        }
        try db.cachedStatement(sql: "RELEASE SAVEPOINT feedwatch_write").execute()
        return outcome
    }

    /// Takes what is queued (at most `maxWritesPerTransaction`) and stores it in one transaction;
    /// when it has committed, answers each write and starts over while writes are waiting.
    private func runNextTransaction() {
        let batch = queue.withLock { queue -> [Job] in
            let taken = Array(queue.jobs.prefix(maxWritesPerTransaction))
            queue.jobs.removeFirst(taken.count)
            if taken.isEmpty { queue.running = false }
            return taken
        }
        guard !batch.isEmpty else { return }
        pool.asyncWrite({ db -> [Result<any Sendable, any Error>] in
            var results: [Result<any Sendable, any Error>] = []
            results.reserveCapacity(batch.count)
            for job in batch { results.append(try Self.inSavepoint(db) { try job.body(db) }) }
            return results
        }, completion: { [self] _, transaction in
            switch transaction {
            case .success(let results):
                queue.withLock { $0.committed += 1 }
                for (job, result) in zip(batch, results) { job.resume(result) }
            case .failure(let error):
                for job in batch { job.resume(.failure(error)) }
            }
            runNextTransaction()
        })
    }
}

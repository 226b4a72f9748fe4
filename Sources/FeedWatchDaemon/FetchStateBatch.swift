import Foundation
import FeedWatchStore
import Logging
import Synchronization

/// The fetch-state writes of one refresh wave, with routine ones committed in groups.
///
/// A routine outcome (a 304 of a feed that was not failing: only its times, status and
/// next-check reason change) is buffered and written with others in one transaction, once
/// `limit` are waiting, once the oldest has waited `delay`, and when the wave ends (`finish`,
/// which the refresh loop always reaches, also when a shutdown aborts the transfers). Any
/// other state (errors, backoff, disabling, moves, new validators) is written at once.
///
/// Why buffering is safe: losing a buffered 304 (the process killed before the group
/// commits) leaves the feed's previous state, so it is due again and re-asked with the same
/// validators; its error count was already zero. Leases are released only after the wave
/// (and so `finish`), so no other daemon sees a feed due again before its state is saved.
final class FetchStateBatch: Sendable {
    private struct Buffer {
        var states: [Int64: FetchState] = [:]
        /// Flushes the buffer `delay` after its first entry.
        var timer: Task<Void, Never>?
        /// Group commits started, awaited by `finish`.
        var writes: [Task<Void, Never>] = []
    }

    private let store: any Store
    private let limit: Int
    private let delay: Duration
    private let logger: Logger
    private let buffer = Mutex(Buffer())

    /// A batch over `store`: groups of at most `limit` states, none buffered longer than `delay`.
    init(store: any Store, limit: Int, delay: Duration, logger: Logger) {
        self.store = store
        self.limit = max(1, limit)
        self.delay = delay
        self.logger = logger
    }

    /// Saves `state` as feed `feedID`'s: buffered when `routine`, else at once. Never throws:
    /// a state that cannot be saved is logged, and the feed keeps its previous one.
    func save(feedID: Int64, _ state: FetchState, routine: Bool, feedURL: @autoclosure () -> String) async {
        guard routine, limit > 1 else {
            buffer.withLock { _ = $0.states.removeValue(forKey: feedID) }
            do {
                try await store.saveFetchState(feedID: feedID, state)
            } catch {
                logger.error("cannot save fetch state", metadata: ["feed_url": "\(LogRedaction.url(feedURL()))", "error": "\(error)"])
            }
            return
        }
        let write = buffer.withLock { buffer -> Task<Void, Never>? in
            buffer.states[feedID] = state
            if buffer.states.count >= limit { return commit(&buffer) }
            if buffer.timer == nil {
                let delay = self.delay
                buffer.timer = Task { [self] in
                    try? await Task.sleep(for: delay)
                    guard !Task.isCancelled else { return }
                    await flushFromTimer()
                }
            }
            return nil
        }
        await write?.value
    }

    /// Commits what is buffered and waits for every group commit of the wave: when this
    /// returns, every state given to `save` is stored (or its failure logged).
    func finish() async {
        let writes = buffer.withLock { buffer -> [Task<Void, Never>] in
            _ = commit(&buffer)
            defer { buffer.writes.removeAll() }
            return buffer.writes
        }
        for write in writes { await write.value }
    }

    /// How many states wait in the buffer (for tests).
    var buffered: Int { buffer.withLock { $0.states.count } }

    private func flushFromTimer() async {
        let write = buffer.withLock { buffer -> Task<Void, Never>? in
            buffer.timer = nil
            return commit(&buffer)
        }
        await write?.value
    }

    /// Takes the buffered states and starts their group commit (nil when there are none). The
    /// commit runs in a task of its own, so a wave cancelled at shutdown still completes it
    /// (the store refuses work in a cancelled task). Called with the lock held.
    private func commit(_ buffer: inout Buffer) -> Task<Void, Never>? {
        buffer.timer?.cancel()
        buffer.timer = nil
        guard !buffer.states.isEmpty else { return nil }
        let states = buffer.states
        buffer.states = [:]
        let store = self.store
        let logger = self.logger
        let write = Task {
            do {
                try await store.saveFetchStates(states)
            } catch {
                // Harmless for the feeds: they keep their previous state and are re-asked
                // with the same validators.
                logger.error("cannot save fetch states", metadata: ["feeds": "\(states.count)", "error": "\(error)"])
            }
        }
        buffer.writes.append(write)
        return write
    }
}

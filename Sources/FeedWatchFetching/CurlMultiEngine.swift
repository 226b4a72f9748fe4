import CCurlShims
import FeedWatchCurl
import Foundation
import Synchronization

/// libcurl's multi interface driven by one dedicated thread; callers hand transfers over through a mutex.
///
/// The engine queues transfers itself (global and per-host limits) rather than letting libcurl queue
/// them, because libcurl's timeouts would already run while a transfer waits in its queue.
final class CurlMultiEngine: Sendable {
    private struct Inbox {
        var submitted: [CurlTransfer] = []
        var cancelled: [CurlTransfer] = []
        var stopping = false
    }

    private let multi: CurlMultiHandle
    private let inbox = Mutex(Inbox())
    private let maxConcurrent: Int
    private let maxPerHost: Int

    init(configuration: FetcherConfiguration) throws(FetchError) {
        maxConcurrent = configuration.maxConcurrent
        maxPerHost = configuration.maxPerHost
        // Idle connections kept for reuse: enough for every running transfer's host.
        guard let multi = CurlMultiHandle(maxConnectionsKept: max(maxConcurrent, 16), maxPerHost: maxPerHost) else {
            throw FetchError(code: .other, message: "libcurl could not be initialised")
        }
        self.multi = multi
        let thread = Thread { [self] in
            EngineLoop(engine: self).run()
        }
        thread.name = "feedwatch-curl"
        thread.start()
    }

    /// Queues a transfer; it completes with `.cancelled` at once when the engine is stopping.
    func submit(_ transfer: CurlTransfer) {
        // Only the first item into an empty inbox needs a wakeup: the engine drains the whole inbox at once.
        let (accepted, wake) = inbox.withLock { inbox -> (Bool, Bool) in
            guard !inbox.stopping else { return (false, false) }
            let wasEmpty = inbox.submitted.isEmpty && inbox.cancelled.isEmpty
            inbox.submitted.append(transfer)
            return (true, wasEmpty)
        }
        if accepted {
            if wake { multi.wakeup() }
        } else {
            transfer.complete(.failure(FetchError(code: .cancelled, message: "the fetcher has shut down")))
        }
    }

    /// Aborts a transfer wherever it is (not yet seen, queued or running); a finished one is left alone.
    func cancel(_ transfer: CurlTransfer) {
        transfer.cancelRequested.store(true, ordering: .sequentiallyConsistent)
        let wake = inbox.withLock { inbox -> Bool in
            // After shutdown the engine has failed (or will fail) everything itself.
            guard !inbox.stopping else { return false }
            let wasEmpty = inbox.submitted.isEmpty && inbox.cancelled.isEmpty
            inbox.cancelled.append(transfer)
            return wasEmpty
        }
        if wake { multi.wakeup() }
    }

    /// Stops the engine thread; every queued and running transfer completes with `.cancelled`.
    func shutdown() {
        inbox.withLock { $0.stopping = true }
        multi.wakeup()
    }

    fileprivate func takeInbox() -> (submitted: [CurlTransfer], cancelled: [CurlTransfer], stopping: Bool) {
        inbox.withLock { inbox in
            defer {
                inbox.submitted.removeAll()
                inbox.cancelled.removeAll()
            }
            return (inbox.submitted, inbox.cancelled, inbox.stopping)
        }
    }

    fileprivate var multiHandle: CurlMultiHandle { multi }
    fileprivate var limits: (concurrent: Int, perHost: Int) { (maxConcurrent, maxPerHost) }
}

/// The engine thread's state: only ever touched from that thread.
private final class EngineLoop {
    private let engine: CurlMultiEngine
    private let multi: CurlMultiHandle
    private var running: [CurlEasyKey: CurlTransfer] = [:]
    private var runningByHost: [String: Int] = [:]
    private var waitingByHost: [String: HostQueue] = [:]
    /// Hosts with waiting transfers, oldest first (entries may be stale; skipped when their queue is empty).
    private var hostOrder: [String] = []
    private var waitingCount = 0

    private struct HostQueue {
        var items: [CurlTransfer] = []
        var head = 0
        var isEmpty: Bool { head >= items.count }
        mutating func popFirst() -> CurlTransfer? {
            guard head < items.count else { return nil }
            defer {
                head += 1
                if head > 64, head * 2 > items.count {
                    items.removeFirst(head)
                    head = 0
                }
            }
            return items[head]
        }
    }

    init(engine: CurlMultiEngine) {
        self.engine = engine
        multi = engine.multiHandle
    }

    func run() {
        while true {
            let inbox = engine.takeInbox()
            if inbox.stopping {
                for transfer in inbox.submitted { finish(transfer, .failure(Self.shutDown)) }
                stopAll()
                return
            }
            for transfer in inbox.submitted {
                if transfer.cancelRequested.load(ordering: .sequentiallyConsistent) {
                    finish(transfer, .failure(Self.cancelled(transfer)))
                } else {
                    enqueue(transfer)
                }
            }
            for transfer in inbox.cancelled { cancel(transfer) }
            startWaiting()
            // Adding a transfer sets libcurl's timer to "now", so the next run starts it at once.
            multi.run(waitingAtMost: 1000)
            // Finished transfers free their slots; the loop's next turn starts waiting ones.
            drainFinished()
        }
    }

    private static let shutDown = FetchError(code: .cancelled, message: "the fetcher has shut down")

    private static func cancelled(_ transfer: CurlTransfer) -> FetchError {
        FetchError(code: .cancelled, message: "fetch from \(transfer.target.hostForMessages) was cancelled")
    }

    private func enqueue(_ transfer: CurlTransfer) {
        transfer.phase = .queued
        let host = transfer.hostKey
        if waitingByHost[host]?.isEmpty ?? true { hostOrder.append(host) }
        waitingByHost[host, default: HostQueue()].items.append(transfer)
        waitingCount += 1
    }

    /// Starts waiting transfers while the global and per-host limits allow, oldest host first.
    private func startWaiting() {
        let limits = engine.limits
        guard waitingCount > 0, running.count < limits.concurrent else { return }
        var index = 0
        var keep: [String] = []
        while index < hostOrder.count, running.count < limits.concurrent {
            let host = hostOrder[index]
            index += 1
            guard var queue = waitingByHost[host] else { continue }
            while runningByHost[host, default: 0] < limits.perHost, running.count < limits.concurrent,
                let transfer = queue.popFirst()
            {
                guard transfer.phase == .queued else { continue }  // cancelled while waiting
                waitingCount -= 1
                start(transfer)
            }
            if queue.isEmpty {
                waitingByHost[host] = nil
            } else {
                waitingByHost[host] = queue
                keep.append(host)
            }
        }
        // Hosts still waiting go first next time, in their original order.
        hostOrder = keep + hostOrder[index...]
    }

    private func start(_ transfer: CurlTransfer) {
        let easy: CurlEasyHandle
        do {
            easy = try transfer.makeHandle()
        } catch {
            finish(transfer, .failure(error))
            return
        }
        guard multi.add(easy) else {
            finish(transfer, .failure(FetchError(code: .other, message: "libcurl could not start the transfer")))
            return
        }
        transfer.phase = .running
        running[easy.key] = transfer
        runningByHost[transfer.hostKey, default: 0] += 1
    }

    /// Takes a running transfer out of the multi handle; its easy handle stays for reading the outcome.
    private func stopRunning(_ transfer: CurlTransfer) {
        guard let easy = transfer.easy else { return }
        multi.remove(easy)
        running[easy.key] = nil
        let host = transfer.hostKey
        let count = runningByHost[host, default: 1] - 1
        runningByHost[host] = count > 0 ? count : nil
    }

    private func cancel(_ transfer: CurlTransfer) {
        switch transfer.phase {
        case .running:
            stopRunning(transfer)
            finish(transfer, .failure(Self.cancelled(transfer)))
        case .queued:
            // Left in its host queue; startWaiting skips it.
            waitingCount -= 1
            finish(transfer, .failure(Self.cancelled(transfer)))
        case .new, .done:
            break
        }
    }

    /// Completes every transfer libcurl reports as done.
    private func drainFinished() {
        while let (key, code) = multi.nextFinished() {
            guard let transfer = running[key] else { continue }
            stopRunning(transfer)
            finish(transfer, transfer.outcome(code))
        }
    }

    private func finish(_ transfer: CurlTransfer, _ outcome: Result<FetchResult, FetchError>) {
        transfer.complete(outcome)
    }

    private func stopAll() {
        for transfer in Array(running.values) {
            stopRunning(transfer)
            finish(transfer, .failure(Self.shutDown))
        }
        for host in hostOrder {
            guard var queue = waitingByHost[host] else { continue }
            while let transfer = queue.popFirst() {
                if transfer.phase == .queued { finish(transfer, .failure(Self.shutDown)) }
            }
            waitingByHost[host] = nil
        }
        waitingCount = 0
    }
}

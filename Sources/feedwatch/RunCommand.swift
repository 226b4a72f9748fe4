import ArgumentParser
import Dispatch
import Foundation
import FeedWatchDaemon

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the watcher: fetch, match and write digests on schedule.",
        discussion: """
            Without --once, runs until SIGTERM or SIGINT: each feed is fetched when its interval \
            has passed, new articles are matched against the topics, and the day's digest is \
            written at [digest] time. With --once, runs one full cycle (every feed, whatever its \
            schedule), updates today's digest with all pending matches, prints its path and exits. \
            Exit status 1 if the configuration is invalid or the database cannot be opened; a feed \
            that fails does not change the exit status (see `feedwatch status`).
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Run one cycle and exit.")
    var once = false

    func run() async throws {
        let runtime = try await options.runtime()
        if once {
            let report: FeedWatchRuntime.CycleReport
            do {
                report = try await runtime.runOnce()
            } catch {
                Terminal.error("feedwatch: cycle failed: \(error)")
                throw ExitCode(1)
            }
            print("fetched \(report.feeds.count) feeds (\(report.failedFeeds) failed): \(report.newArticles) new articles, \(report.newMatches) new matches")
            for feed in report.feeds where feed.error != nil {
                print("  \(feed.feed.displayName): \(feed.error ?? "")")
            }
            for file in report.digestFiles {
                print("digest: \(file.path)")
            }
            return
        }
        let task = Task { try await DaemonLoop(runtime: runtime).run() }
        let signals = SignalCanceller(signals: [SIGTERM, SIGINT]) { task.cancel() }
        defer { signals.stop() }
        let outcome = await task.result
        // Close the store (a PostgreSQL pool's connections) before reporting, whatever happened.
        await runtime.store.close()
        do {
            try outcome.get()
        } catch is CancellationError {
        } catch {
            Terminal.error("feedwatch: stopped: \(error)")
            throw ExitCode(1)
        }
    }
}

/// Turns SIGTERM/SIGINT into a call of `handler`, so the daemon stops between steps.
final class SignalCanceller {
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], handler: @escaping @Sendable () -> Void) {
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    func stop() { sources.forEach { $0.cancel() } }
}

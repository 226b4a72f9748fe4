import ArgumentParser
import Foundation
import FeedWatchDaemon
import FeedWatchModel

struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch feeds now and show what each returned.",
        discussion: """
            Fetches the named feeds (by URL or name; all configured feeds when none are named) \
            regardless of their schedule, stores and matches new articles exactly as the daemon \
            does, and prints a table: feed, HTTP status, bytes, time, new entries, error. The \
            digest is not written; `feedwatch digest` or the daemon does that.
            """)

    @OptionGroup var options: ConfigOptions

    @Argument(help: ArgumentHelp("Feeds to fetch, by URL or name.", valueName: "feed"))
    var feeds: [String] = []

    func run() async throws {
        let runtime = try await options.runtime()
        let stored = try await runtime.store.syncFeeds(runtime.configuration.feeds)
        var chosen = stored
        if !feeds.isEmpty {
            chosen = []
            for wanted in feeds {
                guard let feed = stored.first(where: { $0.url == wanted || $0.name == wanted || $0.title == wanted }) else {
                    Terminal.error("feedwatch fetch: no configured feed is called \(wanted)")
                    throw ExitCode(1)
                }
                chosen.append(feed)
            }
        }
        let progress = FetchProgress(total: chosen.count, interactive: Terminal.isInteractive)
        // The daemon's refresh loop, with its bounded window; every stored feed chosen here is configured.
        let scheduled = runtime.pipeline.schedule(chosen).scheduled
        let reports = await runtime.pipeline.refresh(scheduled, onReport: { report in progress.finished(report) })
        progress.done()
        let rows = reports.map { r in
            [r.feed.displayName, r.status.map(String.init) ?? "-", Terminal.bytes(r.bytes), Terminal.seconds(r.seconds),
             "\(r.newArticles)", r.error ?? ""]
        }
        print(Terminal.table(["FEED", "STATUS", "BYTES", "TIME", "NEW", "ERROR"], rows))
    }
}

/// A live progress line on a terminal; one plain line per finished feed otherwise.
final class FetchProgress: @unchecked Sendable {
    private let total: Int
    private let interactive: Bool
    private var done_ = 0
    private let lock = NSLock()

    init(total: Int, interactive: Bool) {
        self.total = total
        self.interactive = interactive
    }

    func finished(_ report: FeedRefreshReport) {
        lock.lock()
        defer { lock.unlock() }
        done_ += 1
        if interactive {
            FileHandle.standardError.write(Data("\r\u{1B}[K[\(done_)/\(total)] \(report.feed.displayName)".utf8))
        } else {
            let outcome = report.error.map { "error: \($0)" } ?? "ok, \(report.newArticles) new"
            FileHandle.standardError.write(Data("[\(done_)/\(total)] \(report.feed.displayName): \(outcome)\n".utf8))
        }
    }

    func done() {
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

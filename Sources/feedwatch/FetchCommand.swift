import ArgumentParser
import Foundation
import FeedWatchDaemon
import FeedWatchModel
import FeedWatchStore

struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch feeds now and show what each returned.",
        discussion: """
            Fetches the named feeds (by URL or name; all configured feeds when none are named) \
            regardless of their schedule, stores and matches new articles exactly as the daemon \
            does, and prints a table: feed, HTTP status, bytes, time, new entries, error. The \
            digest is not written; `feedwatch digest` or the daemon does that. --json prints one \
            object (schema: docs/schemas/fetch.json). Exit status 2 when a feed failed.
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Print the result as one JSON object.")
    var json = false

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
                    throw ExitStatus.usage.error
                }
                chosen.append(feed)
            }
        }
        let progress = FetchProgress(total: chosen.count, interactive: Terminal.stderrIsTerminal)
        // The daemon's refresh loop, with its bounded window; every stored feed chosen here is configured.
        let scheduled = runtime.pipeline.schedule(chosen).scheduled
        let reports = await runtime.pipeline.refresh(scheduled, onReport: { report in progress.finished(report) })
        progress.done()
        await runtime.store.close()
        if json {
            try Terminal.printJSON(["feeds": reports.map(Self.json), "failed": reports.filter { $0.error != nil }.count] as [String: Any])
        } else {
            let rows = reports.map { r in
                [r.feed.displayName, r.status.map(String.init) ?? "-", Terminal.bytes(r.bytes), Terminal.seconds(r.seconds),
                 "\(r.newArticles)", r.error.map { Terminal.paint($0, .red) } ?? ""]
            }
            print(Terminal.table(["FEED", "STATUS", "BYTES", "TIME", "NEW", "ERROR"], rows))
        }
        if reports.contains(where: { $0.error != nil }) { throw ExitStatus.feedsFailing.error }
    }

    /// One feed's refresh as JSON (`docs/schemas/fetch.json`, `run-once.json`).
    static func json(_ r: FeedRefreshReport) -> [String: Any] {
        var object: [String: Any] = [
            "name": r.feed.displayName, "url": LogRedaction.url(r.feed.url), "bytes": r.bytes, "seconds": r.seconds,
            "new_articles": r.newArticles, "new_matches": r.newMatches, "status": r.status.map { $0 as Any } ?? NSNull(),
            "error": r.error.map { $0 as Any } ?? NSNull(),
        ]
        if !r.warnings.isEmpty { object["warnings"] = r.warnings }
        return object
    }
}

/// Progress on standard error: a live line on a terminal (drawn only once a run has taken a
/// while, so quick runs stay quiet); one plain line per finished feed otherwise.
final class FetchProgress: @unchecked Sendable {
    private let total: Int
    private let interactive: Bool
    private let quiet: Bool
    private let started = Date()
    /// How long a run goes before a live line appears.
    static let delay: TimeInterval = 1
    private var done_ = 0
    private var drawn = false
    private let lock = NSLock()

    /// `quiet`: nothing unless on a terminal (run --once, whose summary says it all).
    init(total: Int, interactive: Bool, quiet: Bool = false) {
        self.total = total
        self.interactive = interactive
        self.quiet = quiet
    }

    func finished(_ report: FeedRefreshReport) {
        lock.lock()
        defer { lock.unlock() }
        done_ += 1
        if interactive {
            guard Date().timeIntervalSince(started) >= Self.delay else { return }
            drawn = true
            FileHandle.standardError.write(Data("\r\u{1B}[K[\(done_)/\(total)] \(report.feed.displayName)".utf8))
        } else if !quiet {
            let outcome = report.error.map { "error: \($0)" } ?? "ok, \(report.newArticles) new"
            FileHandle.standardError.write(Data("[\(done_)/\(total)] \(report.feed.displayName): \(outcome)\n".utf8))
        }
    }

    func done() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

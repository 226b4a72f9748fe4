import ArgumentParser
import Foundation
import FeedWatchDaemon
import FeedWatchDigest
import FeedWatchModel
import FeedWatchStore

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the watcher: fetch, match and write digests on schedule.",
        discussion: """
            Without --once, runs as a service until SIGTERM or SIGINT (graceful: running transfers \
            are aborted, open transactions finish, exit 0): each feed is fetched when its interval \
            has passed, new articles are matched against the topics, and the day's digest is \
            written at [digest] time. SIGHUP re-reads and validates the configuration and applies \
            it without a restart, or logs every problem and keeps the running configuration. \
            Under systemd (Type=notify) it reports READY=1, STATUS=, RELOADING=1, STOPPING=1 and \
            pings the watchdog while the pipeline loop is alive and the database answers. With --once, runs one full cycle (every feed, whatever its \
            schedule), updates today's digest with all pending matches, prints its path (none when nothing \
            changed since it was written) and exits; \
            progress is drawn on stderr when it is a terminal and the cycle takes a while; --json \
            prints one object (schema: docs/schemas/run-once.json). Exit status 1 if the \
            configuration is invalid, 4 if the database cannot be opened, 2 if --once finished \
            but a feed failed (see `feedwatch status`), 6 if the cycle or the service failed.
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Run one cycle and exit.")
    var once = false

    @Flag(help: "With --once: print the result as one JSON object.")
    var json = false

    func validate() throws {
        if json && !once { throw ValidationError("--json goes with --once") }
    }

    func run() async throws {
        if once {
            try await runOnce()
            return
        }
        // Started by a parent that blocked these signals (some process spawners do), the
        // daemon would never see them: unblock them before any handler is installed.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for number in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&unblock, number) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)

        let configuration = try options.load()
        let notifier = SystemdNotifier()
        let runtime: FeedWatchRuntime
        do {
            switch try await StoreStartup(configuration: configuration, logger: options.logger(), notifier: notifier).open() {
            case .opened(let opened):
                runtime = opened
            case .stopped:
                try? notifier?.send("STOPPING=1")
                return
            }
        } catch {
            if case .sqlite(let path) = configuration.storage.database, let denied = Permission.problem(path: path, writing: true) {
                Terminal.error("feedwatch: cannot open the database: \(denied)")
            } else {
                Terminal.error("feedwatch: cannot start: \(error)")
            }
            throw ExitStatus.database.error
        }
        do {
            try await DaemonRunner.run(runtime: runtime, configPath: options.config)
            // Close the store (a PostgreSQL pool's connections) before exiting.
            await runtime.store.close()
        } catch {
            await runtime.store.close()
            // One line on stderr: under systemd it is what `systemctl status` shows.
            Terminal.error("feedwatch: stopped: \(error)")
            throw ExitStatus.runtime.error
        }
    }

    private func runOnce() async throws {
        let runtime = try await options.runtime()
        let progress = FetchProgress(total: runtime.configuration.feeds.count, interactive: Terminal.stderrIsTerminal, quiet: true)
        let report: FeedWatchRuntime.CycleReport
        do {
            report = try await runtime.runOnce(onReport: { progress.finished($0) })
        } catch {
            progress.done()
            await runtime.store.close()
            Terminal.error("feedwatch: cycle failed: \(error)")
            throw ExitStatus.runtime.error
        }
        progress.done()
        await runtime.store.close()
        if json {
            try Terminal.printJSON([
                "feeds": report.feeds.map(FetchCommand.json), "failed": report.failedFeeds, "new_articles": report.newArticles,
                "new_matches": report.newMatches, "digest_files": report.digestFiles.map(\.path),
            ] as [String: Any])
        } else {
            print("fetched \(report.feeds.count) feeds (\(report.failedFeeds) failed): \(report.newArticles) new articles, \(report.newMatches) new matches")
            for feed in report.feeds where feed.error != nil {
                print("  \(feed.feed.displayName): \(Terminal.paint(feed.error ?? "", .red))")
            }
            for file in report.digestFiles {
                print("digest: \(file.path)")
            }
        }
        if report.failedFeeds > 0 { throw ExitStatus.feedsFailing.error }
    }
}

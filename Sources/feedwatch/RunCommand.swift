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
            changed since it was written) and exits. \
            Exit status 1 if the configuration is invalid or the database cannot be opened; a feed \
            that fails does not change the exit status (see `feedwatch status`).
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Run one cycle and exit.")
    var once = false

    func run() async throws {
        if once {
            let runtime = try await options.runtime()
            let report: FeedWatchRuntime.CycleReport
            do {
                report = try await runtime.runOnce()
            } catch {
                await runtime.store.close()
                Terminal.error("feedwatch: cycle failed: \(error)")
                throw ExitCode(1)
            }
            await runtime.store.close()
            print("fetched \(report.feeds.count) feeds (\(report.failedFeeds) failed): \(report.newArticles) new articles, \(report.newMatches) new matches")
            for feed in report.feeds where feed.error != nil {
                print("  \(feed.feed.displayName): \(feed.error ?? "")")
            }
            for file in report.digestFiles {
                print("digest: \(file.path)")
            }
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
            Terminal.error("feedwatch: cannot start: \(error)")
            throw ExitCode(1)
        }
        do {
            try await DaemonRunner.run(runtime: runtime, configPath: options.config)
            // Close the store (a PostgreSQL pool's connections) before exiting.
            await runtime.store.close()
        } catch {
            await runtime.store.close()
            // One line on stderr: under systemd it is what `systemctl status` shows.
            Terminal.error("feedwatch: stopped: \(error)")
            throw ExitCode(1)
        }
    }
}

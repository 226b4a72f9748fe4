import ArgumentParser
import Foundation
import FeedWatchDaemon
import FeedWatchModel

/// The `feedwatch` command line.
@main
struct FeedWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedwatch",
        abstract: "Watch RSS, Atom and JSON feeds for the topics you follow and write a daily digest.",
        discussion: """
            feedwatch fetches the feeds named in its configuration file, keeps the articles it has \
            not seen before, flags those that match your topics and writes a digest per day. \
            Run `feedwatch check` after editing the configuration, `feedwatch run --once` for one \
            cycle, and `feedwatch run` as a service.

            EXIT STATUS
            \(ExitStatus.table)

            `status --check` answers as a monitoring plugin instead (Nagios, Icinga): 0 OK, \
            1 WARNING, 2 CRITICAL, 3 UNKNOWN.

            ENVIRONMENT
              NO_COLOR   set and not empty: no colour, even on a terminal
              MALLOC_ARENA_MAX   glibc's malloc arenas; feedwatch uses the CPUs + 2 (at most 8) unless this is set
            """,
        version: FeedWatchVersion.current,
        groupedSubcommands: [
            CommandGroup(name: "Everyday", subcommands: [
                RunCommand.self, CheckCommand.self, StatusCommand.self, DigestCommand.self, FeedsCommand.self,
                TopicsCommand.self, DismissCommand.self, NotifyCommand.self,
            ]),
            CommandGroup(name: "Tools", subcommands: [
                FetchCommand.self, ParseCommand.self, MatchCommand.self, ExtractCommand.self, StoreCommand.self,
            ]),
        ]
    )

    /// Runs the command; a usage error (an unknown option, a bad value) exits with status 1 like
    /// every other configuration mistake, not ArgumentParser's 64.
    static func main() async {
        MallocArenas.limit()
        do {
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                let text = fullMessage(for: error)
                if !text.isEmpty { Terminal.error(text) }
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}

/// feedwatch's exit statuses: distinct for each kind of failure, so scripts and monitoring can
/// tell a configuration mistake from a failing feed or an unreachable database.
enum ExitStatus: Int32, CaseIterable {
    case ok = 0
    case usage = 1
    case feedsFailing = 2
    case remote = 3
    case database = 4
    case delivery = 5
    case runtime = 6

    var meaning: String {
        switch self {
        case .ok: "success"
        case .usage: "usage or configuration error: bad option, invalid file, unknown name"
        case .feedsFailing: "some feeds failed (fetch, run --once, status); the rest was done"
        case .remote: "a URL could not be used: HTTP error, unreachable, not a feed"
        case .database: "the database cannot be opened or read"
        case .delivery: "the notification was not delivered (notify test)"
        case .runtime: "the work failed: a cycle, a digest, the service"
        }
    }

    /// The table `--help` and feedwatch(1) show.
    static var table: String {
        allCases.map { "  \($0.rawValue)  \($0.meaning)" }.joined(separator: "\n")
    }

    /// Ends the command with this status.
    var error: ExitCode { ExitCode(rawValue) }
}

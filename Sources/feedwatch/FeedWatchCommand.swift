import ArgumentParser
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
            """,
        version: FeedWatchVersion.current,
        subcommands: [
            RunCommand.self, CheckCommand.self, FetchCommand.self, ParseCommand.self, MatchCommand.self,
            DigestCommand.self, FeedsCommand.self, TopicsCommand.self, StatusCommand.self, ExtractCommand.self,
            StoreCommand.self, DismissCommand.self,
        ]
    )
}

import ArgumentParser
import FeedWatchDaemon

struct FeedsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feeds",
        abstract: "Show the feeds feedwatch watches.",
        subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List configured feeds with their interval, tags and stored article count.")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let runtime = try await options.runtime()
            _ = try await runtime.store.syncFeeds(runtime.configuration.feeds)
            let statuses = try await runtime.store.feedStatuses()
            let sources = Dictionary(runtime.configuration.feeds.map { ($0.url, $0) }, uniquingKeysWith: { a, _ in a })
            let rows = statuses.map { s in
                [s.feed.displayName, s.feed.url,
                 sources[s.feed.url].map { runtime.configuration.interval(for: $0).description } ?? "-",
                 s.feed.tags.joined(separator: ","), "\(s.articleCount)"]
            }
            print(Terminal.table(["NAME", "URL", "INTERVAL", "TAGS", "ARTICLES"], rows))
        }
    }
}

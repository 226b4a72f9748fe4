import ArgumentParser
import Foundation
import FeedWatchDaemon
import FeedWatchModel
import FeedWatchStore

extension FeedsCommand {
    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enable",
            abstract: "Fetch a feed again that was disabled by 410 Gone or by `feeds disable`.",
            discussion: """
                Clears the stored reason the feed was disabled and its error count; it is due at \
                once, so the running daemon fetches it at its next cycle (no reload needed).
                """)

        @OptionGroup var options: ConfigOptions

        @Argument(help: ArgumentHelp("The feed's URL or name.", valueName: "feed"))
        var feed: String

        func run() async throws {
            try await FeedsCommand.changeState(of: feed, options: options, command: "enable") { state, _ in
                guard let reason = state.disabledReason else { return (nil, "is not disabled; nothing to do") }
                var changed = state
                changed.disabledReason = nil
                changed.errorCount = 0
                changed.nextCheck = nil
                changed.nextCheckReason = "enabled by hand"
                return (changed, "enabled (it was disabled: \(reason)); it is fetched at the next cycle")
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "disable",
            abstract: "Stop fetching a feed without removing it (undo with `feeds enable`).")

        @OptionGroup var options: ConfigOptions

        @Argument(help: ArgumentHelp("The feed's URL or name.", valueName: "feed"))
        var feed: String

        func run() async throws {
            try await FeedsCommand.changeState(of: feed, options: options, command: "disable") { state, now in
                if let reason = state.disabledReason { return (nil, "is already disabled: \(reason)") }
                var changed = state
                changed.disabledReason = "disabled by hand (feedwatch feeds disable) on \(Terminal.rfc3339(now))"
                changed.nextCheckReason = "disabled by hand"
                return (changed, "disabled; `feedwatch feeds enable` fetches it again")
            }
        }
    }

    /// Finds `wanted` (URL, name or title) among the stored feeds and saves what `change`
    /// makes of its state (nil: nothing to save); prints what happened.
    static func changeState(
        of wanted: String, options: ConfigOptions, command: String,
        _ change: (FetchState, Date) -> (FetchState?, String)
    ) async throws {
        let runtime = try await options.runtime()
        let statuses: [FeedStatus]
        do {
            statuses = try await runtime.store.feedStatuses()
        } catch {
            await runtime.store.close()
            Terminal.error("feedwatch feeds \(command): cannot read the feeds: \(error)")
            throw ExitStatus.database.error
        }
        guard let status = statuses.first(where: { $0.feed.url == wanted || $0.feed.name == wanted || $0.feed.title == wanted }) else {
            await runtime.store.close()
            let configured = runtime.configuration.feeds.contains { $0.url == wanted || $0.name == wanted }
            Terminal.error(configured
                ? "feedwatch feeds \(command): \(wanted) has never been fetched, so it is not disabled"
                : "feedwatch feeds \(command): no feed has url or name \(wanted)")
            throw ExitStatus.usage.error
        }
        let (changed, message) = change(status.state, Date())
        if let changed {
            do {
                try await runtime.store.saveFetchState(feedID: status.feed.id, changed)
            } catch {
                await runtime.store.close()
                Terminal.error("feedwatch feeds \(command): cannot save: \(error)")
                throw ExitStatus.database.error
            }
        }
        await runtime.store.close()
        print("\(status.feed.displayName): \(message)")
    }
}

import ArgumentParser
import Foundation
import FeedWatchDaemon
import FeedWatchModel
import FeedWatchStore

/// `feedwatch dismiss ID`: stop showing a story that keeps coming back.
struct DismissCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dismiss",
        abstract: "Stop showing a story in future digests and alerts of a topic.",
        discussion: """
            ID is the id every digest format shows beside a story (\"id 1234\"): an article's id or \
            its story's (a story's id is the id of its first article). The whole story is dismissed, \
            including reports of it that arrive later, from the digests and alerts made from now \
            on; digests already made stay as they were. Without --topic it is dismissed from every \
            topic. `feedwatch topics test TOPIC` lists what was dismissed.
            """)

    @OptionGroup var options: ConfigOptions

    @Argument(help: ArgumentHelp("The article or story id shown in the digest.", valueName: "id"))
    var id: Int64

    @Option(help: ArgumentHelp("Only from this topic's digests and alerts (its id).", valueName: "topic"))
    var topic: String?

    func run() async throws {
        let configuration = try options.load()
        if let topic, !configuration.topics.contains(where: { $0.id == topic }) {
            Terminal.error("feedwatch dismiss: no topic has id \(topic) (configured: \(configuration.topics.map(\.id).joined(separator: ", ")))")
            throw ExitCode(1)
        }
        let runtime = try await options.runtime(.readWrite)
        guard let dismissal = try await runtime.store.dismiss(articleID: id, topicID: topic ?? Dismissal.everyTopic, at: Date()) else {
            Terminal.error("feedwatch dismiss: no stored article has id \(id)")
            throw ExitCode(1)
        }
        let scope = dismissal.topicID == Dismissal.everyTopic ? "every topic" : "topic \(dismissal.topicID)"
        print("dismissed story \(dismissal.storyID) (\(dismissal.title)) from \(scope) since \(Terminal.rfc3339(dismissal.created))")
    }
}

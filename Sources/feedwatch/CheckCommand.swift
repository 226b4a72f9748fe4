import ArgumentParser
import Foundation
import FeedWatchDaemon

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration file and report every problem.",
        discussion: """
            Reads the configuration and checks everything the daemon would: unknown keys, URLs, \
            durations, the time zone, duplicate ids and topic queries. Each problem is printed on \
            its own line as `FILE: key.path: what is wrong` and the exit status is 1. Warnings \
            (valid, but probably not meant, e.g. a topic with no word an article must contain) \
            are printed as `FILE: warning: key.path: what` and do not fail the check. Nothing is \
            fetched or written.
            """)

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let config = try options.load()
        // Valid, but probably not what the user meant: said on stderr, and the check passes.
        for line in config.warningLines {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        print("\(config.path): OK: \(config.feeds.count) feeds, \(config.topics.count) topics, database \(config.storage.database), digests in \(config.digest.directory)")
    }
}

import ArgumentParser
import Foundation
import FeedWatchDaemon

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration file and report every problem.",
        discussion: """
            Reads the configuration and checks everything the daemon would: unknown keys, URLs, \
            durations, the time zone, duplicate ids, topic queries, notifier formats, their topics \
            and title templates. Each problem is printed on its own line as `FILE: key.path: what \
            is wrong` and the exit status is 1. Warnings (valid, but probably not meant, e.g. a \
            topic with no word an article must contain) are printed as `FILE: warning: key.path: \
            what` and do not fail the check. --json prints one object instead (schema: \
            docs/schemas/check.json). Nothing is fetched or written.
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func run() throws {
        guard json else {
            let config = try options.load()
            // Valid, but probably not what the user meant: said on stderr, and the check passes.
            for line in config.warningLines {
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            print("\(config.path): OK: \(config.feeds.count) feeds, \(config.topics.count) topics, database \(config.storage.database), digests in \(config.digest.directory)")
            return
        }
        func problems(_ list: [ConfigurationProblem]) -> [[String: Any]] {
            list.map { ["key": $0.keyPath, "message": $0.message] }
        }
        if let denied = Permission.problem(path: options.config, writing: false) {
            try Terminal.printJSON([
                "path": options.config, "valid": false, "problems": [["key": "", "message": denied]], "warnings": [[String: Any]](),
            ] as [String: Any])
            throw ExitStatus.usage.error
        }
        let loaded: Result<FeedWatchConfiguration, ConfigurationError>
        do {
            loaded = .success(try ConfigurationLoader.load(path: options.config))
        } catch {
            loaded = .failure(error)
        }
        switch loaded {
        case .success(let config):
            try Terminal.printJSON([
                "path": config.path, "valid": true, "problems": [[String: Any]](), "warnings": problems(config.warnings),
                "feeds": config.feeds.count, "topics": config.topics.count, "notifiers": config.digest.notifiers.count,
                "database": "\(config.storage.database)", "digest_directory": config.digest.directory,
            ] as [String: Any])
        case .failure(let error):
            try Terminal.printJSON(["path": error.file, "valid": false, "problems": problems(error.problems), "warnings": [[String: Any]]()] as [String: Any])
            throw ExitStatus.usage.error
        }
    }
}

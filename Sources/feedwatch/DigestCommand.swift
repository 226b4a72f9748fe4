import ArgumentParser
import Foundation
import FeedWatchDaemon

struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Write today's digest now, or print or rewrite a stored one.",
        discussion: """
            Without --date: collects every match not yet in a digest into today's digest (in the \
            [digest] time zone) and writes it in the configured formats, as the daemon does at \
            [digest] time. With --date: renders the stored digest of that day again, byte for \
            byte what was written then. --stdout prints instead of writing files.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(help: ArgumentHelp("The day of a stored digest.", valueName: "YYYY-MM-DD"))
    var date: String?

    @Option(help: ArgumentHelp("md (Markdown).", valueName: "format"))
    var format: String = "md"

    @Flag(help: "Print the digest instead of writing files.")
    var stdout = false

    func run() async throws {
        let runtime = try await options.runtime()
        let chosen: DigestFormat
        switch format {
        case "md", "markdown": chosen = .markdown
        default:
            Terminal.error("feedwatch digest: unknown format \(format) (available: md)")
            throw ExitCode(1)
        }
        var day = date
        if day == nil {
            let now = Date()
            day = runtime.publisher.clock.day(of: now)
            _ = try await runtime.store.collectDigest(day: day!, timeZone: runtime.configuration.digest.timeZone, now: now)
        }
        guard let day else { return }
        if stdout {
            guard let text = try await runtime.publisher.render(day: day, format: chosen) else {
                Terminal.error("feedwatch digest: there is no digest for \(day)")
                throw ExitCode(1)
            }
            print(text, terminator: "")
            return
        }
        let outputs = try await runtime.publisher.write(day: day)
        guard !outputs.isEmpty else {
            Terminal.error("feedwatch digest: there is no digest for \(day)")
            throw ExitCode(1)
        }
        for output in outputs { print(output.path) }
    }
}

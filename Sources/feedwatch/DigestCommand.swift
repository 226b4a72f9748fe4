import ArgumentParser
import Foundation
import FeedWatchDaemon

struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Write today's digest now, or print or rewrite a stored one.",
        discussion: """
            Without --date: collects every match not yet in a digest into today's digest (in the \
            [digest] time zone), writes it in the configured formats, queues its deliveries and \
            sends the deliveries that are due, as the daemon does at [digest] time. With --date: \
            renders the stored digest of that day again, byte for byte what was written then \
            (for atom: the feed as it was when that digest was the newest). --stdout prints \
            instead of writing files; --format picks one format (md, html, json, atom).
            """)

    @OptionGroup var options: ConfigOptions

    @Option(help: ArgumentHelp("The day of a stored digest.", valueName: "YYYY-MM-DD"))
    var date: String?

    @Option(help: ArgumentHelp("md, html, json or atom (default: md with --stdout, else the configured formats).", valueName: "format"))
    var format: String?

    @Flag(help: "Print the digest instead of writing files.")
    var stdout = false

    func run() async throws {
        let runtime = try options.runtime()
        var chosen: DigestFormat?
        if let format {
            switch format {
            case "md", "markdown": chosen = .markdown
            case "html": chosen = .html
            case "json": chosen = .json
            case "atom": chosen = .atom
            default:
                Terminal.error("feedwatch digest: unknown format \(format) (available: md, html, json, atom)")
                throw ExitCode(1)
            }
        }
        if let date, !Self.isDay(date) {
            Terminal.error("feedwatch digest: --date \(date) is not a day (write YYYY-MM-DD)")
            throw ExitCode(1)
        }
        let day: String
        var published: [DigestPublisher.Output]?
        if let date {
            day = date
        } else {
            let now = Date()
            day = runtime.publisher.clock.day(of: now)
            // Today's digest is published (files, outbox) before anything is printed, so
            // printing never shows something the schedule would not have sent.
            published = try await runtime.publisher.publish(day: day, now: now)
            try await DigestService(runtime: runtime).sendDueDeliveries(now: now)
        }
        if stdout || chosen != nil {
            let format = chosen ?? .markdown
            let written = stdout
                ? try await runtime.publisher.render(day: day, format: format)
                : try await runtime.publisher.write(day: day, format: format)
            guard let written else {
                Terminal.error("feedwatch digest: there is no digest for \(day)")
                throw ExitCode(1)
            }
            print(written, terminator: stdout ? "" : "\n")
            return
        }
        if let published {
            if published.isEmpty { print("nothing matched since the last digest; no files written (skip_empty)") }
            for output in published { print(output.path) }
            return
        }
        let outputs = try await runtime.publisher.write(day: day)
        guard !outputs.isEmpty else {
            Terminal.error("feedwatch digest: there is no digest for \(day)")
            throw ExitCode(1)
        }
        for output in outputs { print(output.path) }
    }

    static func isDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0].count == 4 && parts[1].count == 2 && parts[2].count == 2 && parts.allSatisfy { $0.allSatisfy(\.isNumber) }
    }
}

import ArgumentParser
import Foundation
import FeedWatchDaemon
import FeedWatchDigest

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
            instead of writing files; --format picks one format (\(DigestFormat.allValueStrings.joined(separator: ", "))).
            """)

    @OptionGroup var options: ConfigOptions

    @Option(help: ArgumentHelp("The day of a stored digest.", valueName: "YYYY-MM-DD"))
    var date: String?

    // ArgumentParser lists the values (`DigestFormat.allValueStrings`) after this help.
    @Option(help: ArgumentHelp("The format to print or write (default: md with --stdout, else the configured formats).", valueName: "format"))
    var format: DigestFormat?

    @Flag(help: "Print the digest instead of writing files.")
    var stdout = false

    func run() async throws {
        let runtime = try await options.runtime()
        do {
            try await run(runtime)
        } catch let error as ExitCode {
            throw error
        } catch {
            Terminal.error("feedwatch digest: \(error)")
            throw ExitStatus.runtime.error
        }
    }

    private func run(_ runtime: FeedWatchRuntime) async throws {
        let chosen = format
        if let date, !Self.isDay(date) {
            Terminal.error("feedwatch digest: --date \(date) is not a day (write YYYY-MM-DD)")
            throw ExitCode(1)
        }
        guard let date else {
            let now = Date()
            let day = runtime.publisher.clock.day(of: now)
            // Today's digest is published (files, outbox) before anything is printed, so
            // printing never shows something the schedule would not have sent.
            let published = try await runtime.publisher.publish(day: day, now: now)
            try await DigestService(runtime: runtime).sendDueDeliveries(now: now)
            if stdout || chosen != nil {
                try await emit(day: day, format: chosen ?? .markdown, runtime: runtime)
                return
            }
            if published.isEmpty { print("nothing matched since the last digest; no files written (skip_empty)") }
            for output in published { print(output.path) }
            return
        }
        if stdout || chosen != nil {
            try await emit(day: date, format: chosen ?? .markdown, runtime: runtime)
            return
        }
        let outputs = try await runtime.publisher.write(day: date)
        guard !outputs.isEmpty else {
            Terminal.error("feedwatch digest: there is no digest for \(date)")
            throw ExitCode(1)
        }
        for output in outputs { print(output.path) }
    }

    /// Prints (`--stdout`) or writes one format of the stored digest of `day`.
    private func emit(day: String, format: DigestFormat, runtime: FeedWatchRuntime) async throws {
        let written: String?
        if stdout {
            written = try await runtime.publisher.render(day: day, format: format)
        } else {
            written = try await runtime.publisher.write(day: day, format: format)
        }
        guard let written else {
            Terminal.error("feedwatch digest: there is no digest for \(day)")
            throw ExitCode(1)
        }
        print(written, terminator: stdout ? "" : "\n")
    }

    static func isDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0].count == 4 && parts[1].count == 2 && parts[2].count == 2 && parts.allSatisfy { $0.allSatisfy(\.isNumber) }
    }
}

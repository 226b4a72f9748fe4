import ArgumentParser
import Foundation
import FeedWatchDaemon
import FeedWatchDigest
import FeedWatchModel

struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "List the notifiers, or send a test message through one.",
        subcommands: [List.self, Test.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the configured notifiers: kind, events, topics.")

        @OptionGroup var options: ConfigOptions

        func run() throws {
            let configuration = try options.load()
            let rows = configuration.digest.notifiers.map { n in
                [n.name, NotifyCommand.describe(n.transport), n.events.map(\.rawValue).sorted().joined(separator: ","),
                 n.topics?.joined(separator: ",") ?? "all", n.title?.description ?? "-"]
            }
            print(Terminal.table(["NAME", "SENDS TO", "EVENTS", "TOPICS", "TITLE"], rows))
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Send a clearly marked test message through one notifier and show what the server answered.",
            discussion: """
                Sends through the real channel, with the notifier's own format, title template, \
                credentials and timeout: the subject starts with [feedwatch test], headers and \
                FEEDWATCH_EVENT say `test`, and it holds one sample story. Nothing is stored or \
                queued. Prints the answer (HTTP status and the start of the body, the SMTP \
                reply, the command's exit status); exit status 5 when it was not delivered.
                """)

        @OptionGroup var options: ConfigOptions

        @Argument(help: ArgumentHelp("The notifier's name ([[notify]] name).", valueName: "name"))
        var name: String

        func run() async throws {
            let configuration = try options.load()
            guard let notifier = configuration.digest.notifiers.first(where: { $0.name == name }) else {
                let names = configuration.digest.notifiers.map(\.name)
                Terminal.error("feedwatch notify test: no notifier is called \(name) (configured: \(names.isEmpty ? "none" : names.joined(separator: ", ")))")
                throw ExitStatus.usage.error
            }
            let host = ProcessInfo.processInfo.hostName
            let now = Date()
            var message = FeedWatchDigest.Notification.test(notifier: name, host: host, at: now)
            if let template = notifier.title {
                // The template with sample values, so the test shows the subject it makes.
                let day = DigestClock(timeZoneIdentifier: configuration.digest.timeZone)?.day(of: now) ?? ""
                message.subject = "[feedwatch test] " + template.render(topic: "test", count: 1, date: day, title: message.content.items[0].title)
                message.content.title = message.subject
            }
            print("sending a test message through \(name) (\(NotifyCommand.describe(notifier.transport)))")
            switch await notifier.transport.sendReporting(message, timeout: notifier.timeout.timeInterval) {
            case .success(let answer):
                print("\(name): delivered; the server answered: \(answer)")
            case .failure(let error):
                Terminal.error("feedwatch notify test: \(name): not delivered: \(error.message)")
                throw ExitStatus.delivery.error
            }
        }
    }

    /// Where a notifier sends, without credentials: "slack webhook on hooks.slack.com".
    static func describe(_ transport: NotifierTransport) -> String {
        func host(_ url: String) -> String { URLComponents(string: url)?.host ?? "?" }
        switch transport {
        case .smtp(let s): return "email via \(host(s.url)) to \(s.to.joined(separator: ", "))"
        case .sendmail(let s): return "email via \(s.path) to \(s.to.joined(separator: ", "))"
        case .webhook(let s): return "\(s.format.rawValue) webhook on \(host(s.url))" + (s.target.map { " (\($0))" } ?? "")
        case .command(let s): return "command \(s.path)"
        }
    }
}

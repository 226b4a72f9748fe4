import ArgumentParser
import Foundation
import FeedWatchDaemon
import FeedWatchStore
import Logging

struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Manage the database: move an installation from SQLite to PostgreSQL.",
        subcommands: [Copy.self])

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copy",
            abstract: "Copy feeds, fetch state, articles, matches and digests from SQLite into PostgreSQL.",
            discussion: """
                Reads the SQLite database (never changing it) and writes everything into an empty \
                PostgreSQL database, renumbering ids, in one transaction: the copy lands completely \
                or not at all, so a failed copy can be run again. A target that already holds data \
                is refused. Stop the daemon first so nothing changes during the copy, then point \
                [storage] database at the PostgreSQL URL. The password comes from the URL, \
                --password-file or $PGPASSWORD and is never printed.
                """)

        @Option(help: ArgumentHelp("The SQLite database to copy from.", valueName: "sqlite:PATH"))
        var from: String

        @Option(help: ArgumentHelp("The PostgreSQL database to copy into.", valueName: "postgres://USER@HOST:PORT/DB"))
        var to: String

        @Option(help: ArgumentHelp("A file whose first line is the PostgreSQL password.", valueName: "path"))
        var passwordFile: String?

        @Option(help: "Rows per round trip (1–100000).")
        var batchSize: Int = 1000

        @Option(help: "Seconds one statement may take on the server.")
        var statementTimeout: Int = 600

        func validate() throws {
            guard from.hasPrefix("sqlite:"), from.count > "sqlite:".count else {
                throw ValidationError("--from must be sqlite:PATH")
            }
            guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 100000") }
            guard statementTimeout >= 1 else { throw ValidationError("--statement-timeout must be at least 1") }
        }

        func run() async throws {
            let path = String(from.dropFirst("sqlite:".count))
            guard FileManager.default.fileExists(atPath: path) else {
                Terminal.error("feedwatch: store copy: \(path): no such file")
                throw ExitCode(1)
            }
            var target: PostgresStore.Configuration
            do {
                target = try PostgresStore.Configuration(url: to)
            } catch {
                Terminal.error("feedwatch: store copy: --to: \(error.message)")
                throw ExitCode(1)
            }
            if target.password == nil, let passwordFile {
                guard let data = FileManager.default.contents(atPath: passwordFile) else {
                    Terminal.error("feedwatch: store copy: cannot read the password file \(passwordFile)")
                    throw ExitCode(1)
                }
                target.password = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init)
            }
            if target.password == nil, let password = ProcessInfo.processInfo.environment["PGPASSWORD"], !password.isEmpty {
                target.password = password
            }
            target.operationTimeout = TimeInterval(statementTimeout)
            do {
                let source = try SQLiteStore(path: path, access: .readOnly)
                let store = try await PostgresStore.open(target, logger: options.logger())
                let report: StoreCopier.Report
                do {
                    report = try await StoreCopier(source: source, target: store, batchSize: batchSize).copy { line in
                        print("  \(line)")
                    }
                } catch {
                    await store.close()
                    throw error
                }
                await store.close()
                print("copied \(report.feeds) feeds, \(report.articles) articles, \(report.matches) matches, "
                    + "\(report.digests) digests, \(report.deliveries) deliveries from \(path) to \(target)")
            } catch {
                Terminal.error("feedwatch: store copy failed: \(error)")
                throw ExitStatus.runtime.error
            }
        }

        @OptionGroup var options: LogOptions
    }
}

/// Only the log level, for commands that read no configuration.
struct LogOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: String = "warning"

    func logger() -> Logger {
        let level = Logger.Level(rawValue: logLevel.lowercased()) ?? .warning
        return Logger(label: "feedwatch") { name in FeedWatchLogHandler(label: name, level: level) }
    }
}

import ArgumentParser
import Foundation
import FeedWatchDaemon
import FeedWatchStore
import Logging

/// Options every command that reads the configuration takes.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("The configuration file.", valueName: "path"))
    var config: String = ConfigurationLoader.defaultPath

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel.lowercased()) != nil else {
            throw ValidationError("unknown log level \"\(logLevel)\" (use trace, debug, info, notice, warning, error or critical)")
        }
    }

    /// Loads and validates the configuration, or prints every problem and exits with status 1.
    func load() throws -> FeedWatchConfiguration {
        do {
            return try ConfigurationLoader.load(path: config)
        } catch {
            Terminal.error(error.description)
            throw ExitCode(1)
        }
    }

    /// The `[fetch]` settings for a command that fetches: the configuration's, so `proxy`,
    /// `user_agent`, timeouts and caps apply to every request feedwatch makes; the defaults
    /// when there is no file at the default path (trying a feed before configuring anything).
    static func fetchConfiguration(path: String) throws -> FetchConfiguration {
        if path == ConfigurationLoader.defaultPath, !FileManager.default.fileExists(atPath: path) { return FetchConfiguration() }
        do {
            return try ConfigurationLoader.load(path: path).fetch
        } catch {
            Terminal.error(error.description)
            throw ExitCode(1)
        }
    }

    func logger(label: String = "feedwatch") -> Logger {
        let level = Logger.Level(rawValue: logLevel.lowercased()) ?? .info
        return Logger(label: label) { name in FeedWatchLogHandler(label: name, level: level) }
    }

    /// Loads the configuration and opens the store; failures print one clear message. Commands
    /// that only report open it `.readOnly`: they create, migrate and write nothing.
    func runtime(_ access: StoreAccess = .readWrite) async throws -> FeedWatchRuntime {
        let configuration = try load()
        do {
            return try await FeedWatchRuntime.open(configuration: configuration, access: access, logger: logger())
        } catch {
            Terminal.error("feedwatch: cannot start: \(error)")
            throw ExitCode(1)
        }
    }
}

/// Output helpers: results go to standard output, problems to standard error.
enum Terminal {
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static var isInteractive: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Left-aligned columns, widths from the content, two spaces apart.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    static func seconds(_ s: Double) -> String { String(format: "%.2fs", s) }

    static func bytes(_ n: Int) -> String {
        if n >= 1 << 20 { return String(format: "%.1f MiB", Double(n) / Double(1 << 20)) }
        if n >= 1 << 10 { return String(format: "%.1f KiB", Double(n) / Double(1 << 10)) }
        return "\(n) B"
    }

    /// RFC 3339 in UTC, as every machine-readable output writes dates.
    static func rfc3339(_ date: Date?) -> String {
        guard let date else { return "-" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

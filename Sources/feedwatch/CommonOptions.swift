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
        FileHandle.standardError.write(Data((safe(text) + "\n").utf8))
    }

    static var isInteractive: Bool { isatty(STDOUT_FILENO) == 1 }

    /// `text` with every control character (C0 but line feed and tab, DEL, C1) written as
    /// `\x1B`-style escapes: feed text and URLs must not drive the terminal (ESC sequences can
    /// retitle it, hide lines or fake output). `keepLineBreaks` false escapes `\n` and `\t` too.
    static func safe(_ text: String, keepLineBreaks: Bool = true) -> String {
        func unsafe(_ scalar: Unicode.Scalar) -> Bool {
            let value = scalar.value
            if keepLineBreaks, value == 0x0A || value == 0x09 { return false }
            return value < 0x20 || (0x7F...0x9F).contains(value)
        }
        guard text.unicodeScalars.contains(where: unsafe) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if unsafe(scalar) {
                out.append(contentsOf: "\\x".unicodeScalars)
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out.append(contentsOf: (hex.count < 2 ? "0" + hex : hex).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

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

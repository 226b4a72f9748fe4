import ArgumentParser
import Foundation
import FeedWatchDaemon
import FeedWatchModel
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
        try Self.load(path: config)
    }

    /// Loads the configuration at `path`; an unreadable file says which path refused and why.
    static func load(path: String) throws -> FeedWatchConfiguration {
        if let denied = Permission.problem(path: path, writing: false) {
            Terminal.error("feedwatch: cannot read the configuration: \(denied)")
            throw ExitStatus.usage.error
        }
        do {
            return try ConfigurationLoader.load(path: path)
        } catch {
            Terminal.error(error.description)
            throw ExitStatus.usage.error
        }
    }

    /// The `[fetch]` settings for a command that fetches: the configuration's, so `proxy`,
    /// `user_agent`, timeouts and caps apply to every request feedwatch makes; the defaults
    /// when there is no file at the default path (trying a feed before configuring anything).
    static func fetchConfiguration(path: String) throws -> FetchConfiguration {
        if path == ConfigurationLoader.defaultPath, !FileManager.default.fileExists(atPath: path) { return FetchConfiguration() }
        return try load(path: path).fetch
    }

    func logger(label: String = "feedwatch") -> Logger {
        let level = Logger.Level(rawValue: logLevel.lowercased()) ?? .info
        return Logger(label: label) { name in FeedWatchLogHandler(label: name, level: level) }
    }

    /// Loads the configuration and opens the store; failures print one clear message and exit
    /// with status 4 (database). Commands that only report open it `.readOnly`: they create,
    /// migrate and write nothing.
    func runtime(_ access: StoreAccess = .readWrite) async throws -> FeedWatchRuntime {
        let configuration = try load()
        do {
            return try await FeedWatchRuntime.open(configuration: configuration, access: access, logger: logger())
        } catch {
            if case .sqlite(let path) = configuration.storage.database,
               let denied = Permission.problem(path: path, writing: access == .readWrite) {
                Terminal.error("feedwatch: cannot open the database: \(denied)")
            } else {
                Terminal.error("feedwatch: cannot start: \(error)")
            }
            throw ExitStatus.database.error
        }
    }
}

/// Output helpers: results go to standard output, problems to standard error.
enum Terminal {
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((safe(text) + "\n").utf8))
    }

    /// Standard output is a terminal (tables get colour and local times).
    static var isInteractive: Bool { isatty(STDOUT_FILENO) == 1 }

    /// `text` with every control character (C0 but line feed and tab, DEL, C1) written as
    /// `\x1B`-style escapes: feed text and URLs must not drive the terminal (ESC sequences can
    /// retitle it, hide lines or fake output). `keepLineBreaks` false escapes `\n` and `\t` too.
    static func safe(_ text: String, keepLineBreaks: Bool = true) -> String {
        ControlText.escaped(text, keeping: keepLineBreaks ? .lines : [], passing: Colour.sequences)
    }

    /// Standard error is a terminal: progress may be drawn there.
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Colour only on a terminal, never with `NO_COLOR` set (no-color.org) or `TERM=dumb`.
    static func useColour(environment: [String: String] = ProcessInfo.processInfo.environment, terminal: Bool = Terminal.isInteractive) -> Bool {
        guard terminal else { return false }
        if let value = environment["NO_COLOR"], !value.isEmpty { return false }
        return environment["TERM"] != "dumb"
    }

    enum Colour: String, CaseIterable {
        case red = "31", green = "32", yellow = "33", dim = "2"

        /// Every sequence `paint` writes, as `safe` lets them through.
        static let sequences: [String.UnicodeScalarView] =
            (allCases.map { "\u{1B}[\($0.rawValue)m" } + ["\u{1B}[0m"]).map(\.unicodeScalars)
    }

    /// `text` in `colour` when colour is on.
    static func paint(_ text: String, _ colour: Colour, enabled: Bool = Terminal.useColour()) -> String {
        enabled ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// Left-aligned columns, widths from the visible content (colour codes do not count), two
    /// spaces apart.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(visibleWidth)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], visibleWidth(cell)) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell + String(repeating: " ", count: max(0, widths[i] - visibleWidth(cell)))
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// Characters shown, without ANSI colour sequences.
    static func visibleWidth(_ text: String) -> Int {
        var count = 0
        var inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape {
                if scalar == "m" { inEscape = false }
            } else if scalar == "\u{1B}" {
                inEscape = true
            } else {
                count += 1
            }
        }
        return count
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

    /// A time for a table: `YYYY-MM-DD HH:MM` in `timeZone` and how long ago or ahead it is
    /// ("2026-12-04 09:30 (3 min ago)").
    static func when(_ date: Date?, timeZone: TimeZone, now: Date = Date()) -> String {
        guard let date else { return "-" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return "\(formatter.string(from: date)) (\(age(of: date, now: now)))"
    }

    /// "just now", "3 min ago", "in 2 h", "5 d ago".
    static func age(of date: Date, now: Date = Date()) -> String {
        let seconds = date.timeIntervalSince(now)
        let span = abs(seconds)
        if span < 60 { return "just now" }
        let amount: String
        if span < 3600 {
            amount = "\(Int(span / 60)) min"
        } else if span < 86_400 {
            amount = "\(Int(span / 3600)) h"
        } else {
            amount = "\(Int(span / 86_400)) d"
        }
        return seconds < 0 ? "\(amount) ago" : "in \(amount)"
    }

    /// The configured time zone (`[digest] timezone`), or UTC if it is unknown.
    static func timeZone(_ configuration: FeedWatchConfiguration) -> TimeZone {
        TimeZone(identifier: configuration.digest.timeZone) ?? TimeZone(identifier: "UTC")!
    }

    /// Prints `object` as one pretty JSON document with sorted keys.
    static func printJSON(_ object: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// Says which path refused access and the likely cause, in place of a bare "permission denied".
enum Permission {
    /// Nil when `path` can be read (or written), or does not exist; otherwise the refusing
    /// path (the file, or the directory that cannot be entered), its owner and mode, and what
    /// to do about it.
    static func problem(path: String, writing: Bool) -> String? {
        if access(path, writing ? W_OK : R_OK) == 0 { return nil }
        let reason = errno
        if reason == ENOENT {
            // A new file: its directory must be writable.
            let directory = (path as NSString).deletingLastPathComponent
            guard writing, !directory.isEmpty, access(directory, F_OK) == 0, access(directory, W_OK | X_OK) != 0 else { return nil }
            return describe(directory, what: "cannot create files in")
        }
        guard reason == EACCES || reason == EPERM || reason == EROFS else { return nil }
        if reason == EROFS { return "\(path): the file system is read-only" }
        // The first directory on the way that cannot be entered, else the file itself.
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/").dropLast() {
            prefix += "/" + component
            if access(prefix, X_OK) != 0 { return describe(prefix, what: "cannot enter") }
        }
        return describe(path, what: writing ? "cannot write" : "cannot read")
    }

    private static func describe(_ path: String, what: String) -> String {
        var detail = ""
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path) {
            let owner = attributes[.ownerAccountName] as? String ?? "?"
            let group = attributes[.groupOwnerAccountName] as? String ?? "?"
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
            detail = " (owner \(owner), group \(group), mode \(String(mode, radix: 8)))"
        }
        let user = getpwuid(geteuid()).flatMap { $0.pointee.pw_name }.map { " (you are \(String(cString: $0)))" } ?? ""
        return "\(path): permission denied, \(what) it\(detail)\(user). feedwatch's configuration and state "
            + "belong to root and the group feedwatch: run the command with sudo, or join the group feedwatch."
    }
}

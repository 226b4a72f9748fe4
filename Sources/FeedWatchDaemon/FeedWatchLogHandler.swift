public import Foundation
import FeedWatchModel
public import Logging

/// Writes log lines to standard error. Under systemd (`JOURNAL_STREAM` set) each line starts
/// with a `<N>` syslog priority and carries no timestamp, because the journal adds its own;
/// elsewhere lines carry an ISO 8601 time and the level in words.
public struct FeedWatchLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let journal: Bool

    public init(label: String, level: Logger.Level, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.label = label
        self.logLevel = level
        self.journal = environment["JOURNAL_STREAM"] != nil
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line = ""
        if journal {
            line = "<\(Self.syslogPriority(event.level))>"
        } else {
            line = Self.timestamp() + " " + event.level.rawValue.uppercased() + " "
        }
        // One event, one line: a newline inside a message would start a journal entry
        // without a priority (and split one error into several in any log).
        line += "\(event.message)".replacingOccurrences(of: "\n", with: "\\n")
        for key in merged.keys.sorted() {
            line += " \(key)=\(Self.quoted("\(merged[key]!)"))"
        }
        line = Self.escapingControls(line) + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Control characters left in a line (C0, DEL and C1: a feed's text quoted in an error can
    /// carry a CSI) as `\u009b`-style escapes: a log read in a terminal must not drive it.
    static func escapingControls(_ line: String) -> String {
        func isControl(_ scalar: Unicode.Scalar) -> Bool { scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) }
        guard line.unicodeScalars.contains(where: isControl) else { return line }
        var out = ""
        for scalar in line.unicodeScalars {
            if isControl(scalar) {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Values with spaces or quotes are quoted so lines stay machine-readable.
    static func quoted(_ value: String) -> String {
        guard value.containsControlCharacters || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) || value.isEmpty
        else { return value }
        // JSON string escaping: quotes, backslashes and every control character (CR and LF
        // included), so one event stays one line.
        return JSONText.quoted(value)
    }

    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var t = time_t(now.tv_sec)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}

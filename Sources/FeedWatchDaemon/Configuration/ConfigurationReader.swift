import Foundation
import FeedWatchDigest
import FeedWatchModel
import TOMLKit

/// A section of `feedwatch.toml`: a `[name]` table or `[[name]]` array of tables. Its file
/// holds its keys next to the code that reads them; a new key is one line in `keys` and one
/// in its reader.
protocol ConfigurationSection {
    /// The section's name in the file.
    static var name: String { get }
    /// Every key the section allows.
    static var keys: [String] { get }
}

/// One TOML table being read: where it is (`storage`, `feed[2]`) and the keys it allows.
struct SectionTable {
    let table: TOMLTable
    /// The key path of the table itself, for messages.
    let path: String
    /// The keys this table may hold; reading any other one is a bug in its section's reader.
    let keys: Set<String>

    init(_ table: TOMLTable, path: String, keys: some Sequence<String>) {
        self.table = table
        self.path = path
        self.keys = Set(keys)
    }

    /// The key path of `key` in this table, e.g. `storage.lease`.
    func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The raw value of an allowed key.
    subscript(key: String) -> (any TOMLValueConvertible)? {
        assert(keys.contains(key), "\(path): \(key) is read but not among the section's keys")
        return table[key]
    }

    /// Whether the file gives `key`.
    func has(_ key: String) -> Bool { self[key] != nil }
}

/// Collects the problems (and warnings) found while reading a configuration file, and reads
/// the value kinds every section shares. Each reader returns nil, after recording a problem,
/// for a value of the wrong kind or out of bounds, and nil silently for an absent key.
struct TableReader {
    var problems: [ConfigurationProblem] = []
    /// Things that are valid but probably not what the user meant.
    var warnings: [ConfigurationProblem] = []

    mutating func problem(_ key: String, _ message: String) {
        problems.append(ConfigurationProblem(key, message))
    }

    mutating func warning(_ key: String, _ message: String) {
        warnings.append(ConfigurationProblem(key, message))
    }

    /// Reports every key of `table` outside `allowed`.
    mutating func checkKeys(_ table: TOMLTable, allowed: some Sequence<String>, prefix: String) {
        let allowed = Set(allowed)
        for key in table.keys.sorted() where !allowed.contains(key) {
            problem(prefix.isEmpty ? key : "\(prefix).\(key)", "unknown key (allowed here: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    // MARK: Sections

    /// `[name]` of `section`, its keys checked; nil when absent or not a table.
    mutating func section<S: ConfigurationSection>(_ root: TOMLTable, _ section: S.Type) -> SectionTable? {
        guard let value = root[S.name] else { return nil }
        guard let table = value.table else {
            problem(S.name, "must be a table")
            return nil
        }
        checkKeys(table, allowed: S.keys, prefix: S.name)
        return SectionTable(table, path: S.name, keys: S.keys)
    }

    /// Every `[[name]]` table of `section`, as `name[i]`. Their keys are checked unless
    /// `checkingKeys` is false (a section whose allowed keys depend on a value checks them itself).
    mutating func sections<S: ConfigurationSection>(_ root: TOMLTable, _ section: S.Type, checkingKeys: Bool = true) -> [SectionTable] {
        guard let value = root[S.name] else { return [] }
        guard let array = value.array else {
            problem(S.name, "must be an array of tables: write [[\(S.name)]]")
            return []
        }
        var out: [SectionTable] = []
        for (index, element) in array.enumerated() {
            let path = "\(S.name)[\(index)]"
            guard let table = element.table else {
                problem(path, "must be a table")
                continue
            }
            if checkingKeys { checkKeys(table, allowed: S.keys, prefix: path) }
            out.append(SectionTable(table, path: path, keys: S.keys))
        }
        return out
    }

    // MARK: Values

    mutating func string(_ section: SectionTable, _ key: String) -> String? {
        guard let value = section[key] else { return nil }
        guard let string = value.string else {
            problem(section.path(key), "must be a string")
            return nil
        }
        return string
    }

    mutating func bool(_ section: SectionTable, _ key: String) -> Bool? {
        guard let value = section[key] else { return nil }
        guard let bool = value.bool else {
            problem(section.path(key), "must be true or false")
            return nil
        }
        return bool
    }

    mutating func int(_ section: SectionTable, _ key: String, range: ClosedRange<Int>) -> Int? {
        guard let value = section[key] else { return nil }
        guard let int = value.int else {
            problem(section.path(key), "must be a whole number")
            return nil
        }
        guard range.contains(int) else {
            problem(section.path(key), "must be between \(range.lowerBound) and \(range.upperBound), not \(int)")
            return nil
        }
        return int
    }

    /// A number (whole or not) for which `accept` holds; else `message` is reported.
    mutating func number(_ section: SectionTable, _ key: String, where accept: (Double) -> Bool, message: String) -> Double? {
        guard let value = section[key] else { return nil }
        guard let number = value.double ?? value.int.map(Double.init), accept(number) else {
            problem(section.path(key), message)
            return nil
        }
        return number
    }

    /// A duration such as `45s`, `15m`, `2h`, `1d`, at least `minimum` and at most `maximum`.
    mutating func span(_ section: SectionTable, _ key: String, minimum: TimeSpan, maximum: TimeSpan? = nil) -> TimeSpan? {
        guard let text = string(section, key) else { return nil }
        guard let span = TimeSpan(parsing: text) else {
            problem(section.path(key), "\"\(text)\" is not a duration (write e.g. 45s, 15m, 2h, 1d)")
            return nil
        }
        guard span >= minimum else {
            problem(section.path(key), "\"\(text)\" is shorter than the minimum of \(minimum)")
            return nil
        }
        if let maximum, span > maximum {
            problem(section.path(key), "\"\(span)\" is longer than the maximum of \(maximum)")
            return nil
        }
        return span
    }

    mutating func strings(_ section: SectionTable, _ key: String) -> [String]? {
        guard let value = section[key] else { return nil }
        let path = section.path(key)
        guard let array = value.array else {
            problem(path, "must be an array of strings")
            return nil
        }
        var out: [String] = []
        for (index, element) in array.enumerated() {
            guard let s = element.string else {
                problem("\(path)[\(index)]", "must be a string")
                continue
            }
            out.append(s)
        }
        return out
    }

    /// The keys `secret` reads for `key`.
    static func secretKeys(_ key: String) -> [String] { ["\(key)_file", "\(key)_env", "\(key)_credential"] }

    /// A secret from `<key>_file`, `<key>_env` or `<key>_credential` (a systemd credential).
    /// Problems name the file, variable or credential, never the value.
    mutating func secret(_ section: SectionTable, _ key: String, environment: [String: String]) -> Secret? {
        let file = string(section, "\(key)_file")
        let variable = string(section, "\(key)_env")
        let credential = string(section, "\(key)_credential")
        if [file, variable, credential].compactMap({ $0 }).count > 1 {
            problem(section.path("\(key)_file"), "give one of \(key)_file, \(key)_env and \(key)_credential, not several")
        }
        if let credential {
            switch Credentials.read(credential, environment: environment) {
            case .success(let value): return Secret(value)
            case .failure(let failure):
                problem(section.path("\(key)_credential"), failure.message)
                return nil
            }
        }
        if let file {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                problem(section.path("\(key)_file"), "cannot read \(file)")
                return nil
            }
            // Files written by editors or `echo` end with a newline that is not part of the secret.
            let value = text.trimmingCharacters(in: .newlines)
            if value.isEmpty { problem(section.path("\(key)_file"), "\(file) is empty") }
            return Secret(value)
        }
        if let variable {
            guard let value = environment[variable], !value.isEmpty else {
                problem(section.path("\(key)_env"), "environment variable \(variable) is not set")
                return nil
            }
            return Secret(value)
        }
        return nil
    }
}

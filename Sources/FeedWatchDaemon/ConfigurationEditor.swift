import Foundation
import FeedWatchDigest
public import FeedWatchModel

/// Changes the `[[feed]]` tables of a configuration file as text, so the user's comments and
/// layout survive; every change is validated as a whole file before it replaces the old one.
public struct ConfigurationEditor {
    public let path: String
    public private(set) var text: String

    public init(path: String) throws(ConfigurationError) {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: path, problems: [ConfigurationProblem("", "cannot read the configuration")])
        }
        self.text = text
    }

    /// Appends a `[[feed]]` table.
    public mutating func addFeed(_ feed: FeedSource) {
        var block = "\n[[feed]]\nurl = \(Self.quote(feed.url))\n"
        if let name = feed.name { block += "name = \(Self.quote(name))\n" }
        if let interval = feed.interval { block += "interval = \"\(interval)\"\n" }
        if !feed.tags.isEmpty { block += "tags = [\(feed.tags.map(Self.quote).joined(separator: ", "))]\n" }
        if !text.hasSuffix("\n") && !text.isEmpty { text += "\n" }
        text += block
    }

    /// Removes the `[[feed]]` table whose url (or name) is `feed`; false when there is none.
    public mutating func removeFeed(_ feed: String) -> Bool {
        var lines = text.components(separatedBy: "\n")
        var start = 0
        while start < lines.count {
            guard lines[start].trimmingCharacters(in: .whitespaces) == "[[feed]]" else {
                start += 1
                continue
            }
            var end = start + 1
            while end < lines.count, !lines[end].trimmingCharacters(in: .whitespaces).hasPrefix("[") { end += 1 }
            // Comments directly above the next table belong to it, not to this one.
            while end > start + 1, lines[end - 1].trimmingCharacters(in: .whitespaces).hasPrefix("#") { end -= 1 }
            let body = lines[(start + 1)..<end]
            if body.contains(where: { Self.value(of: "url", in: $0) == feed || Self.value(of: "name", in: $0) == feed }) {
                lines.removeSubrange(start..<end)
                text = lines.joined(separator: "\n")
                return true
            }
            start = end
        }
        return false
    }

    /// Validates the edited text as a whole configuration and writes it atomically.
    public func save() throws -> FeedWatchConfiguration {
        let configuration = try ConfigurationLoader.parse(text, path: path, environment: ProcessInfo.processInfo.environment)
        // A symlinked configuration (kept in a dotfiles repository, say) stays a symlink.
        try AtomicFileWriter.write(text, to: path, followSymlink: true)
        return configuration
    }

    /// The string value of `key = "…"` on a line, nil when the line sets another key.
    static func value(of key: String, in line: String) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix(key) else { return nil }
        let rest = trimmed.dropFirst(key.count).trimmingCharacters(in: .whitespaces)
        guard rest.hasPrefix("=") else { return nil }
        var value = rest.dropFirst().trimmingCharacters(in: .whitespaces)
        if let hash = value.range(of: " #") { value = String(value[..<hash.lowerBound]).trimmingCharacters(in: .whitespaces) }
        guard value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first else { return nil }
        return String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            .replacingOccurrences(of: "\\\\", with: "\\")
    }

    /// A TOML basic string (a JSON string literal is one).
    static func quote(_ s: String) -> String { JSONText.quoted(s) }
}

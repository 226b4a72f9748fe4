import Foundation
import FeedWatchModel
import FeedWatchParsing
import TOMLKit

/// The parts of `[[feed]]` and `[[opml]]` reading that go beyond plain keys: request headers
/// and subscription lists from OPML files.
extension TableReader {
    /// `headers = { "Name" = "value" }`: extra request headers for one feed. Names must be
    /// HTTP tokens and values one line, so a config cannot smuggle a second header in.
    mutating func readHeaders(_ section: TOMLTable, path: String) -> [String: String] {
        guard let value = section["headers"] else { return [:] }
        guard let table = value.table else {
            problem(path, "must be a table of header names to values, e.g. { \"X-Api-Key\" = \"…\" }")
            return [:]
        }
        let tokenCharacters = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var headers: [String: String] = [:]
        for name in table.keys.sorted() {
            guard let text = table[name]?.string else {
                problem("\(path).\(name)", "must be a string")
                continue
            }
            guard !name.isEmpty, name.allSatisfy({ tokenCharacters.contains($0) }) else {
                problem("\(path).\(name)", "is not a valid HTTP header name")
                continue
            }
            guard !text.containsControlCharacters else {
                problem("\(path).\(name)", "must be one line")
                continue
            }
            headers[name] = text
        }
        return headers
    }

    /// Feeds listed in the OPML files that `[[opml]]` tables name; a relative path is taken
    /// from the configuration file's directory. OPML folders become tags.
    mutating func readOPMLFeeds(_ root: TOMLTable, configPath: String) -> [FeedSource] {
        var feeds: [FeedSource] = []
        for (index, section) in tables(root, "opml").enumerated() {
            let prefix = "opml[\(index)]"
            checkKeys(section, allowed: ["path", "tags", "interval"], prefix: prefix)
            guard let path = string(section, "path", path: "\(prefix).path") else {
                if section["path"] == nil { problem("\(prefix).path", "missing: every [[opml]] needs a path") }
                continue
            }
            let tags = strings(section, "tags", path: "\(prefix).tags") ?? []
            let interval = span(section, "interval", path: "\(prefix).interval", minimum: TimeSpan(seconds: 60))
            let resolved = path.hasPrefix("/") ? path
                : ((configPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent(path)
            guard let data = FileManager.default.contents(atPath: resolved) else {
                problem("\(prefix).path", "cannot read \(resolved)")
                continue
            }
            do {
                for outline in try OPML.parse(Array(data), documentURL: URL(fileURLWithPath: resolved).absoluteString) {
                    if let reason = FeedURLRules.problem(with: outline.xmlURL) {
                        problem("\(prefix).path", "\(resolved): feed \(outline.title ?? outline.xmlURL): \(reason)")
                        continue
                    }
                    feeds.append(FeedSource(url: outline.xmlURL, name: outline.title, interval: interval, tags: tags + outline.folders))
                }
            } catch {
                problem("\(prefix).path", "\(resolved): \(error.message)")
            }
        }
        return feeds
    }
}

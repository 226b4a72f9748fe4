public import Foundation
import TOMLKit
import FeedWatchModel

/// Reads and validates `feedwatch.toml`. Every problem is collected, not just the first, so
/// one `feedwatch check` shows the user all they have to fix.
public enum ConfigurationLoader {
    /// Where the daemon looks when `--config` is not given.
    public static let defaultPath = "/etc/feedwatch/feedwatch.toml"

    /// Reads and validates the file at `path`.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigurationError) -> FeedWatchConfiguration
    {
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw ConfigurationError(file: path, problems: [ConfigurationProblem("", "the file is not valid UTF-8")])
            }
            text = decoded
        } catch let error as ConfigurationError {
            throw error
        } catch {
            let reason: String
            if !FileManager.default.fileExists(atPath: path) {
                reason = "cannot read the configuration: no such file"
            } else {
                reason = "cannot read the configuration: \((error as NSError).localizedDescription)"
            }
            throw ConfigurationError(file: path, problems: [ConfigurationProblem("", reason)])
        }
        return try parse(text, path: path, environment: environment)
    }

    /// Validates configuration text; `path` is used for messages and relative defaults only.
    public static func parse(_ text: String, path: String, environment: [String: String] = [:])
        throws(ConfigurationError) -> FeedWatchConfiguration
    {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let where_ = "line \(error.source.begin.line), column \(error.source.begin.column)"
            throw ConfigurationError(file: path, problems: [ConfigurationProblem("", "not valid TOML at \(where_): \(error.description)")])
        } catch {
            throw ConfigurationError(file: path, problems: [ConfigurationProblem("", "not valid TOML: \(error)")])
        }
        // TOMLKit never frees a parsed document (its table has no deinit): every read, and so
        // every reload, kept its whole tree (2.5 MB for 2,000 feeds). Emptied once read, the
        // tree goes and the table's own few bytes stay. TOMLKit's strings still leak (they are
        // `strdup` copies it never frees), about a fifth of that.
        defer { root.clear() }
        var reader = TableReader()
        let config = reader.read(root: root, path: path, environment: environment)
        guard reader.problems.isEmpty, let config else {
            throw ConfigurationError(file: path, problems: reader.problems)
        }
        return config
    }
}

/// The whole file: every section in `sections`, then the checks that span sections.
extension TableReader {
    /// Every section a file may have; each one's file holds its keys and its reader.
    static var sections: [any ConfigurationSection.Type] {
        [
            StorageSection.self, FetchSection.self, ParseSection.self, FeedSection.self, OPMLSection.self, TopicSection.self,
            DigestSection.self, NotifySection.self, HTTPSection.self, StoriesSection.self,
        ]
    }

    mutating func read(root: TOMLTable, path: String, environment: [String: String]) -> FeedWatchConfiguration? {
        checkKeys(root, allowed: Self.sections.map { $0.name }, prefix: "")
        let storage = StorageSection.read(root, &self, environment: environment)
        let fetch = FetchSection.read(root, &self)
        var feeds = FeedSection.read(root, &self, minimumInterval: fetch.minimumInterval, environment: environment)
        // A fetch that outlives its lease lets another daemon fetch the same feed again.
        if storage.lease <= fetch.timeout {
            problem("storage.lease", "\(storage.lease) must be longer than fetch.timeout (\(fetch.timeout)), or a slow fetch loses its lease")
        }
        for source in OPMLSection.read(root, &self, minimumInterval: fetch.minimumInterval, configPath: path)
        where !feeds.contains(where: { $0.url == source.url }) {
            feeds.append(source)
        }
        let (topics, alertTopicIDs) = TopicSection.read(root, &self)
        var digest = DigestSection.read(root, &self, stateDirectory: storage.stateDirectory, environment: environment)
        digest.notifiers = NotifySection.read(root, &self, environment: environment, topicIDs: topics.map(\.id))
        digest.alertTopicIDs = alertTopicIDs
        digest.topics = topics.enumerated().map { $1.reference(order: $0) }
        var configuration = FeedWatchConfiguration(path: path, storage: storage, fetch: fetch, feeds: feeds, topics: topics, digest: digest)
        configuration.http = HTTPSection.read(root, &self)
        configuration.stories = StoriesSection.read(root, &self)
        configuration.parse = ParseSection.read(root, &self)
        configuration.warnings = warnings
        return configuration
    }
}

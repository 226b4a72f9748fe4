import Foundation
import FeedWatchDigest
import FeedWatchFetching
import FeedWatchMatching
import FeedWatchModel
import FeedWatchParsing
import FeedWatchStore
import TOMLKit

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
        var reader = TableReader(problems: [])
        let config = reader.read(root: root, path: path, environment: environment)
        guard reader.problems.isEmpty, let config else {
            throw ConfigurationError(file: path, problems: reader.problems)
        }
        return config
    }
}

/// Walks the TOML tree, recording a problem for every unknown key or bad value.
struct TableReader {
    var problems: [ConfigurationProblem]
    /// Topics with `alert = true`, collected while reading `[[topic]]`.
    var alertTopicIDs: [String] = []

    mutating func problem(_ key: String, _ message: String) {
        problems.append(ConfigurationProblem(key, message))
    }

    mutating func checkKeys(_ table: TOMLTable, allowed: Set<String>, prefix: String) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            problem(prefix.isEmpty ? key : "\(prefix).\(key)", "unknown key (allowed here: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    mutating func table(_ parent: TOMLTable, _ key: String, path: String) -> TOMLTable? {
        guard let value = parent[key] else { return nil }
        guard let table = value.table else {
            problem(path, "must be a table")
            return nil
        }
        return table
    }

    mutating func string(_ table: TOMLTable, _ key: String, path: String) -> String? {
        guard let value = table[key] else { return nil }
        guard let string = value.string else {
            problem(path, "must be a string")
            return nil
        }
        return string
    }

    mutating func int(_ table: TOMLTable, _ key: String, path: String, range: ClosedRange<Int>) -> Int? {
        guard let value = table[key] else { return nil }
        guard let int = value.int else {
            problem(path, "must be a whole number")
            return nil
        }
        guard range.contains(int) else {
            problem(path, "must be between \(range.lowerBound) and \(range.upperBound), not \(int)")
            return nil
        }
        return int
    }

    mutating func span(_ table: TOMLTable, _ key: String, path: String, minimum: TimeSpan) -> TimeSpan? {
        guard let text = string(table, key, path: path) else { return nil }
        guard let span = TimeSpan(parsing: text) else {
            problem(path, "\"\(text)\" is not a duration (write e.g. 45s, 15m, 2h, 1d)")
            return nil
        }
        guard span >= minimum else {
            problem(path, "\"\(text)\" is shorter than the minimum of \(minimum)")
            return nil
        }
        return span
    }

    mutating func strings(_ table: TOMLTable, _ key: String, path: String) -> [String]? {
        guard let value = table[key] else { return nil }
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

    mutating func tables(_ root: TOMLTable, _ key: String) -> [TOMLTable] {
        guard let value = root[key] else { return [] }
        guard let array = value.array else {
            problem(key, "must be an array of tables: write [[\(key)]]")
            return []
        }
        var out: [TOMLTable] = []
        for (index, element) in array.enumerated() {
            guard let t = element.table else {
                problem("\(key)[\(index)]", "must be a table")
                continue
            }
            out.append(t)
        }
        return out
    }

    mutating func read(root: TOMLTable, path: String, environment: [String: String]) -> FeedWatchConfiguration? {
        checkKeys(root, allowed: ["storage", "fetch", "parse", "feed", "opml", "topic", "digest", "notify", "http", "stories"],
                  prefix: "")
        let storage = readStorage(root, environment: environment)
        let fetch = readFetch(root)
        var feeds = readFeeds(root, minimumInterval: fetch.minimumInterval, environment: environment)
        // A fetch that outlives its lease lets another daemon fetch the same feed again.
        if storage.lease <= fetch.timeout {
            problem("storage.lease", "\(storage.lease) must be longer than fetch.timeout (\(fetch.timeout)), or a slow fetch loses its lease")
        }
        for source in readOPMLFeeds(root, configPath: path) where !feeds.contains(where: { $0.url == source.url }) {
            feeds.append(source)
        }
        let topics = readTopics(root)
        var digest = readDigest(root, stateDirectory: storage.stateDirectory, environment: environment)
        digest.notifiers = readNotifiers(root, environment: environment)
        digest.alertTopicIDs = alertTopicIDs
        var configuration = FeedWatchConfiguration(path: path, storage: storage, fetch: fetch, feeds: feeds, topics: topics, digest: digest)
        configuration.http = readHTTP(root)
        configuration.stories = readStories(root)
        configuration.parse = readParse(root)
        return configuration
    }

    /// `[parse]`: bounds on reading one feed document.
    mutating func readParse(_ root: TOMLTable) -> ParseConfiguration {
        var parse = ParseConfiguration()
        guard let section = table(root, "parse", path: "parse") else { return parse }
        checkKeys(section, allowed: ["max_entries", "max_depth", "max_text_bytes"], prefix: "parse")
        if let v = int(section, "max_entries", path: "parse.max_entries", range: 1...10_000_000) { parse.maxEntries = v }
        if let v = int(section, "max_depth", path: "parse.max_depth", range: 8...10_000) { parse.maxDepth = v }
        if let v = int(section, "max_text_bytes", path: "parse.max_text_bytes", range: 1024...(1 << 30)) {
            parse.maxTextBytes = v
        }
        return parse
    }

    mutating func readHTTP(_ root: TOMLTable) -> HTTPConfiguration {
        var http = HTTPConfiguration()
        guard let section = table(root, "http", path: "http") else { return http }
        checkKeys(section, allowed: ["listen"], prefix: "http")
        if let text = string(section, "listen", path: "http.listen") {
            if let address = ListenAddress(parsing: text) {
                http.listen = address
            } else {
                problem("http.listen", "\"\(text)\" is not host:port (e.g. 127.0.0.1:9464 or [::1]:9464)")
            }
        }
        return http
    }

    /// `[stories]`: how articles from different feeds are grouped into one story.
    mutating func readStories(_ root: TOMLTable) -> StoryConfiguration {
        var stories = StoryConfiguration()
        guard let section = table(root, "stories", path: "stories") else { return stories }
        checkKeys(section, allowed: ["window", "text_similarity", "title_similarity"], prefix: "stories")
        if let v = span(section, "window", path: "stories.window", minimum: TimeSpan(seconds: 3600)) { stories.window = v }
        for (key, apply) in [("text_similarity", { (v: Double, s: inout StoryConfiguration) in s.textSimilarity = v }),
                             ("title_similarity", { (v: Double, s: inout StoryConfiguration) in s.titleSimilarity = v })] {
            guard let value = section[key] else { continue }
            if let number = value.double ?? value.int.map(Double.init), number > 0, number <= 1 {
                apply(number, &stories)
            } else {
                problem("stories.\(key)", "must be a number above 0 and at most 1 (a share of common shingles or trigrams)")
            }
        }
        return stories
    }

    mutating func readStorage(_ root: TOMLTable, environment: [String: String]) -> StorageConfiguration {
        let section = table(root, "storage", path: "storage")
        var stateDirectory = environment["STATE_DIRECTORY"]
            .flatMap { $0.split(separator: ":").first.map(String.init) } ?? "./state"
        var database = DatabaseLocation.sqlite(path: "")
        var databaseText: String?
        var storage = StorageConfiguration(stateDirectory: stateDirectory, database: database)
        if let name = environment["FEEDWATCH_NODE_NAME"], !name.isEmpty { storage.nodeName = name }
        if let section {
            checkKeys(
                section,
                allowed: ["state_directory", "database", "retention", "digest_retention", "node_name", "lease", "claim_batch",
                          "password_file", "password_credential", "pool_size", "timeout", "connect_timeout", "startup_wait"],
                prefix: "storage")
            if let v = span(section, "retention", path: "storage.retention", minimum: .hours(24)) { storage.retention = v }
            if let v = span(section, "digest_retention", path: "storage.digest_retention", minimum: .hours(24)) { storage.digestRetention = v }
            if let dir = string(section, "state_directory", path: "storage.state_directory") {
                if dir.isEmpty { problem("storage.state_directory", "must not be empty") } else { stateDirectory = dir }
            }
            databaseText = string(section, "database", path: "storage.database")
            if let name = string(section, "node_name", path: "storage.node_name") {
                if name.isEmpty || name.count > 200 { problem("storage.node_name", "must be 1 to 200 characters") } else { storage.nodeName = name }
            }
            if let v = span(section, "lease", path: "storage.lease", minimum: TimeSpan(seconds: 5)) { storage.lease = v }
            if let v = span(section, "startup_wait", path: "storage.startup_wait", minimum: TimeSpan(seconds: 0)) {
                if v > .hours(24) { problem("storage.startup_wait", "\"\(v)\" is longer than the maximum of 1d") } else { storage.startupWait = v }
            }
            if let v = int(section, "claim_batch", path: "storage.claim_batch", range: 1...10_000) { storage.claimBatch = v }
            if let v = string(section, "password_file", path: "storage.password_file") {
                if v.isEmpty { problem("storage.password_file", "must not be empty") } else { storage.postgres.passwordFile = v }
            }
            if let name = string(section, "password_credential", path: "storage.password_credential") {
                if storage.postgres.passwordFile != nil {
                    problem("storage.password_credential", "give either password_file or password_credential, not both")
                }
                // The store reads the file when it connects; a credential is a file systemd provides.
                switch Credentials.locate(name, environment: environment) {
                case .success(let path): storage.postgres.passwordFile = path
                case .failure(let failure): problem("storage.password_credential", failure.message)
                }
            }
            if let v = int(section, "pool_size", path: "storage.pool_size", range: 1...100) { storage.postgres.poolSize = v }
            if let v = span(section, "timeout", path: "storage.timeout", minimum: TimeSpan(seconds: 1)) { storage.postgres.timeout = v }
            if let v = span(section, "connect_timeout", path: "storage.connect_timeout", minimum: TimeSpan(seconds: 1)) {
                storage.postgres.connectTimeout = v
            }
        }
        if let text = databaseText {
            if text.hasPrefix("sqlite:") {
                let file = String(text.dropFirst("sqlite:".count))
                if file.isEmpty { problem("storage.database", "sqlite: needs a file path, e.g. sqlite:/var/lib/feedwatch/feedwatch.sqlite") }
                database = .sqlite(path: file)
            } else if text.lowercased().hasPrefix("postgres://") || text.lowercased().hasPrefix("postgresql://") {
                do {
                    _ = try PostgresStore.Configuration(url: text)
                    database = .postgres(url: text)
                } catch {
                    problem("storage.database", error.message)
                }
            } else {
                problem("storage.database", "must start with sqlite: or postgres://")
            }
        }
        if case .sqlite(let file) = database, file.isEmpty {
            database = .sqlite(path: (stateDirectory as NSString).appendingPathComponent("feedwatch.sqlite"))
        }
        storage.stateDirectory = stateDirectory
        storage.database = database
        if storage.digestRetention < storage.retention {
            problem("storage.digest_retention", "must not be shorter than storage.retention (\(storage.retention))")
        }
        return storage
    }

    mutating func readFetch(_ root: TOMLTable) -> FetchConfiguration {
        var fetch = FetchConfiguration()
        guard let section = table(root, "fetch", path: "fetch") else { return fetch }
        checkKeys(
            section,
            allowed: [
                "interval", "concurrency", "per_host_concurrency", "timeout", "connect_timeout", "max_body_bytes", "user_agent",
                "allow_private_networks", "full_text_per_refresh", "full_text_max_bytes", "proxy", "minimum_interval",
                "max_interval",
            ],
            prefix: "fetch")
        if let v = span(section, "minimum_interval", path: "fetch.minimum_interval", minimum: TimeSpan(seconds: 5)) {
            fetch.minimumInterval = v
        }
        if let v = span(section, "interval", path: "fetch.interval", minimum: fetch.minimumInterval) { fetch.interval = v }
        if let v = span(section, "max_interval", path: "fetch.max_interval", minimum: fetch.minimumInterval) { fetch.maxInterval = v }
        if let v = int(section, "concurrency", path: "fetch.concurrency", range: 1...1024) { fetch.concurrency = v }
        if let v = string(section, "proxy", path: "fetch.proxy") {
            let scheme = URLComponents(string: v)?.scheme?.lowercased()
            if ["http", "https", "socks4", "socks4a", "socks5", "socks5h"].contains(scheme ?? "") {
                fetch.proxy = v
            } else {
                problem("fetch.proxy", "must be a proxy URL such as http://proxy.example:3128 or socks5h://127.0.0.1:1080")
            }
        }
        if let v = int(section, "per_host_concurrency", path: "fetch.per_host_concurrency", range: 1...64) { fetch.perHostConcurrency = v }
        if let v = span(section, "timeout", path: "fetch.timeout", minimum: TimeSpan(seconds: 1)) { fetch.timeout = v }
        if let v = span(section, "connect_timeout", path: "fetch.connect_timeout", minimum: TimeSpan(seconds: 1)) { fetch.connectTimeout = v }
        if let v = int(section, "max_body_bytes", path: "fetch.max_body_bytes", range: 1024...(1 << 30)) { fetch.maxBodyBytes = v }
        if let v = int(section, "full_text_per_refresh", path: "fetch.full_text_per_refresh", range: 0...1000) { fetch.fullTextPerRefresh = v }
        if let v = int(section, "full_text_max_bytes", path: "fetch.full_text_max_bytes", range: 1024...(1 << 30)) { fetch.fullTextMaxBytes = v }
        for (index, text) in (strings(section, "allow_private_networks", path: "fetch.allow_private_networks") ?? []).enumerated() {
            if let network = IPNetwork(text) {
                fetch.allowPrivateNetworks.append(network)
            } else {
                problem("fetch.allow_private_networks[\(index)]", "expected a network such as 127.0.0.0/8 or fd00::/8, found \(text)")
            }
        }
        if let v = string(section, "user_agent", path: "fetch.user_agent") {
            if v.isEmpty || v.containsControlCharacters {
                problem("fetch.user_agent", "must be one non-empty line")
            } else {
                fetch.userAgent = v
            }
        }
        return fetch
    }

    mutating func readFeeds(_ root: TOMLTable, minimumInterval: TimeSpan, environment: [String: String]) -> [FeedSource] {
        var feeds: [FeedSource] = []
        var seen: [String: Int] = [:]
        for (index, section) in tables(root, "feed").enumerated() {
            let prefix = "feed[\(index)]"
            checkKeys(section, allowed: ["url", "name", "interval", "tags", "full_text", "headers", "url_credential"], prefix: prefix)
            guard let url = string(section, "url", path: "\(prefix).url") else {
                if section["url"] == nil { problem("\(prefix).url", "missing: every [[feed]] needs a url") }
                continue
            }
            if let reason = FeedURLRules.problem(with: url) {
                problem("\(prefix).url", reason)
                continue
            }
            if let first = seen[url] {
                problem("\(prefix).url", "duplicate of feed[\(first)].url (\(url))")
                continue
            }
            seen[url] = index
            let interval = span(section, "interval", path: "\(prefix).interval", minimum: minimumInterval)
            let name = string(section, "name", path: "\(prefix).name")
            let tags = strings(section, "tags", path: "\(prefix).tags") ?? []
            var source = FeedSource(url: url, name: name, interval: interval, tags: tags)
            if let mode = string(section, "full_text", path: "\(prefix).full_text") {
                if let parsed = FullTextMode(rawValue: mode) {
                    source.fullText = parsed
                } else {
                    problem("\(prefix).full_text", "expected \"always\", \"candidates\" or \"never\", found \(mode)")
                }
            }
            source.headers = readHeaders(section, path: "\(prefix).headers", environment: environment)
            if let name = string(section, "url_credential", path: "\(prefix).url_credential") {
                readURLCredential(name, into: &source, path: "\(prefix).url_credential", environment: environment)
            }
            feeds.append(source)
        }
        return feeds
    }

    mutating func readTopics(_ root: TOMLTable) -> [Topic] {
        var topics: [Topic] = []
        var seen: [String: Int] = [:]
        for (index, section) in tables(root, "topic").enumerated() {
            let prefix = "topic[\(index)]"
            checkKeys(section, allowed: ["id", "name", "query", "language", "languages", "feeds", "tags", "min_score", "alert"], prefix: prefix)
            guard let id = string(section, "id", path: "\(prefix).id") else {
                if section["id"] == nil { problem("\(prefix).id", "missing: every [[topic]] needs an id") }
                continue
            }
            guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                problem("\(prefix).id", "\"\(id)\" must be non-empty letters, digits, - or _")
                continue
            }
            if let first = seen[id] {
                problem("\(prefix).id", "duplicate of topic[\(first)].id (\(id))")
                continue
            }
            seen[id] = index
            let name = string(section, "name", path: "\(prefix).name") ?? id
            guard let query = string(section, "query", path: "\(prefix).query") else {
                if section["query"] == nil { problem("\(prefix).query", "missing: every [[topic]] needs a query") }
                continue
            }
            var topic = Topic(id: id, name: name, query: query)
            if section["language"] != nil && section["languages"] != nil {
                problem("\(prefix).languages", "give either language or languages, not both")
            }
            if let language = string(section, "language", path: "\(prefix).language") { topic.languages = [language] }
            if let languages = strings(section, "languages", path: "\(prefix).languages") {
                if languages.isEmpty { problem("\(prefix).languages", "must name at least one language") } else { topic.languages = languages }
            }
            if let feeds = strings(section, "feeds", path: "\(prefix).feeds") { topic.feeds = feeds }
            if let tags = strings(section, "tags", path: "\(prefix).tags") { topic.tags = tags }
            if let value = section["min_score"] {
                if let number = value.double ?? value.int.map(Double.init), number >= 0 {
                    topic.minScore = number
                } else {
                    problem("\(prefix).min_score", "must be a number of 0 or more")
                }
            }
            if bool(section, "alert", path: "\(prefix).alert") == true { alertTopicIDs.append(id) }
            for error in TopicMatcher.validate([topic]) {
                problem("\(prefix).query", error.description)
            }
            topics.append(topic)
        }
        return topics
    }

    mutating func readDigest(_ root: TOMLTable, stateDirectory: String, environment: [String: String]) -> DigestConfiguration {
        var digest = DigestConfiguration(
            directory: (stateDirectory as NSString).appendingPathComponent("digests"),
            timeZone: environment["TZ"].flatMap { TimeZone(identifier: $0) != nil ? $0 : nil } ?? "UTC")
        guard let section = table(root, "digest", path: "digest") else { return digest }
        checkKeys(section, allowed: ["directory", "time", "timezone", "formats", "skip_empty", "atom_entries", "base_url", "deliveries_per_tick"], prefix: "digest")
        if let v = bool(section, "skip_empty", path: "digest.skip_empty") { digest.skipEmpty = v }
        if let v = int(section, "atom_entries", path: "digest.atom_entries", range: 1...1000) { digest.atomEntries = v }
        if let v = int(section, "deliveries_per_tick", path: "digest.deliveries_per_tick", range: 1...10_000) { digest.deliveriesPerTick = v }
        if let v = string(section, "base_url", path: "digest.base_url") {
            let scheme = URLComponents(string: v)?.scheme?.lowercased()
            if (scheme == "http" || scheme == "https") && URLComponents(string: v)?.host != nil {
                digest.baseURL = v
            } else {
                problem("digest.base_url", "must be an http:// or https:// URL")
            }
        }
        if let dir = string(section, "directory", path: "digest.directory") {
            if dir.isEmpty { problem("digest.directory", "must not be empty") } else { digest.directory = dir }
        }
        if let time = string(section, "time", path: "digest.time") {
            if let minutes = Self.minuteOfDay(time) {
                digest.minuteOfDay = minutes
            } else {
                problem("digest.time", "\"\(time)\" is not a time of day (write HH:MM, e.g. 07:00)")
            }
        }
        if let zone = string(section, "timezone", path: "digest.timezone") {
            if TimeZone(identifier: zone) != nil, zone.contains("/") || zone == "UTC" {
                digest.timeZone = zone
            } else {
                problem("digest.timezone", "\"\(zone)\" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)")
            }
        }
        if let names = strings(section, "formats", path: "digest.formats") {
            var formats: [DigestFormat] = []
            for (index, name) in names.enumerated() {
                if let format = DigestFormat(rawValue: name) {
                    if !formats.contains(format) { formats.append(format) }
                } else {
                    problem("digest.formats[\(index)]", "unknown format \"\(name)\" (available: \(DigestFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            }
            if names.isEmpty { problem("digest.formats", "must name at least one format") }
            digest.formats = formats
        }
        return digest
    }

    static func minuteOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m)
        else { return nil }
        return h * 60 + m
    }
}

/// Which feed URLs feedwatch accepts.
public enum FeedURLRules {
    /// Nil when `url` is acceptable, else why not.
    public static func problem(with url: String) -> String? {
        guard !url.isEmpty else { return "must not be empty" }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            return "\"\(url)\" is not a valid URL"
        }
        switch scheme {
        case "http", "https":
            guard let host = components.host, !host.isEmpty else { return "\"\(url)\" has no host" }
            return nil
        case "file":
            guard !components.path.isEmpty else { return "\"\(url)\" names no file" }
            return nil
        default:
            return "\"\(url)\": scheme \(scheme) is not supported (use http, https or file)"
        }
    }
}

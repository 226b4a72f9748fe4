import Foundation
import FeedWatchModel
import FeedWatchParsing
import TOMLKit

/// `[[feed]]`: one feed to watch.
enum FeedSection: ConfigurationSection {
    static let name = "feed"
    static let keys = ["url", "name", "interval", "tags", "full_text", "headers", "url_credential"]

    /// Feeds no shorter than `minimumInterval` (`[fetch] minimum_interval`).
    static func read(_ root: TOMLTable, _ reader: inout TableReader, minimumInterval: TimeSpan, environment: [String: String]) -> [FeedSource] {
        var feeds: [FeedSource] = []
        var seen: [String: Int] = [:]
        for (index, section) in reader.sections(root, Self.self).enumerated() {
            guard let url = reader.string(section, "url") else {
                if !section.has("url") { reader.problem(section.path("url"), "missing: every [[feed]] needs a url") }
                continue
            }
            if let reason = FeedURLRules.problem(with: url) {
                reader.problem(section.path("url"), reason)
                continue
            }
            if let first = seen[url] {
                reader.problem(section.path("url"), "duplicate of feed[\(first)].url (\(URLRedaction.display(url)))")
                continue
            }
            seen[url] = index
            let interval = reader.span(section, "interval", minimum: minimumInterval)
            let name = reader.string(section, "name")
            let tags = reader.strings(section, "tags") ?? []
            var source = FeedSource(url: url, name: name, interval: interval, tags: tags)
            if let mode = reader.string(section, "full_text") {
                if let parsed = FullTextMode(rawValue: mode) {
                    source.fullText = parsed
                } else {
                    reader.problem(section.path("full_text"), "expected \"always\", \"candidates\" or \"never\", found \(mode)")
                }
            }
            source.headers = readHeaders(section, &reader, environment: environment)
            if let name = reader.string(section, "url_credential") {
                readURLCredential(name, into: &source, path: section.path("url_credential"), &reader, environment: environment)
            }
            feeds.append(source)
        }
        return feeds
    }

    /// `headers = { "Name" = "value" }`: extra request headers for one feed. Names must be
    /// HTTP tokens and values one line, so a config cannot smuggle a second header in. A value
    /// may be `{ credential = "NAME" }`: the header's value is that systemd credential.
    private static func readHeaders(_ section: SectionTable, _ reader: inout TableReader, environment: [String: String]) -> [String: String] {
        guard let value = section["headers"] else { return [:] }
        let path = section.path("headers")
        guard let table = value.table else {
            reader.problem(path, "must be a table of header names to values, e.g. { \"X-Api-Key\" = \"…\" }")
            return [:]
        }
        let tokenCharacters = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var headers: [String: String] = [:]
        for name in table.keys.sorted() {
            let text: String
            if let plain = table[name]?.string {
                text = plain
            } else if let reference = table[name]?.table, reference.keys.sorted() == ["credential"],
                let credential = reference["credential"]?.string {
                switch Credentials.read(credential, environment: environment) {
                case .success(let secret): text = secret
                case .failure(let failure):
                    reader.problem("\(path).\(name)", failure.message)
                    continue
                }
            } else {
                reader.problem("\(path).\(name)", "must be a string, or { credential = \"NAME\" } for a systemd credential")
                continue
            }
            guard !name.isEmpty, name.allSatisfy({ tokenCharacters.contains($0) }) else {
                reader.problem("\(path).\(name)", "is not a valid HTTP header name")
                continue
            }
            guard !text.containsControlCharacters else {
                reader.problem("\(path).\(name)", "must be one line")
                continue
            }
            headers[name] = text
        }
        return headers
    }

    /// `url_credential = "NAME"`: a systemd credential holding `user:password`, sent as HTTP
    /// Basic authentication (as credentials in the URL would be) without putting the secret
    /// in the configuration or in the feed's stored URL, which identifies it across rotations.
    private static func readURLCredential(
        _ name: String, into source: inout FeedSource, path: String, _ reader: inout TableReader, environment: [String: String]
    ) {
        switch Credentials.read(name, environment: environment) {
        case .success(let secret):
            guard secret.contains(":"), !secret.containsControlCharacters else {
                reader.problem(path, "credential \(name) must hold one line user:password")
                return
            }
            if source.headers.keys.contains(where: { $0.lowercased() == "authorization" }) {
                reader.problem(path, "give either url_credential or an Authorization header, not both")
                return
            }
            source.headers["Authorization"] = "Basic " + Data(secret.utf8).base64EncodedString()
        case .failure(let failure):
            reader.problem(path, failure.message)
        }
    }
}

/// `[[opml]]`: the feeds listed in an OPML file. A relative path is taken from the
/// configuration file's directory; OPML folders become tags.
enum OPMLSection: ConfigurationSection {
    static let name = "opml"
    static let keys = ["path", "tags", "interval"]

    /// Feeds no shorter than `minimumInterval` (`[fetch] minimum_interval`), as `[[feed]]`.
    static func read(_ root: TOMLTable, _ reader: inout TableReader, minimumInterval: TimeSpan, configPath: String) -> [FeedSource] {
        var feeds: [FeedSource] = []
        for section in reader.sections(root, Self.self) {
            guard let path = reader.string(section, "path") else {
                if !section.has("path") { reader.problem(section.path("path"), "missing: every [[opml]] needs a path") }
                continue
            }
            let tags = reader.strings(section, "tags") ?? []
            let interval = reader.span(section, "interval", minimum: minimumInterval)
            let resolved = path.hasPrefix("/") ? path
                : ((configPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent(path)
            guard let data = FileManager.default.contents(atPath: resolved) else {
                reader.problem(section.path("path"), "cannot read \(resolved)")
                continue
            }
            do {
                for outline in try OPML.parse(Array(data), documentURL: URL(fileURLWithPath: resolved).absoluteString) {
                    if let reason = FeedURLRules.problem(with: outline.xmlURL) {
                        reader.problem(section.path("path"), "\(resolved): feed \(outline.title ?? outline.xmlURL): \(reason)")
                        continue
                    }
                    feeds.append(FeedSource(url: outline.xmlURL, name: outline.title, interval: interval, tags: tags + outline.tags.filter { !tags.contains($0) }))
                }
            } catch {
                reader.problem(section.path("path"), "\(resolved): \(error.message)")
            }
        }
        return feeds
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

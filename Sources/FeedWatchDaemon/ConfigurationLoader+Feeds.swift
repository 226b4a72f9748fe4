import Foundation
import FeedWatchModel
import FeedWatchParsing
import TOMLKit

/// The parts of `[[feed]]` and `[[opml]]` reading that go beyond plain keys: request headers
/// and subscription lists from OPML files.
extension TableReader {
    /// `headers = { "Name" = "value" }`: extra request headers for one feed. Names must be
    /// HTTP tokens and values one line, so a config cannot smuggle a second header in. A value
    /// may be `{ credential = "NAME" }`: the header's value is that systemd credential.
    mutating func readHeaders(_ section: TOMLTable, path: String, environment: [String: String]) -> [String: String] {
        guard let value = section["headers"] else { return [:] }
        guard let table = value.table else {
            problem(path, "must be a table of header names to values, e.g. { \"X-Api-Key\" = \"…\" }")
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
                    problem("\(path).\(name)", failure.message)
                    continue
                }
            } else {
                problem("\(path).\(name)", "must be a string, or { credential = \"NAME\" } for a systemd credential")
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

    /// `url_credential = "NAME"`: a systemd credential holding `user:password`, sent as HTTP
    /// Basic authentication (as credentials in the URL would be) without putting the secret
    /// in the configuration or in the feed's stored URL, which identifies it across rotations.
    mutating func readURLCredential(_ name: String, into source: inout FeedSource, path: String, environment: [String: String]) {
        switch Credentials.read(name, environment: environment) {
        case .success(let secret):
            guard secret.contains(":"), !secret.containsControlCharacters else {
                problem(path, "credential \(name) must hold one line user:password")
                return
            }
            if source.headers.keys.contains(where: { $0.lowercased() == "authorization" }) {
                problem(path, "give either url_credential or an Authorization header, not both")
                return
            }
            source.headers["Authorization"] = "Basic " + Data(secret.utf8).base64EncodedString()
        case .failure(let failure):
            problem(path, failure.message)
        }
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

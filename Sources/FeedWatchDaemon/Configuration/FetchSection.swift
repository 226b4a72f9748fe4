import Foundation
import FeedWatchFetching
import FeedWatchModel
import TOMLKit

/// `[fetch]`: how feeds and article pages are fetched.
enum FetchSection: ConfigurationSection {
    static let name = "fetch"
    static let keys = [
        "interval", "concurrency", "per_host_concurrency", "timeout", "connect_timeout", "max_body_bytes", "user_agent",
        "allow_private_networks", "full_text_per_refresh", "full_text_max_bytes", "proxy", "minimum_interval",
        "max_interval", "backfill", "max_new_per_refresh",
    ]

    static func read(_ root: TOMLTable, _ reader: inout TableReader) -> FetchConfiguration {
        var fetch = FetchConfiguration()
        guard let section = reader.section(root, Self.self) else { return fetch }
        if let v = reader.span(section, "minimum_interval", minimum: TimeSpan(seconds: 5)) { fetch.minimumInterval = v }
        if let v = reader.span(section, "interval", minimum: fetch.minimumInterval) { fetch.interval = v }
        if let v = reader.span(section, "max_interval", minimum: fetch.minimumInterval) { fetch.maxInterval = v }
        if let v = reader.int(section, "concurrency", range: 1...1024) { fetch.concurrency = v }
        if let v = reader.string(section, "proxy") {
            let scheme = URLComponents(string: v)?.scheme?.lowercased()
            if ["http", "https", "socks4", "socks4a", "socks5", "socks5h"].contains(scheme ?? "") {
                fetch.proxy = v
            } else {
                reader.problem(section.path("proxy"), "must be a proxy URL such as http://proxy.example:3128 or socks5h://127.0.0.1:1080")
            }
        }
        if let v = reader.int(section, "per_host_concurrency", range: 1...64) { fetch.perHostConcurrency = v }
        if let v = reader.span(section, "timeout", minimum: TimeSpan(seconds: 1)) { fetch.timeout = v }
        if let v = reader.span(section, "connect_timeout", minimum: TimeSpan(seconds: 1)) { fetch.connectTimeout = v }
        if let v = reader.int(section, "max_body_bytes", range: 1024...(1 << 30)) { fetch.maxBodyBytes = v }
        if let v = reader.int(section, "full_text_per_refresh", range: 0...1000) { fetch.fullTextPerRefresh = v }
        if let v = reader.int(section, "max_new_per_refresh", range: 1...100_000) { fetch.maxNewPerRefresh = v }
        if let v = reader.int(section, "full_text_max_bytes", range: 1024...(1 << 30)) { fetch.fullTextMaxBytes = v }
        for (index, text) in (reader.strings(section, "allow_private_networks") ?? []).enumerated() {
            if let network = IPNetwork(text) {
                fetch.allowPrivateNetworks.append(network)
            } else {
                reader.problem("fetch.allow_private_networks[\(index)]", "expected a network such as 127.0.0.0/8 or fd00::/8, found \(text)")
            }
        }
        if let v = reader.string(section, "backfill") {
            if v == "all" {
                fetch.backfill = nil
            } else if let span = TimeSpan(parsing: v) {
                fetch.backfill = span
            } else {
                reader.problem(section.path("backfill"), "\"\(v)\" is neither a duration such as 2d or 12h nor \"all\"")
            }
        }
        if let v = reader.string(section, "user_agent") {
            if v.isEmpty || v.containsControlCharacters {
                reader.problem(section.path("user_agent"), "must be one non-empty line")
            } else {
                fetch.userAgent = v
            }
        }
        return fetch
    }
}

import Foundation
import FeedWatchDigest
import FeedWatchModel
import TOMLKit

/// `[digest]`: when and in which formats digests are written.
enum DigestSection: ConfigurationSection {
    static let name = "digest"
    static let keys = ["directory", "time", "timezone", "formats", "skip_empty", "atom_entries", "base_url", "deliveries_per_tick",
                             "alert_interval", "alert_max_stories", "max_stories_per_topic", "page_stories", "max_sources_per_story"]

    static func read(_ root: TOMLTable, _ reader: inout TableReader, stateDirectory: String, environment: [String: String]) -> DigestConfiguration {
        var digest = DigestConfiguration(
            directory: (stateDirectory as NSString).appendingPathComponent("digests"),
            timeZone: environment["TZ"].flatMap { TimeZone(identifier: $0) != nil ? $0 : nil } ?? "UTC")
        guard let section = reader.section(root, Self.self) else { return digest }
        if let v = reader.bool(section, "skip_empty") { digest.skipEmpty = v }
        if let v = reader.int(section, "atom_entries", range: 1...1000) { digest.atomEntries = v }
        if let v = reader.int(section, "deliveries_per_tick", range: 1...10_000) { digest.deliveriesPerTick = v }
        if let v = reader.span(section, "alert_interval", minimum: TimeSpan(seconds: 0), maximum: .hours(24)) { digest.alertInterval = v }
        if let v = reader.int(section, "alert_max_stories", range: 1...1000) { digest.alertMaxStories = v }
        if let v = reader.int(section, "max_stories_per_topic", range: 1...10_000) { digest.maxStoriesPerTopic = v }
        if let v = reader.int(section, "page_stories", range: 1...100_000) { digest.pageStories = v }
        if let v = reader.int(section, "max_sources_per_story", range: 1...100_000) { digest.maxSourcesPerStory = v }
        if let v = reader.string(section, "base_url") {
            let scheme = URLComponents(string: v)?.scheme?.lowercased()
            if (scheme == "http" || scheme == "https") && URLComponents(string: v)?.host != nil {
                digest.baseURL = v
            } else {
                reader.problem(section.path("base_url"), "must be an http:// or https:// URL")
            }
        }
        if let dir = reader.string(section, "directory") {
            if dir.isEmpty { reader.problem(section.path("directory"), "must not be empty") } else { digest.directory = dir }
        }
        if let time = reader.string(section, "time") {
            if let minutes = minuteOfDay(time) {
                digest.minuteOfDay = minutes
            } else {
                reader.problem(section.path("time"), "\"\(time)\" is not a time of day (write HH:MM, e.g. 07:00)")
            }
        }
        if let zone = reader.string(section, "timezone") {
            if TimeZone(identifier: zone) != nil, zone.contains("/") || zone == "UTC" {
                digest.timeZone = zone
            } else {
                reader.problem(section.path("timezone"), "\"\(zone)\" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)")
            }
        }
        if let names = reader.strings(section, "formats") {
            var formats: [DigestFormat] = []
            for (index, name) in names.enumerated() {
                if let format = DigestFormat(rawValue: name) {
                    if !formats.contains(format) { formats.append(format) }
                } else {
                    reader.problem("digest.formats[\(index)]", "unknown format \"\(name)\" (available: \(DigestFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            }
            if names.isEmpty { reader.problem(section.path("formats"), "must name at least one format") }
            digest.formats = formats
        }
        return digest
    }

    /// Minutes after midnight of `HH:MM`; nil when it is not one.
    static func minuteOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m)
        else { return nil }
        return h * 60 + m
    }
}

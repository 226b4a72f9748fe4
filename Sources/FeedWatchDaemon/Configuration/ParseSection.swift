import FeedWatchParsing
import TOMLKit

/// `[parse]`: bounds on reading one feed document (its size bound is `[fetch] max_body_bytes`).
enum ParseSection: ConfigurationSection {
    static let name = "parse"
    static let keys = [
        "max_entries", "max_depth", "max_text_bytes", "max_attributes", "max_namespaces", "max_names",
    ]

    static func read(_ root: TOMLTable, _ reader: inout TableReader) -> ParseConfiguration {
        var parse = ParseConfiguration()
        guard let section = reader.section(root, Self.self) else { return parse }
        if let v = reader.int(section, "max_entries", range: 1...10_000_000) { parse.maxEntries = v }
        // libxml2 refuses to nest deeper than 256 without XML_PARSE_HUGE, which feedwatch never sets.
        if let v = reader.int(section, "max_depth", range: 8...256) { parse.maxDepth = v }
        if let v = reader.int(section, "max_text_bytes", range: 1024...(1 << 30)) { parse.maxTextBytes = v }
        if let v = reader.int(section, "max_attributes", range: 16...100_000) { parse.maxAttributes = v }
        if let v = reader.int(section, "max_namespaces", range: 16...100_000) { parse.maxNamespaces = v }
        if let v = reader.int(section, "max_names", range: 500...10_000_000) { parse.maxNames = v }
        return parse
    }
}

import FeedWatchMatching
import FeedWatchModel
import TOMLKit

/// `[[topic]]`: what to look for.
enum TopicSection: ConfigurationSection {
    static let name = "topic"
    static let keys = ["id", "name", "query", "language", "languages", "feeds", "tags", "min_score", "alert"]

    /// The topics, and the ids of those with `alert = true`. A topic the matcher cannot index
    /// (no word an article must contain, e.g. only `-sports`) is valid but tried on every
    /// article and matches nearly all of them: it gets a warning.
    static func read(_ root: TOMLTable, _ reader: inout TableReader) -> (topics: [Topic], alertTopicIDs: [String]) {
        var topics: [Topic] = []
        var alertTopicIDs: [String] = []
        var seen: [String: Int] = [:]
        var queryPaths: [String: String] = [:]
        var valid = true
        for (index, section) in reader.sections(root, Self.self).enumerated() {
            guard let id = reader.string(section, "id") else {
                if !section.has("id") { reader.problem(section.path("id"), "missing: every [[topic]] needs an id") }
                continue
            }
            guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                reader.problem(section.path("id"), "\"\(id)\" must be non-empty letters, digits, - or _")
                continue
            }
            if let first = seen[id] {
                reader.problem(section.path("id"), "duplicate of topic[\(first)].id (\(id))")
                continue
            }
            seen[id] = index
            let name = reader.string(section, "name") ?? id
            guard let query = reader.string(section, "query") else {
                if !section.has("query") { reader.problem(section.path("query"), "missing: every [[topic]] needs a query") }
                continue
            }
            var topic = Topic(id: id, name: name, query: query)
            if section.has("language") && section.has("languages") {
                reader.problem(section.path("languages"), "give either language or languages, not both")
            }
            if let language = reader.string(section, "language") { topic.languages = [language] }
            if let languages = reader.strings(section, "languages") {
                if languages.isEmpty {
                    reader.problem(section.path("languages"), "must name at least one language")
                } else {
                    topic.languages = languages
                }
            }
            if let feeds = reader.strings(section, "feeds") { topic.feeds = feeds }
            if let tags = reader.strings(section, "tags") { topic.tags = tags }
            if let v = reader.number(section, "min_score", where: { $0 >= 0 }, message: "must be a number of 0 or more") { topic.minScore = v }
            if reader.bool(section, "alert") == true { alertTopicIDs.append(id) }
            let errors = TopicMatcher.validate([topic])
            for error in errors {
                reader.problem(section.path("query"), error.description)
            }
            valid = valid && errors.isEmpty
            queryPaths[id] = section.path("query")
            topics.append(topic)
        }
        if valid, let matcher = try? TopicMatcher(topics: topics) {
            for id in matcher.unindexableTopicIDs {
                reader.warning(queryPaths[id] ?? "topic", "topic \(id) has no word an article must contain (e.g. only -excluded words), so it is tried on every article and matches nearly all of them")
            }
        }
        return (topics, alertTopicIDs)
    }
}

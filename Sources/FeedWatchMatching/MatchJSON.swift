import FeedWatchModel

/// The JSON line `feedwatch match --json` prints for one (article, topic) match.
public enum MatchJSON {
    /// `{"topic":"…","title":"…","link":"…","source":"…","score":2.5,"snippets":["… «ballistic missile» …"]}`,
    /// keys in that order, snippets with hits marked «…», `link` null when unknown. No trailing newline.
    public static func line(hit: TopicHit, title: String, link: String?, source: String) -> String {
        let snippets = hit.snippets.map { quoted($0.markedText) }.joined(separator: ",")
        return "{\"topic\":\(quoted(hit.topicID)),\"title\":\(quoted(title)),\"link\":\(link.map(quoted) ?? "null"),"
            + "\"source\":\(quoted(source)),\"score\":\(number(hit.score)),\"snippets\":[\(snippets)]}"
    }

    /// A JSON number; non-finite values (never produced by the matcher) become 0.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func quoted(_ text: String) -> String { JSONText.quoted(text) }
}

import FeedWatchModel
/// Human-readable output of `feedwatch match`: one header line per match, then its snippets.
public enum MatchText {
    /// ```
    /// missile-tests  score 4.0  North Korea test-fires two short-range ballistic missiles
    ///   https://example.org/a
    ///   … Pyongyang «launched two short-range ballistic missiles» off its east coast …
    /// ```
    /// The link line is left out when unknown; hits are marked «…».
    public static func lines(hit: TopicHit, title: String, link: String?) -> [String] {
        var lines = ["\(hit.topicID)  score \(score(hit.score))  \(title)"]
        if let link, !link.isEmpty { lines.append("  " + link) }
        lines += hit.snippets.map { "  " + $0.markedText }
        return lines
    }

    /// A score with at most two decimals and at least one (`2.5`, `4.0`, `1.67`).
    static func score(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let whole = hundredths / 100, fraction = abs(hundredths % 100)
        if fraction == 0 { return "\(whole).0" }
        return fraction % 10 == 0 ? "\(whole).\(fraction / 10)" : "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

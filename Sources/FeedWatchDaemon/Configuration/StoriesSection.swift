import FeedWatchModel
import TOMLKit

/// `[stories]`: how articles from different feeds are grouped into one story.
enum StoriesSection: ConfigurationSection {
    static let name = "stories"
    static let keys = ["window", "text_similarity", "title_similarity"]

    static func read(_ root: TOMLTable, _ reader: inout TableReader) -> StoryConfiguration {
        var stories = StoryConfiguration()
        guard let section = reader.section(root, Self.self) else { return stories }
        if let v = reader.span(section, "window", minimum: TimeSpan(seconds: 3600)) { stories.window = v }
        let share = "must be a number above 0 and at most 1 (a share of common shingles or trigrams)"
        if let v = reader.number(section, "text_similarity", where: { $0 > 0 && $0 <= 1 }, message: share) { stories.textSimilarity = v }
        if let v = reader.number(section, "title_similarity", where: { $0 > 0 && $0 <= 1 }, message: share) { stories.titleSimilarity = v }
        return stories
    }
}

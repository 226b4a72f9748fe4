import Foundation
import FeedWatchModel

/// The pure part of `Store.enqueueAlerts`, shared by both stores: one topic's waiting matches
/// become one alert message, one item per story, bounded.
struct AlertBatch {
    /// One waiting match of an alert topic, as both stores read it.
    struct Candidate {
        var matchID: Int64
        var topic: TopicReference
        var score: Double
        var snippets: [Snippet]
        var articleID: Int64
        var title: String
        var link: String?
        var feedName: String
        var published: Date?
        var storyID: Int64?
    }

    /// The message's payload: a one-section digest.
    var payload: Digest
    /// Every candidate it covers (listed, counted in "and N more", or folded into a story),
    /// to be marked alerted; dismissed candidates are marked too, so they never come back.
    var matchIDs: [Int64]
    /// The first candidate's match id: with the topic, the delivery's unique subject.
    var firstMatchID: Int64

    /// The delivery subject of this batch: `alert:<topic id>:<first match id>`.
    var subject: String { "alert:\(payload.sections.first?.topic.id ?? ""):\(firstMatchID)" }

    /// Groups `candidates` (one topic's, oldest match first) by story: the story's first
    /// match is its line, later copies from other feeds become "also reported by". Stories
    /// dismissed under the topic are left out. Nil when nothing is left to say.
    static func make(
        _ candidates: [Candidate], dismissals: [Dismissal], maxStories: Int, day: String, timeZone: String, created: Date
    ) -> AlertBatch? {
        guard let first = candidates.first else { return nil }
        var items: [Digest.Item] = []
        var itemOfStory: [Int64: Int] = [:]
        for candidate in candidates {
            let story = candidate.storyID ?? candidate.articleID
            if dismissals.contains(where: { $0.hides(storyID: story, topic: candidate.topic.id) }) { continue }
            if let index = itemOfStory[story] {
                let link = Digest.Link(feedName: candidate.feedName, url: candidate.link, title: candidate.title)
                if !items[index].alsoReportedBy.contains(link) { items[index].alsoReportedBy.append(link) }
                continue
            }
            itemOfStory[story] = items.count
            items.append(Digest.Item(
                articleID: candidate.articleID, title: candidate.title, link: candidate.link, feedName: candidate.feedName,
                published: candidate.published, score: candidate.score, snippets: candidate.snippets, storyID: candidate.storyID))
        }
        let matchIDs = candidates.map(\.matchID)
        guard !items.isEmpty else {
            // Everything waiting was dismissed: nothing to send, but nothing to wait for either.
            return AlertBatch(payload: Digest(day: day, timeZone: timeZone, created: created, sections: []), matchIDs: matchIDs,
                              firstMatchID: first.matchID)
        }
        let limit = max(1, maxStories)
        let section = Digest.Section(topic: first.topic, items: Array(items.prefix(limit)), moreCount: max(0, items.count - limit))
        return AlertBatch(
            payload: Digest(day: day, timeZone: timeZone, created: created, sections: [section]), matchIDs: matchIDs,
            firstMatchID: first.matchID)
    }

    /// The day of `date` in `timeZone`, `YYYY-MM-DD`.
    static func day(of date: Date, timeZone: String) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    /// The payload as stored in `deliveries.payload`: sorted keys, so the same batch is the same text.
    static func encode(_ digest: Digest) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(digest), as: UTF8.self)
    }
}

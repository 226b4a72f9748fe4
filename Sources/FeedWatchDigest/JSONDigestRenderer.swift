import Foundation
public import FeedWatchModel

/// Renders a digest as JSON (`YYYY-MM-DD.json`), schema `feedwatch-digest/1`, documented in
/// `docs/digest-json.md`. Keys are sorted and the layout fixed, so the same digest always
/// gives the same bytes.
public struct JSONDigestRenderer: Sendable {
    /// The value of the document's `schema` key; bumped only for incompatible changes.
    public static let schema = "feedwatch-digest/1"

    public let clock: DigestClock

    public init(clock: DigestClock) { self.clock = clock }

    public func render(_ digest: Digest, context: DigestContext = DigestContext()) -> String {
        String(decoding: data(digest, context: context), as: UTF8.self) + "\n"
    }

    func data(_ digest: Digest, context: DigestContext = DigestContext()) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Encoding these plain structs cannot fail: no floats that are NaN (scores are finite),
        // no custom encoders that throw.
        return (try? encoder.encode(Document(digest, clock: clock, context: context))) ?? Data("{}".utf8)
    }

    struct Document: Encodable {
        var schema = JSONDigestRenderer.schema
        var day: String
        var time_zone: String
        var created: String
        var match_count: Int
        var topics: [TopicJSON]
        /// The start of the period covered; omitted when unknown.
        var since: String?
        /// The health report frozen with the digest; omitted when none.
        var health: HealthJSON?

        init(_ digest: Digest, clock: DigestClock, context: DigestContext) {
            day = digest.day
            time_zone = digest.timeZone
            created = DigestMarkup.rfc3339(digest.created)
            match_count = digest.matchCount
            topics = digest.sections.map { TopicJSON($0, clock: clock) }
            since = context.since.map(DigestMarkup.rfc3339)
            health = context.health.map(HealthJSON.init)
        }
    }

    /// The health report: feeds failing, disabled and silent, matches waiting.
    struct HealthJSON: Encodable {
        struct Failing: Encodable { var source: String, last_success: String?, errors: Int, error: String }
        struct Disabled: Encodable { var source: String, reason: String }
        struct Silent: Encodable { var source: String, last_entry: String, usual_gap_seconds: Int }
        var feeds: Int
        var failing: [Failing]
        var disabled: [Disabled]
        var silent: [Silent]
        var pending_matches: Int

        init(_ health: DigestHealth) {
            feeds = health.feedCount
            failing = health.failing.map {
                Failing(source: $0.feedName, last_success: $0.lastSuccess.map(DigestMarkup.rfc3339), errors: $0.errorCount, error: $0.error)
            }
            disabled = health.disabled.map { Disabled(source: $0.feedName, reason: $0.reason) }
            silent = health.silent.map {
                Silent(source: $0.feedName, last_entry: DigestMarkup.rfc3339($0.lastEntry), usual_gap_seconds: Int($0.usualGap))
            }
            pending_matches = health.pendingMatches
        }
    }

    struct TopicJSON: Encodable {
        var id: String
        var name: String
        var items: [ItemJSON]
        /// Stories an alert left out of `items` ("and N more"); omitted in digests, which keep all.
        var more_count: Int?
        init(_ section: Digest.Section, clock: DigestClock) {
            id = section.topic.id
            name = section.topic.name
            items = section.items.map { ItemJSON($0, clock: clock) }
            more_count = section.moreCount == 0 ? nil : section.moreCount
        }
    }

    struct ItemJSON: Encodable {
        var article_id: Int64
        var title: String
        var link: String?
        var source: String
        var published: String?
        var published_local: String?
        var story_id: Int64?
        var score: Double
        var snippets: [SnippetJSON]
        var also_reported_by: [LinkJSON]

        init(_ item: Digest.Item, clock: DigestClock) {
            article_id = item.articleID
            story_id = item.storyID
            title = item.title
            link = item.link
            source = item.feedName
            published = item.published.map(DigestMarkup.rfc3339)
            published_local = item.published.map(clock.displayTime)
            // Rounded so the text does not depend on how a platform prints binary fractions.
            score = (item.score * 1000).rounded() / 1000
            snippets = item.snippets.map(SnippetJSON.init)
            also_reported_by = item.alsoReportedBy.map { LinkJSON(source: $0.feedName, link: $0.url, title: $0.title) }
        }

        // Explicit so that absent values appear as null rather than vanishing.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(article_id, forKey: .article_id)
            try c.encodeIfPresent(story_id, forKey: .story_id)
            try c.encode(title, forKey: .title)
            try c.encode(link, forKey: .link)
            try c.encode(source, forKey: .source)
            try c.encode(published, forKey: .published)
            try c.encode(published_local, forKey: .published_local)
            try c.encode(score, forKey: .score)
            try c.encode(snippets, forKey: .snippets)
            try c.encode(also_reported_by, forKey: .also_reported_by)
        }

        enum CodingKeys: String, CodingKey {
            case article_id, story_id, title, link, source, published, published_local, score, snippets, also_reported_by
        }
    }

    struct SnippetJSON: Encodable {
        var text: String
        var parts: [PartJSON]
        init(_ snippet: Snippet) {
            text = snippet.plainText
            parts = snippet.parts.map { PartJSON(text: $0.text, highlighted: $0.highlighted) }
        }
    }

    struct PartJSON: Encodable {
        var text: String
        var highlighted: Bool
    }

    struct LinkJSON: Encodable {
        var source: String
        var link: String?
        /// The headline the other feed ran; omitted when unknown.
        var title: String?
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(source, forKey: .source)
            try c.encode(link, forKey: .link)
            try c.encodeIfPresent(title, forKey: .title)
        }
        enum CodingKeys: String, CodingKey { case source, link, title }
    }
}

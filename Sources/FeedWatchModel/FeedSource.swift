public import Foundation

/// One feed the user watches, as the configuration describes it.
public struct FeedSource: Sendable, Hashable {
    /// The feed's URL as configured (`http`, `https`, or an explicit `file:` URL).
    public var url: String
    /// A display name; the feed's own title is used when absent.
    public var name: String?
    /// How often to check the feed; the global `[fetch] interval` when absent.
    public var interval: TimeSpan?
    /// Free-form labels that topics can use to limit which feeds they watch.
    public var tags: [String]
    /// When to fetch and extract each article's page (`full_text`); `.never` by default.
    public var fullText: FullTextMode = .never
    /// Extra request headers for this feed (an API key, a cookie); sent, never logged.
    public var headers: [String: String] = [:]

    public init(url: String, name: String? = nil, interval: TimeSpan? = nil, tags: [String] = []) {
        self.url = url
        self.name = name
        self.interval = interval
        self.tags = tags
    }
}

/// Whether feedwatch fetches an article's page to match on its full text.
public enum FullTextMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every new article's page is fetched and extracted.
    case always
    /// Only pages of articles whose title and summary already contain terms of some topic.
    case candidates
    /// Articles are matched on what the feed gives.
    case never
}

/// A feed as the store knows it: its database id, its source and the name it shows.
public struct StoredFeed: Sendable, Hashable, Codable {
    public var id: Int64
    public var url: String
    public var name: String?
    /// The title the feed itself announced on its last successful parse.
    public var title: String?
    public var tags: [String]
    /// When the feed was added to the store (its `created_at`): backfill is counted from here.
    /// Carried with the feed so a refresh need not read it; nil when unknown.
    public var watchedSince: Date?

    public init(id: Int64, url: String, name: String?, title: String?, tags: [String], watchedSince: Date? = nil) {
        self.id = id
        self.url = url
        self.name = name
        self.title = title
        self.tags = tags
        self.watchedSince = watchedSince
    }

    /// What a reader sees as the feed's name: configured name, else its title, else its URL.
    public var displayName: String { name ?? title ?? url }
}

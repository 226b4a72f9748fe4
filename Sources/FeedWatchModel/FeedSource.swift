/// One feed the user watches, as the configuration describes it.
public struct FeedSource: Sendable, Hashable, Codable {
    /// The feed's URL as configured (`http`, `https`, or an explicit `file:` URL).
    public var url: String
    /// A display name; the feed's own title is used when absent.
    public var name: String?
    /// How often to check the feed; the global `[fetch] interval` when absent.
    public var interval: TimeSpan?
    /// Free-form labels that topics can use to limit which feeds they watch.
    public var tags: [String]

    public init(url: String, name: String? = nil, interval: TimeSpan? = nil, tags: [String] = []) {
        self.url = url
        self.name = name
        self.interval = interval
        self.tags = tags
    }
}

/// A feed as the store knows it: its database id, its source and the name it shows.
public struct StoredFeed: Sendable, Hashable, Codable {
    public var id: Int64
    public var url: String
    public var name: String?
    /// The title the feed itself announced on its last successful parse.
    public var title: String?
    public var tags: [String]

    public init(id: Int64, url: String, name: String?, title: String?, tags: [String]) {
        self.id = id
        self.url = url
        self.name = name
        self.title = title
        self.tags = tags
    }

    /// What a reader sees as the feed's name: configured name, else its title, else its URL.
    public var displayName: String { name ?? title ?? url }
}

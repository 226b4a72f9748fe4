public import Foundation

/// The syndication format a document was written in.
public enum FeedFormat: String, Sendable, Hashable, Codable, CaseIterable {
    case rss090 = "rss0.90"
    case rss091 = "rss0.91"
    case rss092 = "rss0.92"
    case rss093 = "rss0.93"
    case rss094 = "rss0.94"
    case rss10 = "rss1.0"
    case rss20 = "rss2.0"
    case atom03 = "atom0.3"
    case atom10 = "atom1.0"
    case json10 = "json1.0"
    case json11 = "json1.1"
}

/// A person named by a feed or entry.
public struct Person: Sendable, Hashable, Codable {
    public var name: String?
    public var email: String?
    public var uri: String?

    @inlinable
    public init(name: String? = nil, email: String? = nil, uri: String? = nil) {
        self.name = name
        self.email = email
        self.uri = uri
    }
}

/// A media file attached to an entry (podcast audio, an image).
public struct Enclosure: Sendable, Hashable, Codable {
    public var url: String
    public var type: String?
    public var length: Int64?

    @inlinable
    public init(url: String, type: String? = nil, length: Int64? = nil) {
        self.url = url
        self.type = type
        self.length = length
    }
}

/// A piece of text from a feed: as published (HTML or plain), and as plain text for
/// matching and snippets.
public struct FeedText: Sendable, Hashable, Codable {
    /// How `value` is written.
    public enum Kind: String, Sendable, Hashable, Codable { case text, html }

    /// The text as published, with relative URLs resolved when it is HTML.
    public var value: String
    public var kind: Kind
    /// `value` as plain text: tags removed, entities decoded, whitespace folded.
    public var plainText: String

    @inlinable
    public init(value: String, kind: Kind, plainText: String) {
        self.value = value
        self.kind = kind
        self.plainText = plainText
    }

    /// Plain text that is its own rendering.
    @inlinable
    public init(plain: String) {
        self.init(value: plain, kind: .text, plainText: plain)
    }
}

/// One item of a feed, normalised across RSS, Atom and JSON Feed.
///
/// The optional fields are spelled `Optional<…>` on purpose: a `var` declared `T?` gets an
/// implicit `nil` initial value, so every initialiser first stored `nil` and then assigned,
/// and the optimiser built each entry in a temporary and copied it out (a retain and a
/// release of every string of every entry, a few percent of parsing a large feed). The type
/// is the same; only that implicit initial value is gone.
public struct Entry: Sendable, Hashable, Codable {
    /// The entry's own identifier (RSS `guid`, Atom `id`, JSON `id`), if it has one.
    public var id: Optional<String>
    /// Whether an RSS guid claims to be the permalink (`isPermaLink`), when stated or implied.
    public var guidIsPermalink: Optional<Bool>
    public var title: Optional<String>
    public var link: Optional<String>
    public var summary: Optional<FeedText>
    public var content: Optional<FeedText>
    public var published: Optional<Date>
    public var updated: Optional<Date>
    public var authors: [Person]
    public var categories: [String]
    public var enclosures: [Enclosure]
    public var commentsURL: Optional<String>
    public var language: Optional<String>
    /// The identity used to recognise this entry on later fetches; see `EntryFingerprint`.
    public var fingerprint: String
    /// A representative image (Media RSS thumbnail, iTunes image, image enclosure).
    public var imageURL: Optional<String>
    /// The number of comments (`slash:comments`), when the feed says.
    public var commentCount: Optional<Int>
    /// The length of the episode in seconds (`itunes:duration`), for podcasts.
    public var durationSeconds: Optional<Int>

    // The memberwise initialisers are inlinable so a parser building thousands of entries
    // moves its strings into them instead of copying each one across the module boundary.
    @inlinable
    public init(
        id: String? = nil, guidIsPermalink: Bool? = nil, title: String? = nil, link: String? = nil,
        summary: FeedText? = nil, content: FeedText? = nil, published: Date? = nil, updated: Date? = nil,
        authors: [Person] = [], categories: [String] = [], enclosures: [Enclosure] = [],
        commentsURL: String? = nil, language: String? = nil, fingerprint: String? = nil
    ) {
        let fingerprint = fingerprint ?? EntryFingerprint.compute(
            id: id, link: link, title: title, content: content?.plainText ?? summary?.plainText)
        self.init(
            id: id, guidIsPermalink: guidIsPermalink, title: title, link: link, summary: summary, content: content,
            published: published, updated: updated, authors: authors, categories: categories, enclosures: enclosures,
            commentsURL: commentsURL, language: language, fingerprint: fingerprint, imageURL: nil, commentCount: nil,
            durationSeconds: nil)
    }

    /// Every field, the fingerprint included (the parser computes it before it moves the
    /// fields in, so nothing is mutated, and copied, after construction).
    @inlinable
    public init(
        id: String?, guidIsPermalink: Bool?, title: String?, link: String?, summary: FeedText?, content: FeedText?,
        published: Date?, updated: Date?, authors: [Person], categories: [String], enclosures: [Enclosure],
        commentsURL: String?, language: String?, fingerprint: String, imageURL: String?, commentCount: Int?,
        durationSeconds: Int?
    ) {
        self.id = id
        self.guidIsPermalink = guidIsPermalink
        self.title = title
        self.link = link
        self.summary = summary
        self.content = content
        self.published = published
        self.updated = updated
        self.authors = authors
        self.categories = categories
        self.enclosures = enclosures
        self.commentsURL = commentsURL
        self.language = language
        self.fingerprint = fingerprint
        self.imageURL = imageURL
        self.commentCount = commentCount
        self.durationSeconds = durationSeconds
    }

    /// The entry's body as plain text: its content, else its summary.
    public var bodyText: String { content?.plainText ?? summary?.plainText ?? "" }
}

/// A parsed feed document in the one normalised shape every later stage uses.
public struct ParsedFeed: Sendable, Hashable, Codable {
    public var format: FeedFormat
    public var title: String?
    public var link: String?
    public var subtitle: String?
    public var language: String?
    public var updated: Date?
    public var authors: [Person]
    public var imageURL: String?
    public var selfURL: String?
    /// RSS `<ttl>` in minutes, a publisher's hint for how often to check.
    public var ttlMinutes: Int?
    /// The syndication module's update period (`sy:updatePeriod`/`sy:updateFrequency`) in
    /// minutes, another publisher's hint for how often to check.
    public var updatePeriodMinutes: Int? = nil
    public var entries: [Entry]
    /// What the parser had to repair or could not read (like feedparser's `bozo`).
    public var warnings: [String]

    public init(
        format: FeedFormat, title: String? = nil, link: String? = nil, subtitle: String? = nil,
        language: String? = nil, updated: Date? = nil, authors: [Person] = [], imageURL: String? = nil,
        selfURL: String? = nil, ttlMinutes: Int? = nil, entries: [Entry] = [], warnings: [String] = []
    ) {
        self.format = format
        self.title = title
        self.link = link
        self.subtitle = subtitle
        self.language = language
        self.updated = updated
        self.authors = authors
        self.imageURL = imageURL
        self.selfURL = selfURL
        self.ttlMinutes = ttlMinutes
        self.entries = entries
        self.warnings = warnings
    }
}

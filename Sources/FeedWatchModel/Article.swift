public import Foundation

/// An entry the store has accepted as new, with the id it was given.
public struct Article: Sendable, Hashable, Codable {
    public var id: Int64
    public var feedID: Int64
    public var fingerprint: String
    public var title: String
    public var link: String?
    /// Plain-text summary as the feed gave it.
    public var summary: String
    /// Plain-text content (full body when the feed carries one).
    public var content: String
    public var author: String?
    public var published: Date?
    /// When feedwatch first saw the article.
    public var discovered: Date
    /// The story this article belongs to (the id of the story's first article); nil until clustered.
    public var storyID: Int64? = nil
    /// The text extracted from the article page, when full-text extraction ran and succeeded.
    public var fullText: String? = nil
    /// Why full-text extraction did not produce text (not HTML, too large, no article, fetch failed).
    public var extractionNote: String? = nil
    /// The language the feed declares for the entry (or for itself), normalised by `LanguageTag`;
    /// nil when it declares none. The matcher analyses the article's words by it.
    public var language: String? = nil

    public init(
        id: Int64, feedID: Int64, fingerprint: String, title: String, link: String?, summary: String,
        content: String, author: String?, published: Date?, discovered: Date
    ) {
        self.id = id
        self.feedID = feedID
        self.fingerprint = fingerprint
        self.title = title
        self.link = link
        self.summary = summary
        self.content = content
        self.author = author
        self.published = published
        self.discovered = discovered
    }

    /// The text matched as the article's body: content, else summary.
    public var bodyText: String { content.isEmpty ? summary : content }

    /// The text matched and clustered: the extracted full text when there is one, else `bodyText`.
    public var bestText: String {
        if let fullText, !fullText.isEmpty { return fullText }
        return bodyText
    }
}

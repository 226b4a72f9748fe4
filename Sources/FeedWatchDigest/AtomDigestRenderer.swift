import Foundation
public import FeedWatchModel

/// Renders `digests.atom`: an Atom 1.0 feed whose entries are the latest digests, so a user
/// can subscribe to their own digest in any feed reader.
///
/// Each entry carries the digest as escaped HTML (`type="html"`), the same fragment the page
/// shows; feed text is escaped twice over (once as HTML, once as XML), never raw markup.
public struct AtomDigestRenderer: Sendable {
    public let clock: DigestClock
    /// The feed's permanent id, e.g. `urn:uuid:…` or the public URL of the feed.
    public let feedID: String
    /// Where the digest files are published (`https://example.org/digests/`); nil when they
    /// are only local files, and the feed then has no links.
    public let baseURL: String?
    /// How many of the latest digests the feed carries (`atom_entries`).
    public let entries: Int
    /// The most stories each entry shows per topic (`max_stories_per_topic`), the rest counted
    /// and linked to the day's page: a feed reader gets a digest to read, and a day of 40,000
    /// matches does not make a feed of 30 such days that every poll downloads. Nil: all.
    public let maxStoriesPerTopic: Int?
    /// Whether the day's HTML page is written, so "and N more" can link to it.
    public let linksHTML: Bool

    /// A feed renderer; `entries` bounds the digests it reads as a file of a digest edition.
    public init(
        clock: DigestClock, feedID: String, baseURL: String? = nil, entries: Int = 30, maxStoriesPerTopic: Int? = nil,
        linksHTML: Bool = true
    ) {
        self.clock = clock
        self.feedID = feedID
        self.entries = entries
        self.maxStoriesPerTopic = maxStoriesPerTopic
        self.linksHTML = linksHTML
        self.baseURL = baseURL.flatMap(DigestMarkup.safeURL).map { $0.hasSuffix("/") ? $0 : $0 + "/" }
    }

    /// - Parameter digests: the digests to include, newest first.
    public func render(_ digests: [Digest]) -> String {
        let out = DigestOutput()
        render(digests, to: out)
        return out.contents
    }

    /// `render(_:)` written to `out`, a story at a time.
    public func render(_ digests: [Digest], to out: DigestOutput) {
        let updated = digests.map(\.created).max() ?? Date(timeIntervalSince1970: 0)
        var head = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
        head += "<id>\(DigestMarkup.escape(feedID))</id>\n<title>feedwatch digests</title>\n"
        head += "<updated>\(DigestMarkup.rfc3339(updated))</updated>\n"
        head += "<author><name>feedwatch</name></author>\n<generator>feedwatch</generator>\n"
        if let baseURL {
            head += "<link rel=\"self\" type=\"application/atom+xml\" href=\"\(DigestMarkup.escape(baseURL))digests.atom\"/>\n"
            head += "<link rel=\"alternate\" type=\"text/html\" href=\"\(DigestMarkup.escape(baseURL))index.html\"/>\n"
        }
        out.write(head)
        for digest in digests {
            let day = DigestMarkup.escape(digest.day)
            var entry = "<entry>\n<id>\(DigestMarkup.escape(feedID)):\(day)</id>\n"
            let stories = digest.sections.reduce(0) { $0 + $1.items.count + $1.moreCount }
            let summary = "\(DigestMarkup.count(stories, "match", "matches")) in "
                + DigestMarkup.count(digest.sections.count, "topic", "topics")
            entry += "<title>Digest \(day): \(summary)</title>\n"
            entry += "<updated>\(DigestMarkup.rfc3339(digest.created))</updated>\n"
            if let baseURL {
                entry += "<link rel=\"alternate\" type=\"text/html\" href=\"\(DigestMarkup.escape(baseURL))\(day).html\"/>\n"
            }
            out.write(entry + "<content type=\"html\">")
            // The entry's HTML, escaped as XML text as it is written.
            out.escapingMarkup {
                out.write("<p>\(summary) · made \(DigestMarkup.escape(clock.displayTime(digest.created)))</p>\n")
                if digest.sections.isEmpty {
                    out.write("<p>Nothing new matched your topics in this period.</p>\n")
                } else {
                    DigestMarkup.sectionsFragment(
                        digest, clock: clock, cap: maxStoriesPerTopic, cut: true,
                        moreLink: linksHTML ? baseURL.map { $0 + "\(digest.day).html" } : nil, to: out)
                }
            }
            out.write("</content>\n</entry>\n")
        }
        out.write("</feed>\n")
    }
}

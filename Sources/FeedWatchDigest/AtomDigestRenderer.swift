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
        steps(after: [], to: out).writeFeed(digests)
    }

    /// The feed written as the newest day's stories go by (`DigestSteps`): `begin` writes the
    /// feed's head and that day's entry's head, the stories its HTML, `end` the entry's tail,
    /// then the entries of `earlier` (as the reader gets them, newest first), then the feed's tail.
    func steps(after earlier: [Digest], to out: DigestOutput) -> Steps { Steps(renderer: self, earlier: earlier, out: out) }

    final class Steps: DigestSteps {
        let renderer: AtomDigestRenderer
        let earlier: [Digest]
        let out: DigestOutput
        private var sections: DigestMarkup.SectionSteps?
        private var outline: DigestOutline?

        init(renderer: AtomDigestRenderer, earlier: [Digest], out: DigestOutput) {
            self.renderer = renderer
            self.earlier = earlier
            self.out = out
        }

        func begin(_ outline: DigestOutline) {
            self.outline = outline
            writeHead(updated: ([outline.created] + earlier.map(\.created)).max() ?? outline.created)
            sections = beginEntry(outline)
        }

        func beginSection(_ index: Int) { sections?.beginSection(index) }
        func story(_ story: DigestStory, at position: Int) { sections?.story(story, at: position) }
        func endSection(_ index: Int) { sections?.endSection(index) }

        func end() {
            if let outline { endEntry(outline) }
            for digest in earlier { writeEntry(digest) }
            out.write("</feed>\n")
        }

        /// The whole feed of `digests` (newest first), none of them streamed.
        func writeFeed(_ digests: [Digest]) {
            writeHead(updated: digests.map(\.created).max() ?? Date(timeIntervalSince1970: 0))
            for digest in digests { writeEntry(digest) }
            out.write("</feed>\n")
        }

        private func writeHead(updated: Date) {
            let feedID = renderer.feedID
            var head = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
            head += "<id>\(DigestMarkup.escape(feedID))</id>\n<title>feedwatch digests</title>\n"
            head += "<updated>\(DigestMarkup.rfc3339(updated))</updated>\n"
            head += "<author><name>feedwatch</name></author>\n<generator>feedwatch</generator>\n"
            if let baseURL = renderer.baseURL {
                head += "<link rel=\"self\" type=\"application/atom+xml\" href=\"\(DigestMarkup.escape(baseURL))digests.atom\"/>\n"
                head += "<link rel=\"alternate\" type=\"text/html\" href=\"\(DigestMarkup.escape(baseURL))index.html\"/>\n"
            }
            out.write(head)
        }

        /// One digest's entry, whole.
        private func writeEntry(_ digest: Digest) {
            let outline = DigestOutline(digest)
            let sections = beginEntry(outline)
            for (index, section) in DigestLayout(digest, cap: nil).sections.enumerated() {
                sections?.beginSection(index)
                for (position, entry) in section.entries.enumerated() { sections?.story(entry, at: position) }
                sections?.endSection(index)
            }
            endEntry(outline)
        }

        /// The entry's head and summary; the steps of its sections, nil when it has none.
        private func beginEntry(_ outline: DigestOutline) -> DigestMarkup.SectionSteps? {
            let day = DigestMarkup.escape(outline.day)
            var entry = "<entry>\n<id>\(DigestMarkup.escape(renderer.feedID)):\(day)</id>\n"
            let summary = Self.summary(outline)
            entry += "<title>Digest \(day): \(summary)</title>\n"
            entry += "<updated>\(DigestMarkup.rfc3339(outline.created))</updated>\n"
            if let baseURL = renderer.baseURL {
                entry += "<link rel=\"alternate\" type=\"text/html\" href=\"\(DigestMarkup.escape(baseURL))\(day).html\"/>\n"
            }
            out.write(entry + "<content type=\"html\">")
            // The entry's HTML, escaped as XML text as it is written.
            out.beginEscapingMarkup()
            out.write("<p>\(summary) · made \(DigestMarkup.escape(renderer.clock.displayTime(outline.created)))</p>\n")
            if outline.sections.isEmpty {
                out.write("<p>Nothing new matched your topics in this period.</p>\n")
                return nil
            }
            let sections = DigestMarkup.SectionSteps(
                clock: renderer.clock, headingLevel: 2, cap: renderer.maxStoriesPerTopic, cut: true,
                moreLink: renderer.linksHTML ? renderer.baseURL.map { $0 + "\(outline.day).html" } : nil, out: out)
            sections.begin(outline)
            return sections
        }

        private func endEntry(_ outline: DigestOutline) {
            out.endEscapingMarkup()
            out.write("</content>\n</entry>\n")
        }

        /// "12 matches in 3 topics", counting the stories a day in its feed form does not carry.
        static func summary(_ outline: DigestOutline) -> String {
            let stories = outline.sections.reduce(0) { $0 + $1.itemCount + $1.moreCount }
            return "\(DigestMarkup.count(stories, "match", "matches")) in " + DigestMarkup.count(outline.sections.count, "topic", "topics")
        }
    }
}

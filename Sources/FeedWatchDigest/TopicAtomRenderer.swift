import Foundation
public import FeedWatchModel

/// Renders `topics/<id>.atom`: one topic's matches as an Atom 1.0 feed, one entry per story
/// with its snippets, so a topic can be followed in any feed reader. Written with the `atom`
/// format beside `digests.atom`, from the latest `atom_entries` digests.
public struct TopicAtomRenderer: Sendable {
    public let clock: DigestClock
    public let topic: TopicReference
    /// The digest directory's feed id; the topic's feed id is derived from it.
    public let feedID: String
    public let baseURL: String?
    /// How many of the latest digests the feed is made from (`atom_entries`).
    public let entries: Int
    /// The most stories the feed carries, newest digest first.
    public static let maxStories = 200

    public init(clock: DigestClock, topic: TopicReference, feedID: String, baseURL: String? = nil, entries: Int = 30) {
        self.clock = clock
        self.topic = topic
        self.feedID = feedID
        self.entries = entries
        self.baseURL = baseURL.flatMap(DigestMarkup.safeURL).map { $0.hasSuffix("/") ? $0 : $0 + "/" }
    }

    /// The file name of a topic's feed: its id, which the configuration limits to letters,
    /// digits, `-` and `_` (anything else is replaced, so no id can leave the directory).
    public static func fileName(topicID: String) -> String {
        "topics/" + String(topicID.map { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" ? $0 : "-" }) + ".atom"
    }

    /// - Parameter digests: the digests to take the topic's stories from, newest first.
    public func render(_ digests: [Digest]) -> String {
        let out = DigestOutput()
        render(digests, to: out)
        return out.contents
    }

    /// `render(_:)` written to `out`, a story at a time.
    public func render(_ digests: [Digest], to output: DigestOutput) {
        let steps = steps(after: digests, to: output)
        steps.writeHead(updated: digests.map(\.created).max() ?? Date(timeIntervalSince1970: 0))
        steps.end()
    }

    /// The feed written as the newest day's stories go by (`DigestSteps`): the topic's first
    /// stories of that day as they come, then those of `earlier` (as the reader gets them,
    /// newest first), at most `maxStories` in all.
    func steps(after earlier: [Digest], to output: DigestOutput) -> Steps { Steps(renderer: self, earlier: earlier, output: output) }

    final class Steps: DigestSteps {
        let renderer: TopicAtomRenderer
        let earlier: [Digest]
        let output: DigestOutput
        private var outline: DigestOutline?
        /// Whether the section being written is the topic's.
        private var inTopic = false
        private var written = 0
        private let id: String

        init(renderer: TopicAtomRenderer, earlier: [Digest], output: DigestOutput) {
            self.renderer = renderer
            self.earlier = earlier
            self.output = output
            id = DigestMarkup.escape(renderer.feedID) + ":topic:" + DigestMarkup.escape(renderer.topic.id)
        }

        func begin(_ outline: DigestOutline) {
            self.outline = outline
            writeHead(updated: ([outline.created] + earlier.map(\.created)).max() ?? outline.created)
        }

        func beginSection(_ index: Int) { inTopic = outline?.sections[index].topic.id == renderer.topic.id }

        func story(_ story: DigestStory, at position: Int) {
            guard inTopic, let outline else { return }
            write(story.item, day: outline.day, created: outline.created)
        }

        func endSection(_ index: Int) { inTopic = false }

        func end() {
            for digest in earlier {
                for section in digest.sections where section.topic.id == renderer.topic.id {
                    for item in section.items { write(item, day: digest.day, created: digest.created) }
                }
            }
            output.write("</feed>\n")
        }

        func writeHead(updated: Date) {
            var out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
            out += "<id>\(id)</id>\n<title>feedwatch: \(DigestMarkup.escape(renderer.topic.name))</title>\n"
            out += "<updated>\(DigestMarkup.rfc3339(updated))</updated>\n"
            out += "<author><name>feedwatch</name></author>\n<generator>feedwatch</generator>\n"
            if let baseURL = renderer.baseURL {
                let file = DigestMarkup.escape(baseURL + TopicAtomRenderer.fileName(topicID: renderer.topic.id))
                out += "<link rel=\"self\" type=\"application/atom+xml\" href=\"\(file)\"/>\n"
                out += "<link rel=\"alternate\" type=\"text/html\" href=\"\(DigestMarkup.escape(baseURL))index.html\"/>\n"
            }
            output.write(out)
        }

        /// One story's entry, while the feed has room for it.
        private func write(_ item: Digest.Item, day: String, created: Date) {
            guard written < TopicAtomRenderer.maxStories else { return }
            written += 1
            var out = "<entry>\n<id>\(id):\(item.dismissID)</id>\n<title>\(DigestMarkup.escape(item.title))</title>\n"
            out += "<updated>\(DigestMarkup.rfc3339(item.published ?? created))</updated>\n"
            if let published = item.published { out += "<published>\(DigestMarkup.rfc3339(published))</published>\n" }
            if let url = DigestMarkup.safeURL(item.link) {
                out += "<link rel=\"alternate\" type=\"text/html\" href=\"\(DigestMarkup.escape(url))\"/>\n"
            }
            out += "<author><name>\(DigestMarkup.escape(item.feedName))</name></author>\n"
            let summary = item.snippets.map(\.plainText).joined(separator: " … ")
            if !summary.isEmpty { out += "<summary>\(DigestMarkup.escape(summary))</summary>\n" }
            var html = ""
            for snippet in item.snippets {
                html += "<blockquote dir=\"auto\">"
                for part in snippet.parts {
                    let text = DigestMarkup.escape(part.text, newlinesAsSpaces: true)
                    html += part.highlighted ? "<mark>\(text)</mark>" : text
                }
                html += "</blockquote>\n"
            }
            html += "<p>\(DigestMarkup.isolated(DigestMarkup.escape(item.feedName))) · in the digest of \(DigestMarkup.escape(day)) · id \(item.dismissID)</p>\n"
            output.write(out + "<content type=\"html\">")
            // The entry's HTML, escaped as XML text as it is written; a story carried by a
            // thousand feeds lists them a name at a time.
            output.escapingMarkup {
                output.write(html)
                if !item.alsoReportedBy.isEmpty {
                    output.write("<p>Also reported by ")
                    for (index, link) in item.alsoReportedBy.enumerated() {
                        output.write((index == 0 ? "" : ", ") + DigestMarkup.isolated(DigestMarkup.escape(link.feedName)))
                    }
                    output.write(DigestMarkup.moreSources(item) + "</p>\n")
                }
            }
            output.write("</content>\n</entry>\n")
        }
    }
}

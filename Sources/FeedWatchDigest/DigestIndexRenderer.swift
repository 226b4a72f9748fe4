public import Foundation
import FeedWatchModel

/// One line of the digest index: a digest's day, size, creation time and matches per topic.
public struct DigestSummary: Sendable, Hashable {
    public var day: String
    public var matchCount: Int
    public var created: Date
    /// Matches per topic, in configuration order: (topic name, count).
    public var topics: [TopicTally]

    /// How many matches one topic had that day.
    public struct TopicTally: Sendable, Hashable {
        public var name: String
        public var count: Int
        public init(name: String, count: Int) {
            self.name = name
            self.count = count
        }
    }

    public init(day: String, matchCount: Int, created: Date, topics: [TopicTally] = []) {
        self.day = day
        self.matchCount = matchCount
        self.created = created
        self.topics = topics
    }
}

/// Renders `index.html`: every digest, newest first, linking to its page.
public struct DigestIndexRenderer: Sendable {
    public let clock: DigestClock
    /// The extension the entries link to (`html`, or `md` when no HTML pages are written).
    public let linkExtension: String
    /// Whether `digests.atom` is written next to the index, so the page may point to it.
    public let linksAtomFeed: Bool

    public init(clock: DigestClock, linkExtension: String = "html", linksAtomFeed: Bool = true) {
        self.clock = clock
        self.linkExtension = linkExtension
        self.linksAtomFeed = linksAtomFeed
    }

    /// - Parameter digests: newest first.
    public func render(_ digests: [DigestSummary]) -> String {
        let out = DigestOutput()
        render(digests, to: out)
        return out.contents
    }

    /// `render(_:)` written to `out`, a line at a time.
    public func render(_ digests: [DigestSummary], to out: DigestOutput) {
        HTMLPage.render(title: "feedwatch digests", to: out) {
            var body = "<header>\n<h1>feedwatch digests</h1>\n"
            body += "<p class=\"summary\">\(DigestMarkup.count(digests.count, "digest", "digests"))"
            if linksAtomFeed { body += " · subscribe: <a href=\"digests.atom\">digests.atom</a>" }
            body += "</p>\n</header>\n<main>\n"
            if digests.isEmpty {
                body += "<p class=\"empty\">No digest has been written yet.</p>\n"
            } else {
                body += "<table>\n<thead><tr><th>Day</th><th>Matches</th><th>Topics</th><th class=\"made\">Made</th></tr></thead>\n<tbody>\n"
                for digest in digests {
                    // Days come from the store, which only writes YYYY-MM-DD; escape anyway.
                    let day = DigestMarkup.escape(digest.day)
                    body += "<tr><td><a href=\"\(day).\(linkExtension)\">\(day)</a></td><td class=\"n\">\(digest.matchCount)</td>"
                    let topics = digest.topics.map { "\(DigestMarkup.isolated(DigestMarkup.escape($0.name))) <span class=\"count\">\($0.count)</span>" }
                    body += "<td class=\"topics\">\(topics.joined(separator: " · "))</td>"
                    body += "<td class=\"made\">\(DigestMarkup.escape(clock.displayTime(digest.created)))</td></tr>\n"
                    out.write(body)
                    body = ""
                }
                body += "</tbody>\n</table>\n"
            }
            body += "</main>\n"
            out.write(body)
        }
    }
}

import Foundation
public import FeedWatchModel

/// Renders an alert message: one topic, one line per story, the list bounded with "and N
/// more". Short on purpose: an alert informs, the digest explains.
public struct AlertRenderer: Sendable {
    public let clock: DigestClock

    public init(clock: DigestClock) { self.clock = clock }

    /// "feedwatch alert: Missile tests: <first headline> (+4 more)".
    public func subject(_ alert: Digest) -> String {
        guard let section = alert.sections.first, let first = section.items.first else { return "feedwatch alert" }
        let others = section.items.count - 1 + section.moreCount
        return "feedwatch alert: \(PlainTextDigestRenderer.flat(section.topic.name)): \(PlainTextDigestRenderer.flat(first.title))"
            + (others > 0 ? " (+\(others) more)" : "")
    }

    /// One line per story with its source and time, its link on the next line.
    public func text(_ alert: Digest) -> String {
        var out = ""
        for section in alert.sections {
            let total = section.items.count + section.moreCount
            out += "\(PlainTextDigestRenderer.flat(section.topic.name)): \(DigestMarkup.count(total, "new story", "new stories"))\n\n"
            for item in section.items {
                out += "- \(PlainTextDigestRenderer.flat(item.title)) — \(line(item))\n"
                if let link = DigestMarkup.safeURL(item.link) { out += "  \(link)\n" }
            }
            if section.moreCount > 0 { out += "\nand \(section.moreCount) more; the digest lists them all.\n" }
        }
        return out
    }

    /// The same list as HTML.
    public func html(_ alert: Digest) -> String {
        var body = ""
        for section in alert.sections {
            let total = section.items.count + section.moreCount
            body += "<h1>\(DigestMarkup.escape(section.topic.name)) <span class=\"count\">\(DigestMarkup.count(total, "new story", "new stories"))</span></h1>\n<ul>\n"
            for item in section.items {
                var title = DigestMarkup.escape(item.title)
                if let url = DigestMarkup.safeURL(item.link) { title = "<a href=\"\(DigestMarkup.escape(url))\" rel=\"noopener noreferrer\">\(title)</a>" }
                body += "<li dir=\"auto\">\(title) <span class=\"meta\">\(DigestMarkup.escape(line(item)))</span></li>\n"
            }
            body += "</ul>\n"
            if section.moreCount > 0 { body += "<p class=\"more\">and \(section.moreCount) more; the digest lists them all.</p>\n" }
        }
        return HTMLPage.render(title: subject(alert), body: body)
    }

    /// "Korea Wire · 2026-12-04 09:12 CET · 2 other sources · id 123".
    private func line(_ item: Digest.Item) -> String {
        var parts = [PlainTextDigestRenderer.flat(item.feedName)]
        if let published = item.published { parts.append(clock.displayTime(published)) }
        let sources = item.alsoReportedBy.count + item.alsoReportedMore
        if sources > 0 { parts.append(DigestMarkup.count(sources, "other source", "other sources")) }
        parts.append("id \(item.dismissID)")
        return parts.joined(separator: " · ")
    }
}

import Foundation
public import FeedWatchModel

/// Renders a digest as one self-contained HTML page: inline CSS, no script, no images, a
/// table of contents by topic, light and dark colours, readable from a phone to a desktop.
///
/// The page carries a Content-Security-Policy that allows nothing but its own stylesheet
/// (pinned by hash), so even a renderer bug cannot make a browser run feed-supplied script
/// or load a tracking pixel.
public struct HTMLDigestRenderer: Sendable {
    public let clock: DigestClock
    /// Past this many stories a topic's rest is folded (`<details>`), still on the page; nil: none folded.
    public var foldAfter: Int?

    public init(clock: DigestClock, foldAfter: Int? = nil) {
        self.clock = clock
        self.foldAfter = foldAfter
    }

    /// The digest alone: every story, no period, no neighbours, no health footer.
    public func render(_ digest: Digest) -> String { render(digest, context: DigestContext()) }

    /// The page with what `context` adds: the period covered, links to the previous and next
    /// digests and the index, topics past `maxStoriesPerTopic` folded (or, with `cut`, as in
    /// the e-mail, left out and linked), the health footer.
    public func render(_ digest: Digest, context: DigestContext, cut: Bool = false) -> String {
        let out = DigestOutput()
        render(digest, context: context, cut: cut, to: out)
        return out.contents
    }

    /// `render(_:context:cut:)` written to `out`, a story at a time.
    public func render(_ digest: Digest, context: DigestContext, cut: Bool = false, to out: DigestOutput) {
        steps(context: context, cut: cut, to: out).drive(digest)
    }

    /// The page written as the day's stories go by (`DigestSteps`).
    func steps(context: DigestContext, cut: Bool = false, to out: DigestOutput) -> some DigestSteps {
        Steps(renderer: self, context: context, cut: cut, out: out)
    }

    private final class Steps: DigestSteps {
        let renderer: HTMLDigestRenderer
        let context: DigestContext
        let cut: Bool
        let out: DigestOutput
        let sections: DigestMarkup.SectionSteps
        private var empty = true

        init(renderer: HTMLDigestRenderer, context: DigestContext, cut: Bool, out: DigestOutput) {
            self.renderer = renderer
            self.context = context
            self.cut = cut
            self.out = out
            sections = DigestMarkup.SectionSteps(
                clock: renderer.clock, headingLevel: 2, cap: context.maxStoriesPerTopic, cut: cut, moreLink: context.fullDigestLink, out: out)
        }

        func begin(_ outline: DigestOutline) {
            out.write(HTMLPage.head(title: "feedwatch digest \(outline.day)"))
            var head = "<header>\n<h1>feedwatch digest <time datetime=\"\(DigestMarkup.escape(outline.day))\">"
            head += "\(DigestMarkup.escape(outline.day))</time></h1>\n"
            head += "<p class=\"summary\">\(DigestMarkup.escape(renderer.clock.summaryLine(outline, since: context.since)))</p>\n"
            if !cut { head += HTMLDigestRenderer.dayLinks(context) }
            head += "</header>\n"
            out.write(head)
            empty = outline.sections.isEmpty
            if empty {
                out.write("<main>\n<p class=\"empty\">Nothing new matched your topics in this period.</p>\n</main>\n")
                return
            }
            out.write("<nav aria-label=\"Topics\">\n<h2>Topics</h2>\n<ol>\n")
            for section in outline.sections {
                out.write(
                    "<li><a href=\"#\(DigestMarkup.anchor(section.topic.id))\">"
                        + "\(DigestMarkup.isolated(DigestMarkup.escape(section.topic.name)))</a>"
                        + " <span class=\"count\">\(section.itemCount)</span></li>\n")
            }
            out.write("</ol>\n</nav>\n<main>\n")
            sections.begin(outline)
        }

        func beginSection(_ index: Int) { sections.beginSection(index) }
        func story(_ story: DigestStory, at position: Int) { sections.story(story, at: position) }
        func endSection(_ index: Int) { sections.endSection(index) }

        func end() {
            if !empty { out.write("</main>\n") }
            if let health = context.health { out.write(DigestMarkup.healthFragment(health, clock: renderer.clock)) }
            out.write("<footer><p>Written by feedwatch. Links open the original articles; nothing on this page loads from the network. ")
            out.write("To stop seeing a story under a topic: feedwatch dismiss ID --topic TOPIC.</p></footer>\n")
            out.write(HTMLPage.tail)
        }
    }

    /// "← 2026-12-03 · All digests · 2026-12-05 →" for a page in the digest directory.
    static func dayLinks(_ context: DigestContext) -> String {
        var links: [String] = []
        if let previous = context.previousDay {
            let day = DigestMarkup.escape(previous)
            links.append("<a rel=\"prev\" href=\"\(day).html\">← \(day)</a>")
        }
        links.append("<a href=\"index.html\">All digests</a>")
        if let next = context.nextDay {
            let day = DigestMarkup.escape(next)
            links.append("<a rel=\"next\" href=\"\(day).html\">\(day) →</a>")
        }
        return "<nav class=\"days\" aria-label=\"Digests\"><p>\(links.joined(separator: " · "))</p></nav>\n"
    }
}

/// The page frame shared by digest pages and the index: head with CSP, the stylesheet.
enum HTMLPage {
    /// One stylesheet for every page. System fonts, a readable measure, colours from
    /// `prefers-color-scheme`; no web fonts or images, which the CSP would block anyway.
    static let css = """
        :root{color-scheme:light dark;--bg:#fdfdfc;--fg:#1d1f21;--muted:#5f6368;--accent:#0b57d0;--rule:#e3e3e0;\
        --mark:#fff1a8;--markfg:#1d1f21;--quote:#f3f4f1}
        @media (prefers-color-scheme:dark){:root{--bg:#16181b;--fg:#e6e6e3;--muted:#a3a7ad;--accent:#8ab4f8;\
        --rule:#33363b;--mark:#5c4d00;--markfg:#fff7cc;--quote:#1f2226}}
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%}
        body{margin:0 auto;max-width:46rem;padding:1rem 1.1rem 3rem;background:var(--bg);color:var(--fg);\
        font:1.0625rem/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;overflow-wrap:anywhere}
        h1{font-size:1.55rem;line-height:1.25;margin:.6rem 0 .2rem}
        h2{font-size:1.25rem;margin:2.2rem 0 .6rem;padding-bottom:.3rem;border-bottom:2px solid var(--rule)}
        h3{font-size:1.08rem;line-height:1.35;margin:0 0 .25rem}
        a{color:var(--accent);text-decoration-thickness:1px;text-underline-offset:2px}
        .summary,.meta,.count,footer{color:var(--muted);font-size:.92rem}
        .count{font-weight:normal}
        time{white-space:nowrap}
        nav h2{font-size:1rem;border:0;margin:1.2rem 0 .3rem;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
        nav ol{margin:0;padding-left:1.4rem}
        nav li{margin:.15rem 0}
        article{padding:.9rem 0;border-bottom:1px solid var(--rule)}
        article:last-child{border-bottom:0}
        .meta{margin:0 0 .45rem}
        blockquote{margin:.4rem 0;padding:.45rem .75rem;background:var(--quote);border-left:3px solid var(--rule);\
        border-inline-start:3px solid var(--rule);border-inline-end:0;border-radius:4px}
        mark{background:var(--mark);color:var(--markfg);padding:0 .1em;border-radius:2px}
        .also{font-size:.92rem;margin:.4rem 0 0}
        .ref{margin:.5rem 0;padding:.3rem 0}
        .days p{margin:.3rem 0 0;font-size:.95rem}
        details{margin:.8rem 0}
        summary{cursor:pointer;color:var(--accent);font-weight:600}
        .more{color:var(--muted)}
        .health{margin-top:2.2rem}
        .health ul{padding-left:1.2rem;color:var(--muted)}
        td.topics{overflow-wrap:anywhere;font-size:.92rem}
        @media (max-width:40rem){.made{display:none}}
        table{border-collapse:collapse;width:100%;overflow-wrap:normal}
        td:first-child{white-space:nowrap}
        td,th{text-align:left;padding:.45rem .3rem;border-bottom:1px solid var(--rule)}
        td.n{text-align:right;color:var(--muted)}
        footer{margin-top:2.5rem;border-top:1px solid var(--rule);padding-top:.6rem}
        @media (min-width:60rem){body{font-size:1.1rem;padding-top:2rem}}
        """

    /// `style-src` pinned to the stylesheet's hash: no other style, and nothing else at all.
    static let contentSecurityPolicy: String = {
        let hash = Data(ContentDigest.digest(of: Array(css.utf8))).base64EncodedString()
        return "default-src 'none'; style-src 'sha256-\(hash)'; img-src 'none'; base-uri 'none'; form-action 'none'"
    }()

    static func render(title: String, body: String) -> String {
        let out = DigestOutput()
        render(title: title, to: out) { out.write(body) }
        return out.contents
    }

    /// The page frame written to `out`, with `body` writing what goes between its `<body>` tags.
    static func render(title: String, to out: DigestOutput, body: () -> Void) {
        out.write(head(title: title))
        body()
        out.write(tail)
    }

    /// The frame up to and with `<body>`.
    static func head(title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="\(contentSecurityPolicy)">
        <meta name="referrer" content="no-referrer">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <title>\(DigestMarkup.escape(title))</title>
        <style>\(css)</style>
        </head>
        <body>

        """
    }

    /// The frame after `</body>`'s content.
    static let tail = "</body>\n</html>\n"
}

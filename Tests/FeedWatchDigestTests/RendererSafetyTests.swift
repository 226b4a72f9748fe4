import Foundation
import FeedWatchDigest
import FeedWatchModel
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// A feed full of XSS payloads goes through every HTML-bearing format; what comes out must
/// be inert markup whatever the feed wrote.
@Suite struct RendererSafetyTests {
    let clock = DigestFixtures.berlin

    /// Every start tag in `html`, e.g. `<a href="…" rel="…">`.
    static func tags(_ html: String) -> [String] {
        let regex = try? NSRegularExpression(pattern: "<[a-zA-Z!][^>]*>")
        let range = NSRange(html.startIndex..., in: html)
        return (regex?.matches(in: html, range: range) ?? []).compactMap { Range($0.range, in: html).map { String(html[$0]) } }
    }

    /// The checks every HTML output has to pass.
    static func expectInert(_ html: String, allowsStyleElement: Bool) {
        let allowed: Set<String> = ["bdi", 
            "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "h4", "p", "time", "span",
            "nav", "ol", "li", "a", "main", "section", "article", "blockquote", "mark", "footer", "table", "thead", "tbody",
            "tr", "th", "td",
        ]
        for tag in tags(html) {
            let name = String(tag.dropFirst().prefix { $0.isLetter || $0.isNumber || $0 == "!" })
            #expect(allowed.contains(name), "unexpected element \(tag)")
            if name == "style" { #expect(allowsStyleElement, "style element in a fragment") }
            #expect(tag.range(of: #"\son[a-z]+\s*="#, options: [.regularExpression, .caseInsensitive]) == nil, "event handler in \(tag)")
            #expect(!tag.lowercased().contains("javascript:") && !tag.lowercased().contains("data:"), "script URL in \(tag)")
            if name == "a", let href = tag.range(of: #"href="[^"]*""#, options: .regularExpression) {
                let value = tag[href].dropFirst(6).dropLast()
                let external = value.hasPrefix("http://") || value.hasPrefix("https://")
                #expect(external || value.hasPrefix("#") || !value.contains(":"), "odd link \(value)")
                if external { #expect(tag.contains("rel=\"noopener noreferrer\""), "external link without rel: \(tag)") }
            }
        }
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.lowercased().contains("<img"))
        #expect(!html.lowercased().contains("<iframe"))
        #expect(!html.lowercased().contains("<svg"))
    }

    @Test func htmlPageIsInertAndPinsItsStylesheet() {
        let html = HTMLDigestRenderer(clock: clock).render(DigestFixtures.hostile)
        Self.expectInert(html, allowsStyleElement: true)
        #expect(html.components(separatedBy: "<style>").count == 2, "exactly one style element, ours")
        #expect(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-"))
        #expect(html.contains("img-src 'none'"))
        // The payload is still readable as text.
        #expect(html.contains("&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;"))
        // Only the one safe "also reported by" link is a link; the quote breaker is rejected.
        #expect(html.contains("<a href=\"https://fine.example/story?a=1&amp;b=2\" rel=\"noopener noreferrer\"><bdi>Fine source</bdi></a>"))
        #expect(!html.contains("ok.example"))
    }

    @Test func indexAndSampleAreInert() {
        Self.expectInert(HTMLDigestRenderer(clock: clock).render(DigestFixtures.sample), allowsStyleElement: true)
        let index = DigestIndexRenderer(clock: clock).render([DigestSummary(day: "2016-03-22", matchCount: 3, created: Date(timeIntervalSince1970: 0))])
        Self.expectInert(index, allowsStyleElement: true)
        #expect(index.contains("<a href=\"2016-03-22.html\">2016-03-22</a>"))
    }

    @Test func atomFeedIsWellFormedAndItsContentInert() throws {
        let atom = AtomDigestRenderer(clock: clock, feedID: "urn:feedwatch:test").render([DigestFixtures.hostile, DigestFixtures.sample])
        let collector = AtomCollector()
        let parser = XMLParser(data: Data(atom.utf8))
        parser.delegate = collector
        #expect(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
        #expect(collector.entryIDs == ["urn:feedwatch:test:2016-03-22", "urn:feedwatch:test:2016-03-23"])
        #expect(collector.contents.count == 2)
        for content in collector.contents { Self.expectInert(content, allowsStyleElement: false) }
        #expect(collector.contents[0].contains("&lt;svg/onload=alert(&#39;mark&#39;)&gt;"))
        // Control characters a feed sent are dropped: XML 1.0 forbids them.
        #expect(!atom.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    }

    @Test func jsonKeepsFeedTextVerbatimAsData() throws {
        let text = JSONDigestRenderer(clock: clock).render(DigestFixtures.hostile)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "feedwatch-digest/1")
        let topics = try #require(object["topics"] as? [[String: Any]])
        let items = try #require(topics.first?["items"] as? [[String: Any]])
        #expect(items.first?["title"] as? String == DigestFixtures.hostile.sections[0].items[0].title)
        #expect(items.first?["link"] as? String == "javascript:alert('link')", "JSON is data: consumers must check links themselves")
        #expect(items.last?["published"] is NSNull)
    }

    @Test func markdownOffersNoScriptLinks() {
        let text = MarkdownDigestRenderer(clock: clock).render(DigestStories.mergeDuplicates(DigestFixtures.hostile))
        #expect(!text.lowercased().contains("](<javascript:"))
        #expect(!text.lowercased().contains("](<data:"))
        #expect(!text.contains("<script"))
    }

    @Test func duplicatesFoldIntoAlsoReportedBy() {
        let merged = DigestStories.mergeDuplicates(DigestFixtures.sample)
        let missiles = merged.sections[0].items
        #expect(missiles.map(\.articleID) == [1, 3])
        #expect(missiles[0].alsoReportedBy == [Digest.Link(feedName: "Agence Exemple", url: "https://news.example.net/khamenei")])
        #expect(merged.sections[1].items.count == 2, "the same article under another topic stays there")
    }
}

/// Collects entry ids and content text from an Atom document.
final class AtomCollector: NSObject, XMLParserDelegate {
    var entryIDs: [String] = []
    var contents: [String] = []
    private var path: [String] = []
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        path.append(name)
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "id", path.dropLast().last == "entry" { entryIDs.append(text) }
        if name == "content" { contents.append(text) }
        path.removeLast()
        text = ""
    }
}

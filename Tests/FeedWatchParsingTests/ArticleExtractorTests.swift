import FeedWatchTestSupport
import Foundation
import Testing
import FeedWatchModel
@testable import FeedWatchParsing

/// Full-text extraction on the seed article and on pages shaped like real news sites.
@Suite struct ArticleExtractorTests {
    /// Text that is page chrome on every fixture and must never reach the article text.
    static let boilerplate = ["Home", "Related posts", "Subscribe to our newsletter", "Share this", "Exit mobile version", "Copyright"]

    static func fixture(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name)
        return try [UInt8](Data(contentsOf: url))
    }

    static func paragraphs(_ text: String) -> [String] {
        text.components(separatedBy: "\n\n").map { $0.trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
    }

    @Test(.requires(.sharedCorpus)) func seedArticleHasEveryParagraphAndNoChrome() throws {
        try TestRequirement.sharedCorpus.check()
        let html = try Corpus.bytes("seed/khamenei-missile-program.html")
        let expected = String(decoding: try Corpus.bytes("seed/khamenei-missile-program.txt"), as: UTF8.self)
        let article = try ArticleExtractor.extract(html, url: "https://www.iranfocus.example/en/?p=1", contentType: "text/html")
        // The .txt is a whole-page rendering: its breadcrumb and footer lines are chrome, not article.
        let articleParagraphs = Self.paragraphs(expected).filter { paragraph in
            !Self.boilerplate.contains { paragraph.contains($0) } && paragraph != article.title
        }
        #expect(articleParagraphs.count >= 15)
        for paragraph in articleParagraphs {
            #expect(article.text.contains(paragraph), "missing paragraph: \(paragraph.prefix(60))…")
        }
        for junk in Self.boilerplate {
            #expect(!article.text.contains(junk), "boilerplate in text: \(junk)")
        }
        #expect(article.title == "Khamenei Pushes Iranian Missile Program, More Conflict with West")
        #expect(article.byline == "Iran Focus")
        #expect(article.published == Date(timeIntervalSince1970: 1_458_639_000))
        #expect(article.canonicalURL == "https://www.iranfocus.example/en/khamenei-pushes-iranian-missile-program/")
        #expect(article.language == "en")
        #expect(Self.paragraphs(article.text).count == articleParagraphs.count)
    }

    @Test func wordPressPostDropsSharingRelatedAndComments() throws {
        let article = try ArticleExtractor.extract(try Self.fixture("wordpress.html"), url: "https://courier.example/?p=4821")
        let paragraphs = Self.paragraphs(article.text)
        #expect(paragraphs.first?.hasPrefix("The harbour authority on Thursday approved") == true)
        #expect(article.text.contains("lowers the roof line by six metres"))
        #expect(article.text.contains("said the chair of the authority, Henrik Dahl"))
        for junk in Self.boilerplate + ["About time too", "Leave a Reply", "Recent Posts", "Quay plans go", "Skip to content", "Posted in"] {
            #expect(!article.text.contains(junk), "boilerplate in text: \(junk)")
        }
        #expect(article.title == "Harbour authority approves new ferry terminal")
        #expect(article.byline == "Maria Lindqvist")
        #expect(article.published == FeedDates.parse("2026-11-20T08:15:00+00:00"))
        #expect(article.canonicalURL == "https://courier.example/2026/11/harbour-ferry-terminal/")
        #expect(article.language == "en-GB")
    }

    @Test func newspaperWithManyAsidesKeepsOnlyTheStory() throws {
        let article = try ArticleExtractor.extract(
            try Self.fixture("newspaper.html"), url: "https://nord.example/wirtschaft/x.html", contentType: "text/html; charset=utf-8")
        let paragraphs = Self.paragraphs(article.text)
        #expect(paragraphs.count == 5)
        #expect(paragraphs.first?.hasPrefix("Von Januar an zahlen Haushalte") == true)
        #expect(paragraphs.last?.hasPrefix("Die Stadtwerke verweisen darauf") == true)
        for junk in Self.boilerplate + ["Anzeige", "Meistgelesen", "Gaspreise sinken", "Wetter", "Cookies", "Politik"] {
            #expect(!article.text.contains(junk), "boilerplate in text: \(junk)")
        }
        #expect(article.title == "Stadtwerke erhöhen Fernwärmepreise deutlich")
        #expect(article.byline == "Jonas Becker")
        #expect(article.published == FeedDates.parse("2026-10-02T06:00:00+02:00"))
        #expect(article.canonicalURL == "https://nord.example/wirtschaft/stadtwerke-fernwaerme-1234.html")
        #expect(article.language == "de")
    }

    @Test func pageWithLongCommentsKeepsThePostNotTheComments() throws {
        let article = try ArticleExtractor.extract(try Self.fixture("comments.html"), url: "https://railnotes.example/p/1")
        #expect(Self.paragraphs(article.text).count == 3)
        #expect(article.text.hasPrefix("Ten years ago most European rail operators"))
        for junk in ["trainfan99", "Great article", "42 Comments", "too expensive compared"] {
            #expect(!article.text.contains(junk), "comment in text: \(junk)")
        }
        #expect(article.title == "Why the night train is back")
        #expect(article.byline == "Sam O'Connor")
        #expect(article.published == FeedDates.parse("2026-09-14T00:00:00Z"))
        #expect(article.canonicalURL == "https://railnotes.example/posts/night-train")
        #expect(article.language == "en-US")
    }

    @Test func ampPageUsesJSONLDAndCanonical() throws {
        let article = try ArticleExtractor.extract(try Self.fixture("amp.html"), url: "https://journal-sud.example/amp/lavande")
        #expect(Self.paragraphs(article.text).count == 3)
        #expect(article.text.hasPrefix("Les producteurs de lavande du plateau de Valensole"))
        for junk in Self.boilerplate + ["Accueil", "Menu", "gtag"] {
            #expect(!article.text.contains(junk), "boilerplate in text: \(junk)")
        }
        #expect(article.title == "La récolte de lavande en baisse")
        #expect(article.byline == "Claire Martin")
        #expect(article.published == FeedDates.parse("2026-07-30T10:00:00+02:00"))
        #expect(article.canonicalURL == "https://journal-sud.example/regions/lavande-recolte.html")
        #expect(article.language == "fr")
    }

    // MARK: Bad input

    @Test func notHTMLIsRefusedWithAReason() {
        #expect(throws: ExtractionError(code: .notHTML, message: "the page is application/pdf, not HTML")) {
            try ArticleExtractor.extract(Array("%PDF-1.7 binary".utf8), contentType: "application/pdf")
        }
        for body in [
            "{\"json\": true}", "%PDF-1.4\n", "just words, no markup at all",
            "<?xml version=\"1.0\"?>\n<!-- feed --><rss version=\"2.0\"><channel><title>x</title></channel></rss>",
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>x</title></feed>",
        ] {
            #expect(throws: ExtractionError.self) { try ArticleExtractor.extract(Array(body.utf8)) }
        }
        do {
            _ = try ArticleExtractor.extract([0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0x0D, 0x3C])
            Issue.record("a PNG was extracted")
        } catch {
            #expect(error.code == .notHTML)
        }
    }

    @Test func enormousPageIsRefusedAndNodeCountIsBounded() throws {
        let paragraph = "<p>" + String(repeating: "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", count: 20) + "</p>"
        let page = Array(("<html><body><article>" + String(repeating: paragraph, count: 2_000) + "</article></body></html>").utf8)
        do {
            _ = try ArticleExtractor.extract(page, limits: ExtractionLimits(maxInputBytes: 1 << 20))
            Issue.record("an oversized page was extracted")
        } catch {
            #expect(error.code == .tooLarge)
            #expect(error.message.contains("over the limit"))
        }
        let bounded = try ArticleExtractor.extract(page, limits: ExtractionLimits(maxNodes: 400, maxTextBytes: 10_000))
        #expect(bounded.truncated)
        #expect(bounded.text.utf8.count <= 10_000)
    }

    @Test func deeplyNestedPageDoesNotOverflowTheStack() throws {
        let text = "<p>" + String(repeating: "Deep text, nested far down. ", count: 20) + "</p>"
        // Within libxml2's nesting cap (256 levels without XML_PARSE_HUGE, which stays off) the
        // walk reaches the text at the bottom.
        let within = try ArticleExtractor.extract(Array((String(repeating: "<div>", count: 200) + text).utf8))
        #expect(within.text.components(separatedBy: "Deep text, nested far down.").count - 1 == 20)
        // Beyond it libxml2 stops building the tree: nothing below is kept, and the extractor
        // says there is no article (no crash, no stack overflow, no partial text).
        let beyond = String(repeating: "<div>", count: 50_000) + text
        #expect {
            _ = try ArticleExtractor.extract(Array(beyond.utf8))
        } throws: { error in
            (error as? ExtractionError)?.code == .noArticle
        }
    }

    @Test func pageWithoutAnArticleSaysSo() {
        let page = """
            <html><head><title>Index</title></head><body><nav><a href="/a">A</a> <a href="/b">B</a></nav>
            <ul><li><a href="/1">One story</a></li><li><a href="/2">Another story</a></li></ul>
            <footer>Copyright</footer></body></html>
            """
        do {
            _ = try ArticleExtractor.extract(Array(page.utf8), contentType: "text/html")
            Issue.record("a link list was taken for an article")
        } catch {
            #expect(error.code == .noArticle)
            #expect(error.message.hasPrefix("no discernible article"))
        }
    }

    @Test func textSeparatedByDoubleLineBreaksBecomesParagraphs() throws {
        let sentence = "A sentence about the budget, with numbers and commas, that reads like prose. "
        let page = """
            <html><body><div class="hdr"><a href="/">Home</a> | <a href="/n">News</a></div>
            <div class="story">First part. \(sentence)\(sentence)<br><br>Second part. \(sentence)\(sentence)<br>
            <br>Third part. \(sentence)<br>Same paragraph, new line.</div>
            <div class="links"><a href="/1">One</a> <a href="/2">Two</a></div></body></html>
            """
        let article = try ArticleExtractor.extract(Array(page.utf8))
        let paragraphs = Self.paragraphs(article.text)
        #expect(paragraphs.count == 3)
        #expect(paragraphs.last?.hasSuffix("prose.\nSame paragraph, new line.") == true)
        #expect(!article.text.contains("Home") && !article.text.contains("One"))
    }

    @Test func articleSplitAroundAnAdKeepsEveryPart() throws {
        let sentence = "A sentence about the budget, with numbers and commas, that reads like prose."
        let page = """
            <html><body><main><div class="article-body"><p>Para one. \(sentence)</p><p>Para two. \(sentence)</p></div>
            <div class="ad-slot">Advertisement</div>
            <div class="article-body"><p>Para three. \(sentence)</p><p>Para four. \(sentence)</p></div>
            <div class="article-body"><p>Para five. \(sentence)</p></div></main>
            <div class="footer-links"><a href="/a">About</a></div></body></html>
            """
        let article = try ArticleExtractor.extract(Array(page.utf8))
        #expect(Self.paragraphs(article.text).map { String($0.prefix(9)) } == ["Para one.", "Para two.", "Para thre", "Para four", "Para five"])
        #expect(!article.text.contains("Advertisement"))
    }

    @Test(arguments: [
        ("share-buttons", true), ("entry-meta", true), ("article-comments", true), ("sidebar", true),
        ("mobile-article", false), ("content-sidebar", false), ("entry-content", false), ("post-body", false),
        ("site-content has-sidebar", false), ("breadcrumbs", true), ("ad", true), ("head", false),
    ])
    func classNamesThatMarkBoilerplate(_ classes: String, _ boilerplate: Bool) {
        let node = PageTree.Node(tag: "div", text: "", attributes: ["class": classes], parent: -1)
        #expect(ContentScorer.looksLikeBoilerplate(node) == boilerplate)
    }

    @Test func latin1PageIsDecoded() throws {
        var page = Array("<html><head><meta charset=\"iso-8859-1\"></head><body><article><p>".utf8)
        let sentence = "Caf\u{E9} cr\u{E8}me in M\u{FC}nchen, the report said, and prices rose again this year. "
        for _ in 0..<5 { page += sentence.unicodeScalars.map { UInt8($0.value) } }
        page += Array("</p></article></body></html>".utf8)
        let article = try ArticleExtractor.extract(page)
        #expect(article.text.contains("Café crème in München"))
    }
}

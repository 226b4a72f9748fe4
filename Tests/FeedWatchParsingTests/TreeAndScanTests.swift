import Foundation
import Testing
import FeedWatchModel
@testable import FeedWatchParsing

/// The flat element tree (records, interned names, one text buffer) and the byte scans that
/// replaced per-byte loops: each case here is one the faster code handles on its own path.
@Suite struct TreeAndScanTests {
    @Test func xmlBaseIsScopedToItsElementAndItsDescendants() throws {
        let feed = try parse("""
            <feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://a.example/blog/">
              <entry xml:base="one/"><id>1</id><link href="post"/>
                <content type="html">&lt;a href="/top"&gt;t&lt;/a&gt; &lt;img src="pic.png"&gt;</content></entry>
              <entry><id>2</id><link href="post"/></entry>
              <entry xml:base="https://c.example/x/"><id>3</id><link xml:base="y/" href="post"/></entry>
            </feed>
            """, url: "https://feeds.example/atom.xml")
        #expect(feed.entries.map(\.link) == [
            "https://a.example/blog/one/post", "https://a.example/blog/post", "https://c.example/x/y/post",
        ])
        #expect(feed.entries[0].content?.value == "<a href=\"https://a.example/top\">t</a> <img src=\"https://a.example/blog/one/pic.png\">")
    }

    @Test func unknownElementsNestedInItemsDoNotLeakTheirChildren() throws {
        let feed = try parse("""
            <rss version="2.0" xmlns:x="urn:example:x"><channel><title>T</title>
            <item><x:wrapper><title>Inner title</title><link>https://inner.example/</link>
              <x:deeper><guid>inner-guid</guid></x:deeper></x:wrapper>
              <title>Real title</title><link>https://real.example/1</link><guid>real-guid</guid>
              <unknown><description>not the summary</description></unknown></item>
            </channel></rss>
            """)
        #expect(feed.entries.count == 1)
        #expect(feed.entries[0].title == "Real title")
        #expect(feed.entries[0].link == "https://real.example/1")
        #expect(feed.entries[0].id == "real-guid")
        #expect(feed.entries[0].summary == nil)
    }

    @Test func mixedContentKeepsTextOnBothSidesOfChildElements() throws {
        // The description's text is split around <b> in the text buffer; it must come back
        // whole, in order, with the child re-serialised between.
        let feed = try parse("""
            <rss version="2.0"><channel><item><title>T</title>
            <description>Hello <b>bold <i>and</i> more</b> world &amp; all</description>
            <category>One</category></item></channel></rss>
            """)
        let summary = try #require(feed.entries.first?.summary)
        #expect(summary.value == "Hello <b>bold <i>and</i> more</b> world &amp; all")
        #expect(summary.plainText == "Hello bold and more world & all")
        #expect(feed.entries[0].categories == ["One"])
    }

    @Test func manyDistinctElementNamesKeepTheirIdentity() throws {
        // More distinct names than the name table's first size, before the ones that matter.
        var unknown = ""
        for index in 0..<300 { unknown += "<x:e\(index)>v\(index)</x:e\(index)>" }
        let feed = try parse("""
            <rss version="2.0" xmlns:x="urn:example:x" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
            <item>\(unknown)<title>After</title><dc:creator>Jo</dc:creator><pubDate>Tue, 22 Mar 2016 09:30:00 GMT</pubDate></item>
            <item><title>Second</title>\(unknown)<dc:creator>Al</dc:creator></item>
            </channel></rss>
            """)
        #expect(feed.entries.map(\.title) == ["After", "Second"])
        #expect(feed.entries.map { $0.authors.first?.name } == ["Jo", "Al"])
        #expect(feed.entries[0].published == march22)
    }

    @Test func entityRepairOnlyWhenSomeAmpersandNeedsIt() throws {
        // Only predefined and numeric references: nothing to repair, no warning.
        let clean = try parse("<rss><channel><item><title>A &amp; B &lt;3 &#233; &#xE9;</title></item></channel></rss>")
        #expect(clean.entries[0].title == "A & B <3 é é")
        #expect(!clean.warnings.contains { $0.contains("bare") || $0.contains("entit") })
        // A bare `&` inside CDATA makes the quick scan say "maybe"; the full walk then knows
        // it is literal there and changes nothing.
        let cdata = try parse("<rss><channel><item><title><![CDATA[Salt & pepper]]></title></item></channel></rss>")
        #expect(cdata.entries[0].title == "Salt & pepper")
        #expect(!cdata.warnings.contains { $0.contains("bare") })
        // Outside CDATA both repairs happen and are reported.
        let broken = try parse("<rss><channel><item><title>Fish & chips&nbsp;&amp; peas</title></item></channel></rss>")
        #expect(broken.entries[0].title == "Fish & chips\u{A0}& peas")
        #expect(broken.warnings.contains("escaped 1 bare '&'"))
        #expect(broken.warnings.contains { $0.contains("HTML named entit") })
    }

    @Test func linksInHTMLAreFoundFromTheirEqualsSign() {
        let base = "https://ex.org/dir/page.html"
        let cases: [(String, String)] = [
            ("<a href = \"/a\">x</a>", "<a href = \"https://ex.org/a\">x</a>"),
            ("<img SRC='/img.png'>", "<img SRC='https://ex.org/img.png'>"),
            ("<a data-href=\"/x\" title=\"a=b\">", "<a data-href=\"/x\" title=\"a=b\">"),
            ("<a href=\"/search?q=a=b\">", "<a href=\"https://ex.org/search?q=a=b\">"),
            ("<a href=\"/a/./b/../c\">", "<a href=\"https://ex.org/a/c\">"),
            ("<a href=\"//cdn.example/x\">", "<a href=\"https://cdn.example/x\">"),
            ("<a href=\"/p?a=1&amp;b=2\">", "<a href=\"https://ex.org/p?a=1&amp;b=2\">"),
            ("<a href=\"rel/x\">", "<a href=\"https://ex.org/dir/rel/x\">"),
            ("<a href=/bare>t</a>", "<a href=https://ex.org/bare>t</a>"),
            ("<a href=\"#frag\"> <a href=\"mailto:jo@ex.org\">", "<a href=\"#frag\"> <a href=\"mailto:jo@ex.org\">"),
            ("x = y and src= \"/s\"", "x = y and src= \"https://ex.org/s\""),
            ("<a href=\"/one\"><img src=\"/two\"></a>", "<a href=\"https://ex.org/one\"><img src=\"https://ex.org/two\"></a>"),
            ("text with = signs only", "text with = signs only"),
            ("<a href=", "<a href="),
        ]
        for (html, expected) in cases {
            #expect(URLResolver.resolveLinks(inHTML: html, against: base) == expected, "\(html)")
        }
    }

    @Test func foldingHandlesLongWordsControlBytesAndEveryBreak() {
        #expect(HTMLText.foldWhitespace("  abcdefghijklmnop\tqrstuvwxyz0123456789\u{01}x  \n") ==
                "abcdefghijklmnop qrstuvwxyz0123456789\u{01}x")
        #expect(HTMLText.foldWhitespace("exactly8\nexactly8 \r\n twelve bytes") == "exactly8 exactly8 twelve bytes")
        #expect(HTMLText.foldWhitespace("\u{C9}t\u{E9} \u{2014} na\u{EF}ve\u{A0}caf\u{E9}") == "\u{C9}t\u{E9} \u{2014} na\u{EF}ve\u{A0}caf\u{E9}")
        #expect(HTMLText.foldWhitespace(String(repeating: "word ", count: 1000)).utf8.count == 4999)
        let long = "<p>" + String(repeating: "abcdefghij", count: 50) + "</p><p>second&nbsp;para</p>"
        #expect(HTMLText.plainText(fromHTML: long) == String(repeating: "abcdefghij", count: 50) + "\n\nsecond\u{A0}para")
    }
}

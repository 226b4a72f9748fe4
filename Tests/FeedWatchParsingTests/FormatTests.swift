import Foundation
import Testing
import FeedWatchModel
@testable import FeedWatchParsing

func parse(_ text: String, url: String? = nil, contentType: String? = nil) throws -> ParsedFeed {
    try FeedParser.parse(Array(text.utf8), documentURL: url, httpContentType: contentType)
}

/// 2016-03-22T09:30:00Z, the instant most fixtures use.
let march22 = Date(timeIntervalSince1970: 1_458_639_000)

/// One fixture per format: detection by content, and each format's own element names.
@Suite struct FormatTests {
    @Test func rss091WithDoctypeAndHTMLEntities() throws {
        let feed = try parse("""
            <?xml version="1.0" encoding="ISO-8859-1"?>
            <!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">
            <rss version="0.91"><channel><title>Caf&eacute; news</title><link>http://example.org/</link>
            <language>fr</language>
            <item><title>Caf&eacute;&nbsp;cr&egrave;me</title><link>http://example.org/1</link>
            <description>Un &lt;b&gt;bon&lt;/b&gt; caf&eacute;</description></item>
            </channel></rss>
            """)
        #expect(feed.format == .rss091)
        #expect(feed.title == "Café news")
        #expect(feed.entries.count == 1)
        #expect(feed.entries[0].title == "Café\u{A0}crème")
        #expect(feed.entries[0].summary?.kind == .html)
        #expect(feed.entries[0].summary?.value == "Un <b>bon</b> café")
        #expect(feed.entries[0].summary?.plainText == "Un bon café")
        #expect(feed.entries[0].language == "fr")
        #expect(feed.entries[0].fingerprint == "link:http://example.org/1")
        #expect(feed.warnings.contains { $0.contains("HTML named entit") })
    }

    @Test func rss092AndRSS094Versions() throws {
        for (version, format) in [("0.92", FeedFormat.rss092), ("0.93", .rss093), ("0.94", .rss094), ("2.0", .rss20)] {
            let feed = try parse("<rss version=\"\(version)\"><channel><title>T</title><item><title>A</title></item></channel></rss>")
            #expect(feed.format == format)
            #expect(feed.entries.count == 1)
        }
    }

    @Test func rss10RDF() throws {
        let feed = try parse("""
            <?xml version="1.0"?>
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
                     xmlns:dc="http://purl.org/dc/elements/1.1/">
              <channel rdf:about="http://example.org/rss">
                <title>RDF feed</title><link>http://example.org/</link><description>About RDF</description>
                <dc:date>2016-03-22T09:30:00Z</dc:date><dc:language>en</dc:language>
                <items><rdf:Seq><rdf:li resource="http://example.org/a"/></rdf:Seq></items>
              </channel>
              <item rdf:about="http://example.org/a">
                <title>First</title><link>http://example.org/a</link>
                <description>One</description><dc:creator>Jo Bloggs</dc:creator>
                <dc:date>2016-03-22T10:30:00+01:00</dc:date><dc:subject>Topic</dc:subject>
              </item>
              <item rdf:about="http://example.org/b"><title>Second</title><link>http://example.org/b</link></item>
            </rdf:RDF>
            """)
        #expect(feed.format == .rss10)
        #expect(feed.title == "RDF feed")
        #expect(feed.subtitle == "About RDF")
        #expect(feed.language == "en")
        #expect(feed.updated == march22)
        #expect(feed.entries.count == 2)
        let first = feed.entries[0]
        #expect(first.id == "http://example.org/a")
        #expect(first.published == march22)
        #expect(first.authors == [Person(name: "Jo Bloggs")])
        #expect(first.categories == ["Topic"])
    }

    @Test func rss090() throws {
        let feed = try parse("""
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/">
            <channel><title>Old</title><link>http://example.org/</link></channel>
            <item><title>One</title><link>http://example.org/1</link></item>
            </rdf:RDF>
            """)
        #expect(feed.format == .rss090)
        #expect(feed.entries.map(\.title) == ["One"])
    }

    @Test func atom03() throws {
        let feed = try parse("""
            <feed version="0.3" xmlns="http://purl.org/atom/ns#" xml:lang="de">
              <title>Atom 0.3</title><tagline>Old Atom</tagline>
              <link rel="alternate" type="text/html" href="http://example.org/"/>
              <modified>2016-03-22T09:30:00Z</modified>
              <author><name>Jo</name><url>http://example.org/jo</url></author>
              <entry>
                <title>Entry</title><link rel="alternate" type="text/html" href="http://example.org/e"/>
                <id>tag:example.org,2016:e</id>
                <issued>2016-03-22T09:30:00Z</issued><modified>2016-03-23T09:30:00Z</modified>
                <content type="text/html" mode="escaped">&lt;p&gt;Hello&lt;/p&gt;</content>
              </entry>
            </feed>
            """)
        #expect(feed.format == .atom03)
        #expect(feed.subtitle == "Old Atom")
        #expect(feed.updated == march22)
        #expect(feed.language == "de")
        let entry = try #require(feed.entries.first)
        #expect(entry.published == march22)
        #expect(entry.updated == march22.addingTimeInterval(86_400))
        #expect(entry.content?.kind == .html)
        #expect(entry.content?.value == "<p>Hello</p>")
        #expect(entry.content?.plainText == "Hello")
        #expect(entry.authors == [Person(name: "Jo", uri: "http://example.org/jo")])
        #expect(entry.language == "de")
    }

    @Test func atom03Base64Content() throws {
        let encoded = Data("<p>Decoded</p>".utf8).base64EncodedString()
        let feed = try parse("""
            <feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><title>B</title>
            <content type="text/html" mode="base64">\(encoded)</content></entry></feed>
            """)
        #expect(feed.entries.first?.content?.value == "<p>Decoded</p>")
        #expect(feed.entries.first?.content?.plainText == "Decoded")
    }

    @Test func atom10XHTMLContentXMLBaseAndLang() throws {
        let feed = try parse("""
            <feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://example.org/blog/" xml:lang="en">
              <title type="html">A &amp;lt;b&amp;gt;bold&amp;lt;/b&amp;gt; title</title>
              <link href="/"/>
              <entry xml:base="posts/" xml:lang="fr">
                <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Le <em>titre</em></div></title>
                <link href="one.html"/>
                <link rel="enclosure" href="one.mp3" type="audio/mpeg" length="1234"/>
                <link rel="replies" href="one.html#comments"/>
                <id>urn:uuid:1</id>
                <updated>2016-03-22T09:30:00Z</updated>
                <author><name>Jo</name><email>jo@example.org</email><uri>/jo</uri></author>
                <category term="news" label="News"/>
                <summary type="text">Plain &amp; simple</summary>
                <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>See <a href="two.html">two</a> and <img src="/i.png"/></p><p>Bye</p></div></content>
              </entry>
            </feed>
            """)
        #expect(feed.format == .atom10)
        #expect(feed.title == "A <b>bold</b> title")
        #expect(feed.link == "http://example.org/")
        let entry = try #require(feed.entries.first)
        #expect(entry.title == "Le titre")
        #expect(entry.link == "http://example.org/blog/posts/one.html")
        #expect(entry.enclosures == [Enclosure(url: "http://example.org/blog/posts/one.mp3", type: "audio/mpeg", length: 1234)])
        #expect(entry.commentsURL == "http://example.org/blog/posts/one.html#comments")
        #expect(entry.language == "fr")
        #expect(entry.authors == [Person(name: "Jo", email: "jo@example.org", uri: "http://example.org/jo")])
        #expect(entry.categories == ["news"])
        #expect(entry.summary == FeedText(value: "Plain & simple", kind: .text, plainText: "Plain & simple"))
        let content = try #require(entry.content)
        #expect(content.kind == .html)
        #expect(content.value == "<p>See <a href=\"http://example.org/blog/posts/two.html\">two</a> and <img src=\"http://example.org/i.png\" /></p><p>Bye</p>")
        #expect(content.plainText == "See two and\n\nBye")
        #expect(entry.published == nil)
        #expect(entry.updated == march22)
    }

    @Test func jsonFeed11() throws {
        let feed = try parse("""
            {"version": "https://jsonfeed.org/version/1.1", "title": "JSON", "home_page_url": "https://example.org/",
             "feed_url": "https://example.org/feed.json", "language": "en", "authors": [{"name": "Jo"}],
             "items": [
               {"id": "1", "url": "/one", "title": "One", "content_html": "<p>Hi <a href=\\"/x\\">x</a></p>",
                "summary": "Hi", "date_published": "2016-03-22T09:30:00Z", "tags": ["a", "b"],
                "attachments": [{"url": "https://example.org/a.mp3", "mime_type": "audio/mpeg", "size_in_bytes": 99}]},
               {"id": 2, "content_text": "Just text", "date_modified": "2016-03-22T10:30:00+01:00"}
             ]}
            """)
        #expect(feed.format == .json11)
        #expect(feed.selfURL == "https://example.org/feed.json")
        #expect(feed.entries.count == 2)
        let first = feed.entries[0]
        #expect(first.link == "https://example.org/one")
        #expect(first.content?.value == "<p>Hi <a href=\"https://example.org/x\">x</a></p>")
        #expect(first.content?.plainText == "Hi x")
        #expect(first.summary?.plainText == "Hi")
        #expect(first.published == march22)
        #expect(first.categories == ["a", "b"])
        #expect(first.authors == [Person(name: "Jo")])
        #expect(first.enclosures == [Enclosure(url: "https://example.org/a.mp3", type: "audio/mpeg", length: 99)])
        #expect(feed.entries[1].id == "2")
        #expect(feed.entries[1].content?.kind == .text)
        #expect(feed.entries[1].updated == march22)
    }

    @Test func jsonFeed10() throws {
        let feed = try parse("""
            {"version": "https://jsonfeed.org/version/1", "title": "Old JSON", "author": {"name": "Jo", "url": "https://jo.example"},
             "items": [{"id": "x", "title": "X", "content_text": "x"}]}
            """)
        #expect(feed.format == .json10)
        #expect(feed.authors == [Person(name: "Jo", uri: "https://jo.example")])
        #expect(feed.entries.first?.fingerprint == "id:x")
    }
}

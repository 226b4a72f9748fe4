import Foundation
import Testing
import FeedWatchModel
@testable import FeedWatchParsing

/// Broken documents a careful human could still read: every entry recovered, every repair a warning.
@Suite struct RecoveryTests {
    static let item = "<item><title>Caf\u{E9}</title><link>http://x.example/1</link></item>"

    @Test func whitespaceBeforeTheXMLDeclaration() throws {
        let feed = try parse("\n\n  <?xml version=\"1.0\"?><rss version=\"2.0\"><channel>\(Self.item)</channel></rss>")
        #expect(feed.entries.count == 1)
        #expect(feed.warnings.contains { $0.contains("whitespace before the XML declaration") })
    }

    @Test func junkBeforeTheRoot() throws {
        let feed = try parse("Warning: PHP notice in feed.php line 3\n<?xml version=\"1.0\"?><rss><channel>\(Self.item)</channel></rss>")
        #expect(feed.entries.count == 1)
        #expect(feed.warnings.contains { $0.contains("junk before the XML markup") })
    }

    @Test func bareAmpersandsInTextAndURLs() throws {
        let feed = try parse("""
            <rss version="2.0"><channel><item><title>Q&A: salt & pepper</title>
            <link>http://x.example/?a=1&b=2</link><enclosure url="http://x.example/a.mp3?x=1&y=2" type="audio/mpeg"/></item></channel></rss>
            """)
        #expect(feed.entries[0].title == "Q&A: salt & pepper")
        #expect(feed.entries[0].link == "http://x.example/?a=1&b=2")
        #expect(feed.entries[0].enclosures.first?.url == "http://x.example/a.mp3?x=1&y=2")
        #expect(feed.warnings.contains { $0.contains("bare '&'") })
    }

    @Test func ampersandsInsideCDATAAreLeftAlone() throws {
        let feed = try parse("""
            <rss version="2.0"><channel><item><description><![CDATA[Tom & Jerry &nbsp; <b>x</b>]]></description></item></channel></rss>
            """)
        #expect(feed.entries[0].summary?.value == "Tom & Jerry &nbsp; <b>x</b>")
        #expect(feed.warnings.isEmpty)
    }

    @Test func latin1BytesUnderAUTF8Declaration() throws {
        var bytes = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><item><title>Caf".utf8)
        bytes.append(0xE9)  // é in Latin-1
        bytes += Array(" \u{2013} ".utf8)  // a valid UTF-8 en dash stays as it is
        bytes.append(0x93)  // “ in Windows-1252
        bytes += Array("ok</title></item></channel></rss>".utf8)
        let feed = try FeedParser.parse(bytes)
        #expect(feed.entries.first?.title == "Café \u{2013} \u{201C}ok")
        #expect(feed.warnings.contains { $0.contains("not valid UTF-8") })
    }

    @Test func latin1WithoutADeclaration() throws {
        var bytes = Array("<rss version=\"2.0\"><channel><item><title>Na".utf8)
        bytes.append(0xEF)  // ï
        bytes += Array("ve</title></item></channel></rss>".utf8)
        let feed = try FeedParser.parse(bytes)
        #expect(feed.entries.first?.title == "Naïve")
    }

    @Test func declaredWindows1252AndISO88591() throws {
        for name in ["windows-1252", "ISO-8859-1"] {
            var bytes = Array("<?xml version=\"1.0\" encoding=\"\(name)\"?><rss><channel><item><title>".utf8)
            bytes += [0x80, 0x20, 0xE9]  // € é
            bytes += Array("</title></item></channel></rss>".utf8)
            let feed = try FeedParser.parse(bytes)
            #expect(feed.entries.first?.title == "€ é", "\(name)")
        }
    }

    @Test func declaredKOI8RIsDecodedByLibxml2() throws {
        var bytes = Array("<?xml version=\"1.0\" encoding=\"KOI8-R\"?><rss><channel><item><title>".utf8)
        bytes += [0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4]  // Привет
        bytes += Array("</title></item></channel></rss>".utf8)
        let feed = try FeedParser.parse(bytes)
        #expect(feed.entries.first?.title == "Привет")
    }

    @Test func httpCharsetOverridesTheDeclaration() throws {
        var bytes = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss><channel><item><title>".utf8)
        bytes += [0xE9]
        bytes += Array("</title></item></channel></rss>".utf8)
        let feed = try FeedParser.parse(bytes, httpContentType: "application/rss+xml; charset=ISO-8859-1")
        #expect(feed.entries.first?.title == "é")
    }

    @Test func httpCharsetForAnEncodingLibxml2Decodes() throws {
        var bytes = Array("<?xml version=\"1.0\"?><rss><channel><item><title>".utf8)
        bytes += [0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2]  // Привет in Windows-1251
        bytes += Array("</title></item></channel></rss>".utf8)
        let feed = try FeedParser.parse(bytes, httpContentType: "text/xml; charset=\"windows-1251\"")
        #expect(feed.entries.first?.title == "Привет")
    }

    @Test func utf16WithBOM() throws {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss><channel><item><title>Ünïcode ☃</title></item></channel></rss>"
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in text.utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let feed = try FeedParser.parse(bytes)
        #expect(feed.entries.first?.title == "Ünïcode ☃")
    }

    @Test func utf8BOM() throws {
        let feed = try FeedParser.parse([0xEF, 0xBB, 0xBF] + Array("<rss><channel>\(Self.item)</channel></rss>".utf8))
        #expect(feed.entries.first?.title == "Café")
    }

    @Test func unclosedTagsAndTruncatedDocument() throws {
        let feed = try parse("""
            <rss version="2.0"><channel><title>Broken</title>
            <item><title>One</title><description>text <b>bold</description></item>
            <item><title>Two</title><link>http://x.example/2</link></item>
            <item><title>Three</title><link>http://x.example/3
            """)
        try #require(feed.entries.map(\.title) == ["One", "Two", "Three"])
        #expect(feed.entries[2].link == "http://x.example/3")
        #expect(feed.warnings.contains { $0.hasPrefix("XML:") })
    }

    @Test func undeclaredNamespacePrefixes() throws {
        let feed = try parse("""
            <rss version="2.0"><channel><item><title>T</title><dc:creator>Jo</dc:creator>
            <content:encoded>&lt;p&gt;Body&lt;/p&gt;</content:encoded></item></channel></rss>
            """)
        #expect(feed.entries[0].authors == [Person(name: "Jo")])
        #expect(feed.entries[0].content?.plainText == "Body")
    }

    @Test func unescapedHTMLInADescriptionIsKeptAsMarkup() throws {
        let feed = try parse("""
            <rss version="2.0"><channel><item><title>T</title>
            <description><p>First <a href="http://x.example/">link</a></p><p>Second<br/>line</p></description>
            </item></channel></rss>
            """)
        let summary = try #require(feed.entries[0].summary)
        #expect(summary.kind == .html)
        #expect(summary.value == "<p>First <a href=\"http://x.example/\">link</a></p><p>Second<br />line</p>")
        #expect(summary.plainText == "First link\n\nSecond\nline")
    }

    @Test func unparseableDateIsNilWithAWarning() throws {
        let feed = try parse("<rss><channel><item><title>T</title><pubDate>sometime soon</pubDate></item></channel></rss>")
        #expect(feed.entries[0].published == nil)
        #expect(feed.warnings.contains { $0.contains("unparseable date \"sometime soon\"") })
    }

    @Test func doubleEscapedTitles() throws {
        let feed = try parse("<rss><channel><item><title>Fish &amp;amp; Chips &lt;i&gt;now&lt;/i&gt;</title></item></channel></rss>")
        #expect(feed.entries[0].title == "Fish & Chips now")
    }
}

import FeedWatchTestSupport
import Foundation
import Testing
import FeedWatchModel
@testable import FeedWatchParsing

/// Items and entries are decoded as the SAX pass closes them (`EntryStream`), so the tree
/// holds one item at a time. These cases are the ones where an item depends on something
/// outside itself that may come later in the document; each must come out exactly as when
/// the whole tree is kept and decoded at the end.
@Suite struct DecodeWhileReadingTests {
    private func bothWays(_ text: String, url: String? = nil) throws -> ParsedFeed {
        let bytes = Array(text.utf8)
        let streamed = try FeedParser.parse(bytes, documentURL: url, httpContentType: nil, limits: ParseLimits(),
                                            decodeWhileReading: true)
        let whole = try FeedParser.parse(bytes, documentURL: url, httpContentType: nil, limits: ParseLimits(),
                                         decodeWhileReading: false)
        #expect(streamed == whole)
        return streamed
    }

    @Test func channelLinkAfterTheFirstItemsIsStillTheirBase() throws {
        let feed = try bothWays("""
            <rss version="2.0"><channel><title>T</title>
            <item><title>one</title><link>/a/1</link></item>
            <item><title>two</title><link>/a/2</link></item>
            <link>https://late.example/</link>
            <item><title>three</title><link>/a/3</link></item>
            </channel></rss>
            """)
        #expect(feed.entries.map(\.link) == [
            "https://late.example/a/1", "https://late.example/a/2", "https://late.example/a/3",
        ])
    }

    @Test func channelLanguageAfterTheItemsReachesEveryItem() throws {
        let feed = try bothWays("""
            <rss version="2.0"><channel><link>https://news.example/</link>
            <item><title>one</title></item>
            <item xml:lang="fr"><title>deux</title></item>
            <item><title>three</title><dc:language xmlns:dc="http://purl.org/dc/elements/1.1/">de</dc:language></item>
            <language>en-GB</language>
            </channel></rss>
            """)
        #expect(feed.entries.map(\.language) == ["en-GB", "fr", "de"])
    }

    @Test func rss10ItemsBesideTheChannelUseItsLink() throws {
        let feed = try bothWays("""
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
            <channel rdf:about="https://rdf.example/"><title>R</title><link>https://rdf.example/</link></channel>
            <item rdf:about="https://rdf.example/1"><title>one</title><link>1.html</link></item>
            <item rdf:about="https://rdf.example/2"><title>two</title><link>2.html</link></item>
            </rdf:RDF>
            """)
        #expect(feed.entries.map(\.link) == ["https://rdf.example/1.html", "https://rdf.example/2.html"])
        #expect(feed.entries.map(\.id) == ["https://rdf.example/1", "https://rdf.example/2"])
    }

    @Test func atomFeedAuthorAfterTheEntriesIsTheirAuthor() throws {
        let feed = try bothWays("""
            <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
            <entry><id>1</id><title>one</title><link href="one"/></entry>
            <entry><id>2</id><title>two</title><author><name>Own Author</name></author></entry>
            <author><name>Feed Author</name></author>
            <link rel="alternate" type="text/html" href="https://atom.example/"/>
            </feed>
            """, url: "https://feeds.example/atom.xml")
        #expect(feed.entries.map { $0.authors.map(\.name) } == [["Feed Author"], ["Own Author"]])
        #expect(feed.entries.map(\.language) == ["en", "en"])
        #expect(feed.entries[0].link == "https://feeds.example/one")
    }

    @Test func atomEntriesWithoutABaseWaitForTheFeedLink() throws {
        // No document URL and no xml:base: the base is the feed's HTML link, which the last
        // `<link>` decides.
        let feed = try bothWays("""
            <feed xmlns="http://www.w3.org/2005/Atom">
            <link rel="alternate" href="https://first.example/"/>
            <entry><id>1</id><link href="post/1"/></entry>
            <link rel="alternate" type="text/html" href="https://html.example/blog/"/>
            </feed>
            """)
        #expect(feed.entries.first?.link == "https://html.example/blog/post/1")
    }

    @Test func warningsOfItemsComeInDocumentOrderAfterTheChannels() throws {
        let feed = try bothWays("""
            <rss version="2.0"><channel><link>https://w.example/</link>
            <item><title>one</title><pubDate>not a date</pubDate></item>
            <item><title>two</title><pubDate>also not a date</pubDate></item>
            <lastBuildDate>never</lastBuildDate>
            </channel></rss>
            """)
        let dates = feed.warnings.filter { $0.hasPrefix("unparseable date") }
        #expect(dates == [
            "unparseable date \"never\" in <lastBuildDate>",
            "unparseable date \"not a date\" in <pubDate>",
            "unparseable date \"also not a date\" in <pubDate>",
        ])
    }

    @Test func mixedContentAndUnclosedItemsInsideAStreamedFeed() throws {
        let feed = try bothWays("""
            <rss version="2.0"><channel><link>https://m.example/</link>
            <item><title>one</title><description>Good <em>is</em> good, <a href="/x">see</a>.</description></item>
            <item><title>two</title>
            <item><title>three</title><category>c</category></item>
            <item><title>four</title></item>
            </channel></rss>
            """)
        #expect(feed.entries.map(\.title) == ["one", "two", "three", "four"])
        #expect(feed.entries[0].summary?.value == "Good <em>is</em> good, <a href=\"https://m.example/x\">see</a>.")
    }

    @Test func aLargeFeedKeepsOneItemInTheTreeAtATime() throws {
        var text = "<rss version=\"2.0\"><channel><title>Big</title><link>https://big.example/</link>\n"
        for index in 0..<2_000 {
            text += "<item><title>Item \(index)</title><link>/n/\(index)</link>"
                + "<description>&lt;p&gt;Body \(index) with some words.&lt;/p&gt;</description></item>\n"
        }
        text += "</channel></rss>"
        let bytes = Array(text.utf8)
        let stream = EntryStream(documentURL: nil)
        let result = SAXDriver.parse(bytes, encoding: nil, declaredEncodingTrusted: true, baseURL: nil,
                                     limits: ParseLimits(), stream: stream)
        withExtendedLifetime(result.document) {
            // rss, channel, title, link, and a stub per item; the text of one item at most.
            #expect(result.document.records.count == 4 + 2_000)
            #expect(result.document.textLength < 200)
            #expect(stream.count == 2_000)
        }
        let whole = SAXDriver.parse(bytes, encoding: nil, declaredEncodingTrusted: true, baseURL: nil,
                                    limits: ParseLimits())
        withExtendedLifetime(whole.document) {
            #expect(whole.document.records.count == 4 + 2_000 * 4)
        }
        let feed = try bothWays(text)
        #expect(feed.entries.count == 2_000)
        #expect(feed.entries.last?.link == "https://big.example/n/1999")
        #expect(feed.entries.last?.summary?.plainText == "Body 1999 with some words.")
    }

    @Test(.requires(.sharedCorpus)) func everyCorpusFeedDecodesTheSameBothWays() throws {
        try TestRequirement.sharedCorpus.check()
        var compared = 0
        for path in Corpus.realFeeds() {
            let bytes = try Corpus.bytes(path)
            for url in [nil, "https://corpus.example/feeds/feed.xml"] {
                let streamed = try? FeedParser.parse(bytes, documentURL: url, httpContentType: nil,
                                                     limits: ParseLimits(), decodeWhileReading: true)
                let whole = try? FeedParser.parse(bytes, documentURL: url, httpContentType: nil,
                                                  limits: ParseLimits(), decodeWhileReading: false)
                #expect(streamed == whole, "\(path) with document URL \(url ?? "none")")
                compared += 1
            }
        }
        #expect(compared > 300)
    }
}

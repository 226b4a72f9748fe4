import FeedWatchTestSupport
import Foundation
import Testing
import FeedWatchModel
@testable import FeedWatchParsing

/// `StrictXMLReader` reads well-formed, DTD-less UTF-8 documents without libxml2 and declines
/// everything else. Whatever it reads must come out exactly as libxml2 reads it, warnings
/// included; whatever it declines must still parse (through libxml2) as before.
@Suite struct StrictXMLReaderTests {
    /// Parses `bytes` both ways, checks they agree, and says whether the strict reader read it.
    @discardableResult
    private func compare(_ bytes: [UInt8], url: String? = nil,
                         limits: ParseLimits = ParseLimits()) -> (result: Result<ParsedFeed, ParseError>, strict: Bool,
                                                                  declinedAt: String?) {
        var outcome: StrictXMLReader.Outcome?
        let fast = Result(catching: { () throws(ParseError) -> ParsedFeed in
            try FeedParser.parse(bytes, documentURL: url, httpContentType: nil, limits: limits, decodeWhileReading: true,
                                 strictReader: true, strictOutcome: &outcome)
        })
        let reference = Result(catching: { () throws(ParseError) -> ParsedFeed in
            try FeedParser.parse(bytes, documentURL: url, httpContentType: nil, limits: limits, decodeWhileReading: true,
                                 strictReader: false)
        })
        #expect(fast == reference, "strict reader and libxml2 differ on \(String(decoding: bytes.prefix(300), as: UTF8.self))")
        var declinedAt: String?
        if case .declined(let place) = outcome { declinedAt = place }
        return (fast, outcome == .finished, declinedAt)
    }

    private func compare(_ text: String, url: String? = nil) -> (result: Result<ParsedFeed, ParseError>, strict: Bool,
                                                                 declinedAt: String?) {
        compare(Array(text.utf8), url: url)
    }

    private func rss(_ items: String, channelExtra: String = "", declarations: String = "") -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" \
        xmlns:content="http://purl.org/rss/1.0/modules/content/"\(declarations)>
        <channel><title>Strict</title><link>https://strict.example/</link>\(channelExtra)
        \(items)
        </channel></rss>
        """
    }

    @Test func aTypicalFeedIsReadStrictlyWithTheSameResult() throws {
        let outcome = compare(rss("""
            <item><title>Sanctions &amp; missile tests &#8212; &#x2014; &lt;b&gt;</title>
            <link>https://strict.example/1</link><guid isPermaLink="false">a-1</guid>
            <description>&lt;p&gt;Officials said &lt;a href="/r/1"&gt;more&lt;/a&gt;.&lt;/p&gt;</description>
            <content:encoded><![CDATA[<p>Body with <a href="rel/2">link</a> ]] and ]></p>]]></content:encoded>
            <dc:creator>Jo Bloggs</dc:creator><pubDate>Tue, 22 Mar 2016 09:30:00 +0000</pubDate>
            <category domain="a &amp; b">World</category><enclosure url="/a.mp3" type="audio/mpeg" length="12"/>
            </item>
            <item><title>Second</title><link>/2</link><!-- a comment --><?php echo 1; ?></item>
            """), url: "https://strict.example/feed.xml")
        #expect(outcome.strict)
        let feed = try outcome.result.get()
        #expect(feed.entries.count == 2)
        #expect(feed.entries[0].title == "Sanctions & missile tests — —")
        #expect(feed.entries[0].categories == ["World"])
        #expect(feed.entries[0].enclosures.first?.url == "https://strict.example/a.mp3")
        #expect(feed.entries[0].content?.value.contains("]] and ]>") == true)
        #expect(feed.warnings.isEmpty)
    }

    @Test func namespacesResolveByBindingNotByPrefix() throws {
        // Atom under a default namespace, Dublin Core under an unusual prefix, a prefix
        // rebound inside an entry, and xml:base / xml:lang attributes.
        let outcome = compare("""
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:x="http://purl.org/dc/elements/1.1/" xml:lang="en"
                  xml:base="https://atom.example/base/">
            <title type="text">A</title><link href="/"/><id>urn:a</id><updated>2016-03-22T09:30:00Z</updated>
            <entry><id>urn:1</id><title>One</title><link rel="alternate" href="one.html"/><x:creator>Ann</x:creator>
            <updated>2016-03-22T09:30:00Z</updated></entry>
            <entry xmlns:x="http://example.org/not-dc" xml:lang="fr"><id>urn:2</id><title>Deux</title>
            <x:creator>nobody</x:creator><updated>2016-03-22T09:30:00Z</updated>
            <a:link xmlns:a="http://www.w3.org/2005/Atom" href="two.html"/></entry>
            </feed>
            """)
        #expect(outcome.strict)
        let feed = try outcome.result.get()
        #expect(feed.entries.map(\.link) == ["https://atom.example/base/one.html", "https://atom.example/base/two.html"])
        #expect(feed.entries.map(\.language) == ["en", "fr"])
    }

    @Test func lineEndsAndAttributeWhitespaceAreNormalisedAsLibxml2Does() throws {
        let outcome = compare(rss("<item>\r\n<title>Line one\r\nline two\rline three\n\tend</title>\r\n"
            + "<guid isPermaLink=\"false\">g\r\n1</guid><enclosure url=\"/a\r\nb\tc&#10;d&#38;e&amp;f&lt;\" type=\"x\"/>"
            + "<description>a&#13;b</description></item>\r\n"))
        #expect(outcome.strict)
        let entry = try #require(try outcome.result.get().entries.first)
        #expect(entry.enclosures.first?.url.contains("a b c") == true)
    }

    /// Text directly in a container is kept only in libxml2's pieces that are not all
    /// whitespace (split at references and before CRLF): an RSS `author` is such a container.
    @Test func textInContainersComesInLibxml2sPieces() throws {
        let outcome = compare("<rss><channel>\r\n stray &amp; \r\n text &#160; <item>\r\n"
            + "<author>jo@example.org (Jo)</author><title>T</title>  &amp;  </item><item> &#32; <title>U</title>"
            + "<author>\r\n  ann@example.org\r\n</author></item></channel></rss>")
        #expect(outcome.strict)
        let feed = try outcome.result.get()
        #expect(feed.entries.map { $0.authors.first?.email } == ["jo@example.org", "ann@example.org"])
    }

    @Test func selfClosingEmptyAndWhitespaceVariantsOfTags() throws {
        let outcome = compare(rss("<item ><title >T</title ><link/><description></description>"
            + "<category\n domain = 'x' >c</category></item>"))
        #expect(outcome.strict)
    }

    /// Each of these is something libxml2 reports or treats its own way: the strict reader
    /// must decline it, and the result must be libxml2's.
    @Test(arguments: [
        "doctype": "<!DOCTYPE rss [<!ENTITY e \"x\">]><rss><channel><item><title>&e;</title></item></channel></rss>",
        "mismatched end tag": "<rss><channel><item><title>T</titel></item></channel></rss>",
        "unclosed element": "<rss><channel><item><title>T</title></item></channel>",
        "undeclared entity": "<rss><channel><item><title>a &unknown; b</title></item></channel></rss>",
        "invalid character reference": "<rss><channel><item><title>a &#1; b</title></item></channel></rss>",
        "control character": "<rss><channel><item><title>a \u{1} b</title></item></channel></rss>",
        "cdata end in text": "<rss><channel><item><title>a ]]> b</title></item></channel></rss>",
        "undeclared prefix": "<rss><channel><item><dc:creator>Jo</dc:creator></item></channel></rss>",
        "relative namespace": "<rss xmlns:x=\"relative\"><channel><item><x:y>z</x:y></item></channel></rss>",
        "duplicate attribute": "<rss><channel><item><guid a=\"1\" a=\"2\">g</guid></item></channel></rss>",
        "duplicate expanded attribute": "<rss xmlns:a=\"http://x.example/\" xmlns:b=\"http://x.example/\"><channel>"
            + "<item><guid a:v=\"1\" b:v=\"2\">g</guid></item></channel></rss>",
        "attribute without space": "<rss><channel><item><guid a=\"1\"b=\"2\">g</guid></item></channel></rss>",
        "less-than in attribute": "<rss><channel><item><guid a=\"<\">g</guid></item></channel></rss>",
        "xml version 1.1": "<?xml version=\"1.1\"?><rss><channel><item><title>T</title></item></channel></rss>",
        "misplaced declaration": "<rss><?xml version=\"1.0\"?><channel><item><title>T</title></item></channel></rss>",
        "double hyphen in comment": "<rss><channel><!-- a -- b --><item><title>T</title></item></channel></rss>",
        "text after the root": "<rss><channel><item><title>T</title></item></channel></rss>junk",
        "second root": "<rss><channel><item><title>T</title></item></channel></rss><rss/>",
        "non-ascii text in a container": "<rss><channel>stray tëxt<item><title>T</title></item></channel></rss>",
        "lone carriage return in a container": "<rss><channel>\r<item><title>T</title></item></channel></rss>",
        "carriage return in cdata": "<rss><channel><item><title><![CDATA[a\r\nb]]></title></item></channel></rss>",
        "non-ascii name": "<rss><channel><item><tïtle>T</tïtle><title>T</title></item></channel></rss>",
        "non-character": "<rss><channel><item><title>a \u{FFFF} b</title></item></channel></rss>",
        "colon in pi target": "<rss><?a:b c?><channel><item><title>T</title></item></channel></rss>",
    ])
    func libxml2SpecialitiesAreLeftToLibxml2(_ name: String, _ document: String) {
        let outcome = compare(document)
        #expect(!outcome.strict, "the strict reader should have declined: \(name)")
    }

    @Test func limitsStopTheStrictReaderLikeLibxml2() throws {
        var text = "<rss><channel>"
        for index in 0..<500 { text += "<item><title>\(index)</title></item>" }
        text += "</channel></rss>"
        var limits = ParseLimits()
        limits.maxEntries = 100
        let entryLimited = compare(Array(text.utf8), limits: limits)
        #expect(entryLimited.strict)
        #expect(try entryLimited.result.get().entries.count == 100)

        limits = ParseLimits()
        limits.maxDepth = 20
        let deep = "<rss><channel><item>" + String(repeating: "<b>", count: 40) + String(repeating: "</b>", count: 40)
            + "</item></channel></rss>"
        let depthLimited = compare(Array(deep.utf8), limits: limits)
        #expect(depthLimited.strict)
        #expect(throws: ParseError.self) { try depthLimited.result.get() }

        limits = ParseLimits()
        limits.maxTextBytes = 1_000
        let long = "<rss><channel><item><title>" + String(repeating: "abc &amp; ", count: 500) + "</title></item></channel></rss>"
        let textLimited = compare(Array(long.utf8), limits: limits)
        #expect(textLimited.strict)
        #expect(throws: ParseError.self) { try textLimited.result.get() }
    }

    @Test(.requires(.sharedCorpus)) func everyCorpusFeedReadsTheSameStrictlyAndWithLibxml2() throws {
        try TestRequirement.sharedCorpus.check()
        var strictCount = 0
        var files = 0
        var declines: [String: [String]] = [:]
        for path in Corpus.realFeeds() {
            let bytes = try Corpus.bytes(path)
            files += 1
            var outcome = compare(bytes)
            outcome = compare(bytes, url: "https://corpus.example/feeds/feed.xml")
            if outcome.strict { strictCount += 1 }
            if let place = outcome.declinedAt { declines[place, default: []].append((path as NSString).lastPathComponent) }
        }
        print("StrictXMLReader read \(strictCount) of \(files) corpus feeds; libxml2 read the rest")
        for (place, names) in declines.sorted(by: { $0.value.count > $1.value.count }) {
            print("  declined at \(place): \(names.count) (\(names.prefix(3).joined(separator: ", ")))")
        }
        // Most real feeds are well-formed UTF-8 without a DTD; if this falls, the strict
        // reader has started declining what it should read.
        #expect(strictCount * 10 >= files * 7)
    }
}

import Foundation
import Testing
import FeedWatchModel
import FeedWatchTestSupport
@testable import FeedWatchParsing

/// The classes of odd feeds where feedwatch read differently from feedparser (issue 16), one
/// minimal fixture each. Every document is read both ways (items decoded as they close, and
/// the whole tree first), which must agree.
@Suite struct FeedparserParityTests {
    private func parse(_ text: String, contentType: String? = nil) throws -> ParsedFeed {
        try parse(Array(text.utf8), contentType: contentType)
    }

    private func parse(_ bytes: [UInt8], contentType: String? = nil) throws -> ParsedFeed {
        let streamed = try FeedParser.parse(bytes, documentURL: "https://example.org/feed", httpContentType: contentType)
        let whole = try FeedParser.parse(bytes, documentURL: "https://example.org/feed", httpContentType: contentType,
                                         limits: ParseLimits(), decodeWhileReading: false)
        #expect(streamed == whole)
        return streamed
    }

    private func rss(_ channel: String, item: String, namespaces: String = "") -> String {
        """
        <?xml version="1.0" encoding="utf-8"?>
        <rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
        xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" \
        xmlns:xhtml="http://www.w3.org/1999/xhtml" \(namespaces)>
        <channel>\(channel)<item>\(item)</item></channel></rss>
        """
    }

    @Test func authorsSplitIntoNameAndEmail() throws {
        let forms = [
            "<author>jo@example.org (Jo Bloggs)</author>",
            "<author>Jo Bloggs (jo@example.org)</author>",
            "<author>Jo Bloggs &lt;jo@example.org&gt;</author>",
            "<dc:creator>Jo Bloggs &lt;jo@example.org&gt;</dc:creator>",
            "<dc:author>jo@example.org (Jo Bloggs)</dc:author>",
            "<dc:creator>Jo Bloggs (mailto:jo@example.org)</dc:creator>",
        ]
        for form in forms {
            let feed = try parse(rss("<title>T</title>", item: "<title>x</title>" + form))
            #expect(feed.entries.first?.authors == [Person(name: "Jo Bloggs", email: "jo@example.org")], "\(form)")
        }
        let editor = try parse(rss("<title>T</title><managingEditor>Jo Bloggs (jo@example.org)</managingEditor>",
                                   item: "<title>x</title>"))
        #expect(editor.authors == [Person(name: "Jo Bloggs", email: "jo@example.org")])
        let plain = try parse(rss("<title>T</title>", item: "<title>x</title><dc:creator>Jo Bloggs</dc:creator>"))
        #expect(plain.entries.first?.authors == [Person(name: "Jo Bloggs")])
        let address = try parse(rss("<title>T</title>", item: "<author>jo@example.org</author>"))
        #expect(address.entries.first?.authors == [Person(email: "jo@example.org")])
    }

    @Test func dublinCoreChannelTitleAndDates() throws {
        let feed = try parse(rss(
            "<dc:title>Dublin title</dc:title><dcterms:modified>2024-05-06T07:08:09Z</dcterms:modified>",
            item: "<title>x</title><dc:date>2024-01-02T03:04:05Z</dc:date>"))
        #expect(feed.title == "Dublin title")
        #expect(feed.updated == Date(timeIntervalSince1970: 1_714_979_289))
        let entry = try #require(feed.entries.first)
        #expect(entry.updated == Date(timeIntervalSince1970: 1_704_164_645))
    }

    @Test func summaryAndContentKeepTheirOwnTextInEitherOrder() throws {
        let description = "<description>Short summary</description>"
        for content in ["<content:encoded>&lt;p&gt;Full content&lt;/p&gt;</content:encoded>",
                        "<xhtml:body><xhtml:p>Full content</xhtml:p></xhtml:body>"] {
            for item in [description + content, content + description] {
                let entry = try #require(try parse(rss("<title>T</title>", item: "<title>x</title>" + item)).entries.first)
                #expect(entry.summary?.plainText == "Short summary", "\(item)")
                #expect(entry.content?.plainText == "Full content", "\(item)")
            }
        }
        let atomSummary = "<atom:summary>Atom summary</atom:summary>"
        for item in [atomSummary + "<content:encoded>Body</content:encoded>",
                     "<content:encoded>Body</content:encoded>" + atomSummary] {
            let entry = try #require(try parse(rss("<title>T</title>", item: item)).entries.first)
            #expect(entry.summary?.plainText == "Atom summary")
            #expect(entry.content?.plainText == "Body")
        }
    }

    @Test func escapedMarkupThatIsTextKeepsItsWords() throws {
        let atom = """
            <feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
            <entry><id>1</id><title type="html">Use &lt;code>&amp;lt;entry>&lt;/code> per item</title>
            <summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Never &lt;blink&gt; again</div></summary></entry>
            <entry><id>2</id><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">The &lt;blink&gt; tag</div></title>
            <summary type="html">&amp;lt;blink&amp;gt; is gone</summary></entry>
            <entry><id>3</id><title>Plain &lt;blink&gt; text</title></entry>
            </feed>
            """
        let entries = try parse(atom).entries
        #expect(entries.map(\.title) == ["Use <entry> per item", "The <blink> tag", "Plain <blink> text"])
        #expect(entries[0].summary?.plainText == "Never <blink> again")
        #expect(entries[1].summary?.plainText == "<blink> is gone")
        // RSS titles: markup by feedparser's rule only (a close tag of an HTML element).
        let feed = try parse(rss("<title>T</title>", item: "<title>&lt;blink&gt; is dead</title>"))
        #expect(feed.entries.first?.title == "<blink> is dead")
        let html = try parse(rss("<title>T</title>", item: "<title>&lt;b&gt;Hot&lt;/b&gt; news</title>"))
        #expect(html.entries.first?.title == "Hot news")
    }

    @Test func atomPrefixesAndNamespaceForms() throws {
        let documents = [
            // A prefixed root and children.
            """
            <atom:feed xmlns:atom="http://www.w3.org/2005/Atom"><atom:title>Feed</atom:title>
            <atom:entry><atom:id>e1</atom:id><atom:title>Entry</atom:title></atom:entry></atom:feed>
            """,
            // A prefixed root with unprefixed children in no namespace.
            """
            <atom:feed xmlns:atom="http://www.w3.org/2005/Atom"><title>Feed</title>
            <entry><id>e1</id><title>Entry</title></entry></atom:feed>
            """,
            // Atom 0.3.
            """
            <feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Feed</title>
            <entry><id>e1</id><title>Entry</title></entry></feed>
            """,
            // The default namespace declared on the entries only.
            """
            <feed><title>Feed</title>
            <entry xmlns="http://www.w3.org/2005/Atom"><id>e1</id><title>Entry</title></entry></feed>
            """,
            // The namespace as feeds misspell it.
            """
            <feed xmlns="https://www.w3.org/2005/Atom/"><title>Feed</title>
            <entry><id>e1</id><title>Entry</title></entry></feed>
            """,
        ]
        for document in documents {
            let feed = try parse(document)
            #expect(feed.title == "Feed", "\(document)")
            #expect(feed.entries.map(\.id) == ["e1"], "\(document)")
            #expect(feed.entries.map(\.title) == ["Entry"], "\(document)")
        }
    }

    @Test func atom03ModesBase64AndEscaped() throws {
        func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        let document = """
            <feed version="0.3" xmlns="http://purl.org/atom/ns#">
            <title mode="base64">\(base64("Base64 feed"))</title>
            <tagline type="text/html" mode="escaped">&lt;b&gt;Escaped&lt;/b&gt; tagline</tagline>
            <entry><id>e1</id><title type="text/plain" mode="base64">\(base64("Entry ø"))</title>
            <summary type="text/html" mode="base64">\(base64("<p>Base64 <b>summary</b></p>"))</summary>
            <content type="application/xhtml+xml" mode="escaped">&lt;p&gt;Escaped content&lt;/p&gt;</content></entry>
            </feed>
            """
        let feed = try parse(document)
        #expect(feed.title == "Base64 feed")
        #expect(feed.subtitle == "Escaped tagline")
        let entry = try #require(feed.entries.first)
        #expect(entry.title == "Entry ø")
        #expect(entry.summary?.plainText == "Base64 summary")
        #expect(entry.content?.plainText == "Escaped content")
        #expect(entry.content?.kind == .html)
    }

    @Test func idWithAttributesAndShortDescription() throws {
        let atom = """
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:x="urn:x"><title>T</title>
            <entry><id x:scheme="urn" xml:lang="en">tag:example.org,2024:1</id><title>E</title></entry></feed>
            """
        #expect(try parse(atom).entries.first?.id == "tag:example.org,2024:1")
        let feed = try parse(rss("<title>T</title><description/>", item: "<title>x</title><description/><link>https://example.org/a</link>"))
        #expect(feed.subtitle == nil)
        let entry = try #require(feed.entries.first)
        #expect(entry.summary == nil)
        #expect(entry.title == "x")
        #expect(entry.link == "https://example.org/a")
    }

    @Test func rdfWithInternalEntityDeclarations() throws {
        let document = """
            <?xml version="1.0"?>
            <!DOCTYPE rdf:RDF [
              <!ENTITY publisher "Example Publisher">
              <!ENTITY % local "ignored">
            ]>
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
            <channel rdf:about="https://example.org/"><title>RDF &publisher;</title><link>https://example.org/</link></channel>
            <item rdf:about="https://example.org/1"><title>First</title><link>https://example.org/1</link></item>
            <item rdf:about="https://example.org/2"><title>Second</title><link>https://example.org/2</link></item>
            </rdf:RDF>
            """
        let feed = try parse(document)
        #expect(feed.format == .rss10)
        #expect(feed.entries.map(\.title) == ["First", "Second"])
        // The declared entity stays unexpanded: inert text, never its declared value.
        #expect(feed.title == "RDF &publisher;")
    }

    @Test func undefinedEntityKeptAndCapitalHexReferenceDecoded() throws {
        let feed = try parse(rss("<title>T</title>", item: "<title>A &doesnotexist; B &#X41;&#x42;&#67;</title>"))
        #expect(feed.entries.first?.title == "A &doesnotexist; B ABC")
        #expect(feed.warnings.contains { $0.contains("undefined entit") })
    }

    @Test func latin1ReadsC1BytesAsWindows1252() throws {
        var bytes = Array(#"<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>T</title><item><title>"#.utf8)
        bytes += [0x93, 0x51, 0x75, 0x6F, 0x74, 0x65, 0x94, 0x20, 0x96, 0x20, 0x63, 0x61, 0x66, 0xE9, 0x20, 0x80]
        bytes += Array("</title></item></channel></rss>".utf8)
        let feed = try parse(bytes)
        #expect(feed.entries.first?.title == "\u{201C}Quote\u{201D} \u{2013} café €")
        // The same from the HTTP charset.
        let undeclared = Array(bytes.dropFirst(#"<?xml version="1.0" encoding="ISO-8859-1"?>"#.utf8.count))
        let http = try parse(undeclared, contentType: "application/rss+xml; charset=iso-8859-1")
        #expect(http.entries.first?.title == "\u{201C}Quote\u{201D} \u{2013} café €")
    }

    @Test func latin1DeclaredButUTF8IsReadAsUTF8() throws {
        var bytes = Array(#"<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>T</title><item><title>"#.utf8)
        bytes += Array("Brøndby og Søborg mødes".utf8)
        bytes += [0x20, 0xE9]  // one stray Latin-1 é
        bytes += Array("</title></item></channel></rss>".utf8)
        let feed = try parse(bytes)
        #expect(feed.entries.first?.title == "Brøndby og Søborg mødes é")
        #expect(feed.warnings.contains { $0.contains("but is UTF-8") && $0.contains("1 stray byte") })
    }

    @Test func emptyDocumentIsAnError() throws {
        for bytes in [[], Array(" \n".utf8), [0xEF, 0xBB, 0xBF], [0xEF, 0xBB, 0xBF, 0x20, 0x0A]] as [[UInt8]] {
            do {
                _ = try FeedParser.parse(bytes)
                Issue.record("an empty document parsed")
            } catch {
                #expect(error.code == .notAFeed)
                #expect(error.message == "not a feed: empty")
            }
        }
    }
}

/// The encoding classes on the real-world corpus (`../shared/corpus/real-feeds`, read in place).
@Suite struct FeedparserParityCorpusTests {
    /// bold.dk's feed declares ISO-8859-1, holds 230 UTF-8 "ø" and one stray Latin-1 byte.
    @Test(.requires(.sharedCorpus)) func latin1DeclaredUTF8FeedReadsAsUTF8() throws {
        try TestRequirement.sharedCorpus.check()
        let feed = try FeedParser.parse(Corpus.bytes(
            "real-feeds/FeedKit/FeedKit__Tests__FeedKitTests__Resources__xml__Ampersand.xml"))
        let texts = feed.entries.flatMap { [$0.title ?? "", $0.summary?.plainText ?? ""] }
        #expect(texts.contains { $0.contains("Brøndby") })
        #expect(!texts.contains { $0.contains("Ã¸") })
        // The stray byte is Windows-1252's ø, in "besøge".
        #expect(texts.contains { $0.contains("besøge") })
        #expect(feed.warnings.contains { $0.contains("but is UTF-8") && $0.contains("1 stray byte") })
    }

    /// A true ISO-8859-1 feed stays Latin-1 (no UTF-8 sequence in it).
    @Test(.requires(.sharedCorpus)) func trueLatin1FeedStaysLatin1() throws {
        try TestRequirement.sharedCorpus.check()
        let feed = try FeedParser.parse(Corpus.bytes(
            "real-feeds/miniflux/miniflux__internal__reader__parser__testdata__encoding_ISO-8859-1.xml"))
        #expect(!feed.warnings.contains { $0.contains("but is UTF-8") })
        let texts = feed.entries.compactMap(\.title)
        #expect(texts.contains { $0.unicodeScalars.contains { $0.value >= 0xC0 && $0.value <= 0xFF } })
        #expect(!texts.contains { $0.contains("\u{FFFD}") })
    }
}

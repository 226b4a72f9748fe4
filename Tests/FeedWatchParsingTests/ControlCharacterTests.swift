import Testing
import FeedWatchModel
@testable import FeedWatchParsing

/// `ControlText.contains` (behind `ControlCharacters`) reads eight bytes at a time; these hold
/// it to the plain definition at every position of a word, across word boundaries and in the
/// overlapping last word.
@Suite struct ControlCharacterTests {
    /// C0 controls (but tab, line feed, carriage return), DEL and C1: what must be found.
    static let controls: [Unicode.Scalar] = ["\u{0}", "\u{1}", "\u{8}", "\u{B}", "\u{C}", "\u{1B}", "\u{1F}", "\u{7F}",
                                             "\u{80}", "\u{85}", "\u{9B}", "\u{9F}"]
    /// Characters next to them that must not be: whitespace kept, and UTF-8 sequences that
    /// share the 0xC2 lead byte or continuation bytes 0x80–0x9F with C1 controls.
    static let allowed: [Unicode.Scalar] = ["\t", "\n", "\r", " ", "~", "\u{A0}", "\u{BF}", "\u{E9}", "\u{100}",
                                            "\u{2019}", "\u{20AC}", "\u{1F600}"]

    @Test func findsEachControlCharacterAtEveryPositionAndLength() {
        for length in 0...40 {
            for position in 0...length {
                for control in Self.controls {
                    var scalars = String.UnicodeScalarView(String(repeating: "a", count: length).unicodeScalars)
                    scalars.insert(control, at: scalars.index(scalars.startIndex, offsetBy: position))
                    let text = String(scalars)
                    #expect(ControlCharacters.contains(text), "U+\(String(control.value, radix: 16)) at \(position) of \(length)")
                    #expect(ControlCharacters.strip(text) == String(repeating: "a", count: length))
                }
            }
        }
    }

    @Test func leavesWhitespaceAndOtherCharactersAtEveryPositionAndLength() {
        for length in 0...40 {
            for position in 0...length {
                for character in Self.allowed {
                    var scalars = String.UnicodeScalarView(String(repeating: "a", count: length).unicodeScalars)
                    scalars.insert(character, at: scalars.index(scalars.startIndex, offsetBy: position))
                    let text = String(scalars)
                    #expect(!ControlCharacters.contains(text), "U+\(String(character.value, radix: 16)) at \(position)")
                    #expect(ControlCharacters.strip(text) == text)
                }
            }
        }
    }

    @Test func layoutCharactersCountAsTheCallerSays() {
        for length in 0...24 {
            for position in 0...length {
                let filler = String(repeating: "a", count: length)
                func with(_ character: Character) -> String {
                    var text = filler
                    text.insert(character, at: text.index(text.startIndex, offsetBy: position))
                    return text
                }
                #expect(ControlText.contains(with("\r"), keeping: .lines))
                #expect(!ControlText.contains(with("\r"), keeping: .layout))
                #expect(ControlText.contains(with("\t"), keeping: []))
                #expect(!ControlText.contains(with("\t"), keeping: .lines))
                #expect(!ControlText.contains(with("\u{A0}"), keeping: []))
            }
        }
    }

    @Test func mixedTextLosesOnlyTheControlCharacters() {
        let text = "Caf\u{E9}\u{1B}[31m \u{A0}red\u{85}\tline\nnext\u{9F}\u{7F} \u{20AC}\u{1F600}"
        #expect(ControlCharacters.strip(text) == "Caf\u{E9}[31m \u{A0}red\tline\nnext \u{20AC}\u{1F600}")
    }

    /// Every string field of a parsed feed and its entries, the ones an entry takes over from
    /// the feed included, comes out without control characters (C1 characters are legal XML;
    /// C0 ones arrive through escaped HTML).
    @Test func parsedFeedsKeepNoControlCharacterInAnyField() throws {
        let rss = """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
            <title>Feed&#x9B;31m</title><link>https://news.example/&#x85;</link><language>en&#x85;</language>
            <description>Sub&#x85;title</description><managingEditor>Ed&#x9B;itor</managingEditor>
            <item><title>Missile &amp;#27;[2Jtest&#x9B;</title><link>https://news.example/1&#x85;</link>
            <guid>e1&#x85;</guid><category>World&#x85;</category><category>Plain</category>
            <dc:creator>Re&#x9B;porter</dc:creator><comments>https://news.example/c&#x85;</comments>
            <enclosure url="https://news.example/a.mp3&#x85;" type="audio/mpeg&#x85;" length="1"/>
            <description>A &amp;lt;b&amp;gt;test&amp;lt;/b&amp;gt; &amp;#27;]8;;x&amp;#7; click&#x85;</description></item>
            <item><title>Clean title</title><guid>e2</guid><category>Politics</category></item>
            </channel></rss>
            """
        let atom = """
            <?xml version="1.0" encoding="UTF-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de&#x85;"><title>Atom&#x9B;</title>
            <author><name>Feed &#x9B;Author</name><email>a&#x85;@example.org</email></author>
            <entry><id>urn:a&#x85;</id><title type="html">&amp;#27;T</title><updated>2016-03-22T09:00:00Z</updated>
            <content type="html">&amp;lt;p&amp;gt;x&amp;#27;y&amp;lt;/p&amp;gt;</content></entry></feed>
            """
        for document in [rss, atom] {
            let feed = try FeedParser.parse(Array(document.utf8), documentURL: "https://news.example/feed")
            let everything = FeedJSONEncoder.encode(feed)
            #expect(!ControlCharacters.contains(everything), "\(everything)")
            for entry in feed.entries {
                let fields: [String?] = [entry.id, entry.title, entry.link, entry.summary?.value, entry.summary?.plainText,
                                         entry.content?.value, entry.content?.plainText, entry.commentsURL, entry.language]
                    + entry.categories + entry.authors.flatMap { [$0.name, $0.email, $0.uri] }
                    + entry.enclosures.flatMap { [$0.url, $0.type] }
                for field in fields.compactMap({ $0 }) {
                    #expect(!ControlCharacters.contains(field), "\(field.debugDescription)")
                }
            }
        }
        let feed = try FeedParser.parse(Array(rss.utf8))
        #expect(feed.title == "Feed31m")
        #expect(feed.entries.first?.title == "Missile [2Jtest")
        #expect(feed.entries.first?.categories == ["World", "Plain"])
        #expect(feed.entries.last?.categories == ["Politics"])
        #expect(feed.entries.first?.enclosures.first?.url == "https://news.example/a.mp3")
        let entry = try #require(try FeedParser.parse(Array(atom.utf8)).entries.first)
        #expect(entry.authors.first?.name == "Feed Author")
        #expect(entry.language == "de")
    }
}

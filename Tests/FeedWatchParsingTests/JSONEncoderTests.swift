import FeedWatchTestSupport
import Foundation
import Testing
import FeedWatchModel
@testable import FeedWatchParsing

@Suite struct JSONEncoderTests {
    @Test func shapeAndKeyOrder() throws {
        let feed = ParsedFeed(
            format: .rss20, title: "T \"quoted\"", link: "https://x.example/", language: "en",
            updated: Date(timeIntervalSince1970: 1_458_639_000), authors: [Person(name: "Jo", email: "jo@x.example")],
            entries: [Entry(id: "1", title: "E", link: "https://x.example/1",
                            summary: FeedText(value: "<p>s</p>", kind: .html, plainText: "s"),
                            published: Date(timeIntervalSince1970: 1_458_639_000), categories: ["a"],
                            enclosures: [Enclosure(url: "https://x.example/a.mp3", type: "audio/mpeg", length: 5)])],
            warnings: ["line\nbreak"])
        let json = FeedJSONEncoder.encode(feed)
        #expect(json == #"{"format": "rss2.0", "title": "T \"quoted\"", "link": "https://x.example/", "language": "en", "updated": "2016-03-22T09:30:00Z", "authors": [{"name": "Jo", "email": "jo@x.example"}], "entries": [{"id": "1", "title": "E", "link": "https://x.example/1", "summary": "<p>s</p>", "published": "2016-03-22T09:30:00Z", "authors": [], "categories": ["a"], "enclosures": [{"url": "https://x.example/a.mp3", "type": "audio/mpeg", "length": 5}]}], "warnings": ["line\nbreak"]}"#)
        // And it is valid JSON.
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(object?["format"] as? String == "rss2.0")
    }

    @Test(.requires(.sharedCorpus)) func seedFeedRoundTripsThroughJSONSerialization() throws {
        try TestRequirement.sharedCorpus.check()
        let feed = try FeedParser.parse(try Corpus.bytes("seed/iranfocus-atom.xml"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(FeedJSONEncoder.encode(feed).utf8)) as? [String: Any])
        let entries = try #require(object["entries"] as? [[String: Any]])
        #expect(entries.count == 8)
        #expect(entries[0]["published"] as? String == "2016-03-22T09:30:00Z")
    }
}

import Foundation
import Testing
import FeedWatchModel
@testable import FeedWatchParsing

/// `ParseLimits.maxEntries`: a document with more items keeps the first ones and says so,
/// whichever format and whichever decoding path; and the hint that sizes the entries array.
@Suite struct EntryLimitTests {
    private let limitWarning = "read the first 3 items or entries (the limit) and skipped the rest of the document"

    private func items(_ count: Int) -> String {
        (0..<count).map { "<item><title>item \($0)</title><guid>g\($0)</guid></item>" }.joined(separator: "\n")
    }

    @Test func rssKeepsTheFirstEntriesAndWarns() throws {
        let document = Array("<rss version=\"2.0\"><channel><title>Long</title><link>https://l.example/</link>\(items(10))</channel></rss>".utf8)
        for streamed in [true, false] {
            let feed = try FeedParser.parse(document, documentURL: nil, httpContentType: nil,
                                            limits: ParseLimits(maxEntries: 3), decodeWhileReading: streamed)
            #expect(feed.title == "Long")
            #expect(feed.entries.map(\.id) == ["g0", "g1", "g2"])
            #expect(feed.warnings.contains(limitWarning))
        }
        let exact = try FeedParser.parse(document, limits: ParseLimits(maxEntries: 10))
        #expect(exact.entries.count == 10)
        #expect(!exact.warnings.contains { $0.contains("the limit") })
    }

    @Test func atomAndJSONFeedKeepTheFirstEntriesAndWarn() throws {
        let entries = (0..<6).map { "<entry><id>e\($0)</id><title>t</title></entry>" }.joined()
        let atom = try FeedParser.parse(Array("<feed xmlns=\"http://www.w3.org/2005/Atom\">\(entries)</feed>".utf8),
                                        documentURL: "https://a.example/feed", limits: ParseLimits(maxEntries: 3))
        #expect(atom.entries.map(\.id) == ["e0", "e1", "e2"])
        #expect(atom.warnings.contains(limitWarning))

        let items = (0..<6).map { "{\"id\": \"j\($0)\", \"content_text\": \"x\"}" }.joined(separator: ",")
        let json = try FeedParser.parse(Array("{\"version\": \"https://jsonfeed.org/version/1.1\", \"title\": \"J\", \"items\": [\(items)]}".utf8),
                                        limits: ParseLimits(maxEntries: 3))
        #expect(json.entries.map(\.id) == ["j0", "j1", "j2"])
        #expect(json.warnings.contains(limitWarning))
    }

    @Test func aFloodOfEmptyItemsStopsAtTheLimit() throws {
        // 2.4 MB of `<item/>`: 300,000 entries of model without the limit.
        let document = Array(("<rss><channel>" + String(repeating: "<item/>\n", count: 300_000) + "</channel></rss>").utf8)
        let feed = try FeedParser.parse(document, limits: ParseLimits(maxEntries: 1_000))
        #expect(feed.entries.count == 1_000)
        #expect(feed.warnings.contains { $0.hasPrefix("read the first 1000 items") })
    }

    @Test func theEntriesArrayIsSizedFromTheFirstEntries() {
        // 5,000 items: after the first 64 the stream makes room for all of them at once.
        var text = "<rss><channel><link>https://s.example/</link>"
        for index in 0..<5_000 { text += "<item><title>Item \(index)</title><guid>g\(index)</guid></item>\n" }
        text += "</channel></rss>"
        let stream = EntryStream(documentURL: nil)
        let result = SAXDriver.parse(Array(text.utf8), encoding: nil, declaredEncodingTrusted: true, baseURL: nil,
                                     limits: ParseLimits(), stream: stream)
        withExtendedLifetime(result.document) {
            #expect(stream.count == 5_000)
            // The estimate (plus a tenth) was enough: no doubling past it.
            #expect(stream.reservedCapacity >= 5_000 && stream.reservedCapacity < 6_000, "capacity \(stream.reservedCapacity)")
        }
        let capped = EntryStream(documentURL: nil)
        _ = SAXDriver.parse(Array(text.utf8), encoding: nil, declaredEncodingTrusted: true, baseURL: nil,
                            limits: ParseLimits(maxEntries: 100), stream: capped)
        #expect(capped.count == 100 && capped.reservedCapacity < 200)
    }
}

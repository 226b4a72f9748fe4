import Foundation
import FeedWatchModel
import Testing

@Suite struct DigestItemTests {
    @Test func itemsStoredBeforeAlsoReportedByExistedStillDecode() throws {
        let old = #"{"articleID":1,"title":"T","feedName":"F","score":1,"snippets":[]}"#
        let item = try JSONDecoder().decode(Digest.Item.self, from: Data(old.utf8))
        #expect(item.alsoReportedBy.isEmpty && item.link == nil && item.published == nil)
    }

    @Test func alsoReportedByRoundTrips() throws {
        let item = Digest.Item(
            articleID: 2, title: "T", link: "https://a.example/", feedName: "A", published: nil, score: 1, snippets: [],
            alsoReportedBy: [Digest.Link(feedName: "B", url: "https://b.example/"), Digest.Link(feedName: "C", url: nil)])
        let decoded = try JSONDecoder().decode(Digest.Item.self, from: JSONEncoder().encode(item))
        #expect(decoded == item)
    }
}

import Foundation
import FeedWatchDigest
import FeedWatchModel
import Testing

/// A story carried by several feeds: one item, the other reports listed under it.
@Suite struct AlsoReportedByTests {
    let clock = DigestClock(timeZoneIdentifier: "UTC")!

    func digest(sources: [Digest.Link]) -> Digest {
        let item = Digest.Item(
            articleID: 1, title: "Missile launched", link: "https://one.example/1", feedName: "One", published: nil,
            score: 2, snippets: [], alsoReportedBy: sources)
        return Digest(
            day: "2026-11-29", timeZone: "UTC", created: Date(timeIntervalSince1970: 1_800_000_000),
            sections: [Digest.Section(topic: TopicReference(id: "m", name: "Missiles"), items: [item])])
    }

    @Test func listsTheOtherReportsWithTheirLinks() {
        let text = MarkdownDigestRenderer(clock: clock).render(digest(sources: [
            Digest.Link(feedName: "Two", url: "https://two.example/2", title: "Launch draws threat"),
            Digest.Link(feedName: "Three", url: "javascript:alert(1)", title: "Bad [link]"),
        ]))
        #expect(text.contains(
            "Also reported by: *Two*: [Launch draws threat](<https://two.example/2>), *Three*: Bad \\[link\\]\n"))
    }

    @Test func aStoryOfOneFeedHasNoLine() {
        #expect(!MarkdownDigestRenderer(clock: clock).render(digest(sources: [])).contains("Also reported by"))
    }

    @Test func itemsEncodedBeforeTheFieldExistedStillDecode() throws {
        let old = #"{"articleID":1,"title":"T","feedName":"F","score":1,"snippets":[]}"#
        let item = try JSONDecoder().decode(Digest.Item.self, from: Data(old.utf8))
        #expect(item.alsoReportedBy.isEmpty)
        let roundTrip = try JSONDecoder().decode(Digest.Item.self, from: JSONEncoder().encode(digest(sources: [
            Digest.Link(feedName: "B", url: nil, title: "A"),
        ]).sections[0].items[0]))
        #expect(roundTrip.alsoReportedBy == [Digest.Link(feedName: "B", url: nil, title: "A")])
    }
}

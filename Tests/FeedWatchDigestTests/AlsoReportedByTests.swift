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

    /// A story carried by more feeds than the digest lists: every format says how many more.
    @Test func sourcesBeyondTheBoundAreCounted() throws {
        var capped = digest(sources: [Digest.Link(feedName: "Two", url: "https://two.example/2", title: "Launch")])
        capped.sections[0].items[0].alsoReportedMore = 1497
        #expect(MarkdownDigestRenderer(clock: clock).render(capped)
            .contains("Also reported by: *Two*: [Launch](<https://two.example/2>) and 1497 more sources\n"))
        #expect(HTMLDigestRenderer(clock: clock).render(capped).contains("><bdi>Launch</bdi></a> and 1497 more sources</p>"))
        #expect(PlainTextDigestRenderer(clock: clock).render(capped).contains(" and 1497 more sources\n"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(JSONDigestRenderer(clock: clock).render(capped).utf8)) as? [String: Any])
        let topics = try #require(json["topics"] as? [[String: Any]])
        let item = try #require((topics.first?["items"] as? [[String: Any]])?.first)
        #expect(item["also_reported_more"] as? Int == 1497)
        #expect((item["also_reported_by"] as? [Any])?.count == 1)
        // Absent when every source is listed.
        #expect(!JSONDigestRenderer(clock: clock).render(digest(sources: [Digest.Link(feedName: "Two", url: nil)])).contains("also_reported_more"))
        var one = capped
        one.sections[0].items[0].alsoReportedMore = 1
        #expect(MarkdownDigestRenderer(clock: clock).render(one).contains(" and 1 more source\n"))
        let round = try JSONDecoder().decode(Digest.Item.self, from: JSONEncoder().encode(capped.sections[0].items[0]))
        #expect(round.alsoReportedMore == 1497)
    }

    /// Folding a copy into an item lists the copy and its sources, and adds what it counts.
    @Test func foldingAddsTheCopysCount() {
        var item = digest(sources: [Digest.Link(feedName: "Two", url: nil)]).sections[0].items[0]
        item.alsoReportedMore = 10
        var copy = Digest.Item(
            articleID: 9, title: "Missile launched", link: "https://nine.example/9", feedName: "Nine", published: nil, score: 1,
            snippets: [], alsoReportedBy: [Digest.Link(feedName: "Ten", url: nil)])
        copy.alsoReportedMore = 5
        var seen = Set(item.alsoReportedBy)
        DigestPlan.fold(copy, into: &item, seen: &seen)
        #expect(item.alsoReportedBy.map(\.feedName) == ["Two", "Nine", "Ten"])
        #expect(item.alsoReportedMore == 15)
        let merged = DigestStories.mergeDuplicates(Digest(
            day: "2026-11-29", timeZone: "UTC", created: Date(timeIntervalSince1970: 1_800_000_000),
            sections: [Digest.Section(topic: TopicReference(id: "m", name: "Missiles"), items: [
                digest(sources: []).sections[0].items[0], Digest.Item(
                    articleID: 2, title: "Missile launched", link: "https://one.example/1", feedName: "Mirror", published: nil, score: 1,
                    snippets: [], alsoReportedBy: [], alsoReportedMore: 7),
            ])]))
        #expect(merged.sections[0].items.count == 1 && merged.sections[0].items[0].alsoReportedMore == 7)
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

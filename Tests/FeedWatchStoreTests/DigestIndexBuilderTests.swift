import FeedWatchModel
@testable import FeedWatchStore
import Testing

/// `DigestIndexBuilder`: one entry per story and topic, and no more memory kept than that.
@Suite struct DigestIndexBuilderTests {
    /// Rows of `stories` stories, `copies` articles each, all matching one topic at one score.
    static func index(stories: Int, copies: Int) -> DigestIndex {
        var builder = DigestIndexBuilder(capacity: stories * copies)
        for copy in 0..<copies {
            for story in 0..<stories {
                let article = Int64(copy * stories + story + 1)
                builder.add(
                    topicID: "t", topicName: "T", score: 1,
                    entry: DigestIndex.Entry(articleID: article, storyID: Int64(story + 1), linkKey: 0, titleKey: 0, published: Double(article)))
            }
        }
        return builder.index(id: 1, day: "2026-12-06", timeZone: "UTC", created: .init(timeIntervalSince1970: 0))
    }

    /// A wire story carried by every feed: 20,000 matches fold into two items, and the index,
    /// held while the whole day is published, keeps room for about those two, not 20,000.
    @Test func copiesFoldedIntoFewStoriesLeaveNoRoomForTheRest() {
        let index = Self.index(stories: 2, copies: 10_000)
        #expect(index.entries.map(\.storyID) == [2, 1])
        #expect(index.sections.map(\.entries) == [0..<2])
        #expect(index.entries.capacity < 1_024)
    }

    /// Distinct stories keep their entries, newest first at equal scores.
    @Test func distinctStoriesAreKeptInOrder() {
        let index = Self.index(stories: 3_000, copies: 1)
        #expect(index.entries.count == 3_000)
        #expect(index.entries.first?.articleID == 3_000 && index.entries.last?.articleID == 1)
    }

    /// Half the entries left: the buffer they were read into is kept, not copied (a copy
    /// would hold both at once, at the publication's peak).
    @Test func halfTheEntriesLeftKeepTheirBuffer() {
        let index = Self.index(stories: 1_500, copies: 2)
        #expect(index.entries.count == 1_500)
        #expect(index.entries.capacity >= 3_000)
    }
}

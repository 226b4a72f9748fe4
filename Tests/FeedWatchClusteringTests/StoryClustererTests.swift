import Foundation
import Testing
import FeedWatchModel
@testable import FeedWatchClustering

/// Story clustering on wire copy as three outlets run it, and on two stories about one topic.
@Suite struct StoryClustererTests {
    static let wire = """
        North Korea fired two short-range ballistic missiles into the sea off its east coast on Thursday, \
        South Korea's military said, the latest in a series of weapons tests this year. The missiles were \
        launched from the Hamhung area and flew about 600 kilometres before landing outside Japan's exclusive \
        economic zone, the Joint Chiefs of Staff said in a statement. Japan's defence ministry confirmed the \
        launches and said there were no reports of damage to ships or aircraft. The United States condemned the \
        tests as a violation of multiple UN Security Council resolutions and urged Pyongyang to return to talks. \
        Analysts said the launches appeared timed to coincide with joint military drills by Seoul and Washington, \
        which North Korea regards as rehearsals for an invasion.
        """

    static let otherStory = """
        Iran said on Monday it had successfully tested a new long-range cruise missile during naval exercises in \
        the Gulf of Oman, state television reported. The missile, named Abu Mahdi, has a range of more than 1,000 \
        kilometres and can be launched from ships and coastal batteries, the navy commander said. Western \
        governments have repeatedly expressed concern about Tehran's missile programme, which they say \
        destabilises the region. Iran insists the programme is purely defensive and not negotiable. The test \
        came a week after talks on the country's nuclear programme stalled in Vienna.
        """

    static let day = Date(timeIntervalSince1970: 1_790_000_000)

    func document(_ id: Int64, feed: Int64, title: String, text: String, hours: Double = 0) -> ClusterDocument {
        ClusterDocument(articleID: id, feedID: feed, title: title, text: text, date: Self.day.addingTimeInterval(hours * 3600))
    }

    /// One wire story carried by thousands of feeds fills every bucket it lands in; the
    /// bounds keep each new article's work constant, and every copy still joins the one story
    /// (found through its newest members), while another story stays apart.
    @Test func aStoryCarriedByThousandsOfFeedsStaysOneStoryWithinTheBounds() {
        var configuration = ClusteringConfiguration()
        configuration.maxCandidates = 16
        configuration.maxBucketSize = 32
        var clusterer = StoryClusterer(configuration: configuration)
        var stories = Set<Int64>()
        for id in Int64(1)...3000 {
            stories.insert(clusterer.assign(document(id, feed: id, title: "North Korea fires two ballistic missiles into sea", text: Self.wire)))
        }
        #expect(stories == [1])
        let other = clusterer.assign(document(5000, feed: 5000, title: "Iran tests a new long-range cruise missile", text: Self.otherStory))
        #expect(other == 5000)
        // A feed already in the story does not join it twice: its next copy is its own story.
        let again = clusterer.assign(document(6000, feed: 2999, title: "North Korea fires two ballistic missiles into sea", text: Self.wire))
        #expect(again == 6000)
        #expect(clusterer.count == 3002)
    }

    /// A flood of identical wire copies with the default bounds: every article's walk and
    /// candidate list stay within `maxBucketVisits` and `maxCandidates`, and the work of the
    /// 4,000th copy is no more than that of the 200th (it does not grow with the flood).
    @Test func aFloodOfIdenticalCopiesDoesNotGrowPerArticleWork() {
        let configuration = ClusteringConfiguration()
        var clusterer = StoryClusterer(configuration: configuration)
        var stories = Set<Int64>()
        var workAt200 = (visits: 0, candidates: 0)
        for id in Int64(1)...4000 {
            stories.insert(clusterer.assign(document(id, feed: id, title: "North Korea fires two ballistic missiles into sea", text: Self.wire)))
            #expect(clusterer.lastWork.visits <= configuration.maxBucketVisits)
            #expect(clusterer.lastWork.candidates <= configuration.maxCandidates)
            if id == 200 { workAt200 = clusterer.lastWork }
        }
        #expect(stories == [1])
        // The flood reached the walk's bound (every chain holds the same copies).
        #expect(workAt200.visits == configuration.maxBucketVisits)
        #expect(clusterer.lastWork.visits <= workAt200.visits)
        #expect(clusterer.lastWork.candidates <= workAt200.candidates)
    }

    @Test func sameWireStoryFromThreeFeedsIsOneStory() {
        var clusterer = StoryClusterer()
        let a = clusterer.assign(document(
            1, feed: 10, title: "North Korea fires two ballistic missiles into sea",
            text: "SEOUL (Wire) - " + Self.wire + " Follow us on social media for more updates."))
        let b = clusterer.assign(document(
            2, feed: 11, title: "Pyongyang launches missiles as allies hold drills",
            text: "Advertisement. " + Self.wire + " Reporting by staff; editing by the desk. Subscribe to our newsletter.",
            hours: 2))
        let c = clusterer.assign(document(
            3, feed: 12, title: "N. Korea test: 2 missiles land outside Japan's EEZ",
            text: Self.wire.replacingOccurrences(of: "on Thursday", with: "early Thursday") + " Read more: Asia news.",
            hours: 5))
        #expect(a == 1)
        #expect(b == 1)
        #expect(c == 1)
    }

    @Test func twoStoriesOnTheSameTopicStayTwo() {
        var clusterer = StoryClusterer()
        let first = clusterer.assign(document(1, feed: 10, title: "North Korea fires two ballistic missiles into sea", text: Self.wire))
        let second = clusterer.assign(document(2, feed: 11, title: "Iran tests new long-range cruise missile", text: Self.otherStory, hours: 1))
        #expect(first == 1)
        #expect(second == 2)
    }

    @Test func sameFeedIsNeverMerged() {
        var clusterer = StoryClusterer()
        let first = clusterer.assign(document(1, feed: 10, title: "North Korea fires missiles", text: Self.wire))
        let repost = clusterer.assign(document(2, feed: 10, title: "North Korea fires missiles (updated)", text: Self.wire, hours: 1))
        #expect(first != repost)
        // A third feed joins the first story; the repost stays on its own.
        let other = clusterer.assign(document(3, feed: 11, title: "Missiles launched by North Korea", text: Self.wire, hours: 2))
        #expect(other == first || other == repost)
    }

    @Test func identicalHeadlinesWithDifferentTeasersAreOneStory() {
        var clusterer = StoryClusterer()
        let a = clusterer.assign(document(1, feed: 1, title: "EU extends sanctions against Russia for six months", text: "Brussels decided on Friday."))
        let b = clusterer.assign(document(2, feed: 2, title: "EU extends sanctions against Russia for six more months", text: "Leaders agreed at a summit."))
        #expect(a == b)
    }

    @Test func articlesOutsideTheWindowAreNotMerged() {
        var clusterer = StoryClusterer()
        let a = clusterer.assign(document(1, feed: 1, title: "North Korea fires two ballistic missiles into sea", text: Self.wire))
        let b = clusterer.assign(document(2, feed: 2, title: "North Korea fires two ballistic missiles into sea", text: Self.wire, hours: 80))
        #expect(a != b)
        #expect(clusterer.count == 1)
    }

    @Test func knownStoryIDsAreKeptWhenReindexing() {
        var clusterer = StoryClusterer()
        let a = clusterer.assign(ClusterDocument(articleID: 5, feedID: 1, title: "A", text: Self.wire, date: Self.day, storyID: 3))
        let b = clusterer.assign(document(6, feed: 2, title: "B", text: Self.wire, hours: 1))
        #expect(a == 3)
        #expect(b == 3)
    }

    @Test func wordHashesAgreeWithWords() {
        let text = "Tehran’s MISSILE test, 2026: Ümit said “nein” — again!"
        #expect(TextShingles.wordHashes(text, maxWords: 100) == TextShingles.words(text, maxWords: 100).map(TextShingles.fnv1a))
        #expect(TextShingles.words(text, maxWords: 100) == ["tehran", "s", "missile", "test", "2026", "ümit", "said", "nein", "again"])
        #expect(TextShingles.wordHashes(text, maxWords: 3).count == 3)
    }

    @Test func minHashEstimatesJaccard() {
        let words1 = TextShingles.words(Self.wire, maxWords: 1000)
        let words2 = TextShingles.words(Self.otherStory, maxWords: 1000)
        let s1 = TextShingles.shingles(words1, size: 3)
        let s2 = TextShingles.shingles(words2, size: 3)
        let m1 = MinHashSignature(shingles: s1, count: 128)
        #expect(m1.similarity(MinHashSignature(shingles: s1, count: 128)) == 1)
        #expect(m1.similarity(MinHashSignature(shingles: s2, count: 128)) < 0.1)
        #expect(TextShingles.jaccard(s1, s2) < 0.05)
    }
}

import Foundation
import FeedWatchModel
import Testing

@Suite struct TopicReferenceTests {
    /// Alert payloads queued before `TopicReference` carry a whole `Topic` per section.
    @Test func sectionsStoredWithAWholeTopicStillDecode() throws {
        let old = #"{"topic":{"id":"m","name":"Missiles","query":"missile","languages":["en"],"feeds":[],"tags":[],"minScore":0},"items":[]}"#
        let section = try JSONDecoder().decode(Digest.Section.self, from: Data(old.utf8))
        #expect(section.topic == TopicReference(id: "m", name: "Missiles"))
    }

    @Test func referencesKeepTheConfigurationOrderAndTheFirstOfADuplicateID() {
        let topics = [
            Topic(id: "b", name: "B", query: "b"), Topic(id: "a", name: "A", query: "a"), Topic(id: "b", name: "B2", query: "x"),
        ]
        let references = topics.referencesByID
        #expect(references == [
            "b": TopicReference(id: "b", name: "B", order: 0), "a": TopicReference(id: "a", name: "A", order: 1),
        ])
    }
}

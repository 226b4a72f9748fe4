import Foundation

/// What a digest needs of a topic: its id, the name it is shown under, and where it stands
/// among the configured topics. Matches, digests and alerts refer to a topic by this, not by
/// a `Topic` with an invented query.
public struct TopicReference: Sendable, Hashable, Codable {
    /// The topic's id, as configured (and as matches are stored under).
    public var id: String
    /// The display name: the configured name when the match was recorded.
    public var name: String
    /// The topic's position among the configured topics, 0 first; nil when the reference
    /// was read back from stored matches alone, which do not keep it.
    public var order: Int?

    /// A reference to topic `id`, shown as `name`.
    public init(id: String, name: String, order: Int? = nil) {
        self.id = id
        self.name = name
        self.order = order
    }
}

extension Topic {
    /// This topic as digests refer to it, at `order` among the configured topics.
    public func reference(order: Int) -> TopicReference {
        TopicReference(id: id, name: name, order: order)
    }
}

extension Array where Element == Topic {
    /// The topics as digests refer to them, by id, in configuration order; the first of two
    /// topics with one id wins (the configuration rejects duplicates anyway).
    public var referencesByID: [String: TopicReference] {
        var references: [String: TopicReference] = [:]
        for (order, topic) in enumerated() where references[topic.id] == nil {
            references[topic.id] = topic.reference(order: order)
        }
        return references
    }
}

public import Foundation
public import FeedWatchClustering
public import FeedWatchModel
public import FeedWatchStore

/// The daemon's one story clusterer, shared by all concurrent feed refreshes. On first use it
/// indexes the stored articles of the clustering window, so a restart does not split stories.
public actor StoryIndex {
    private var clusterer: StoryClusterer
    private var seeded = false
    /// At most this many stored articles are read to seed the index.
    private let seedLimit: Int

    /// An index that seeds itself from the store on first use.
    public init(configuration: ClusteringConfiguration = ClusteringConfiguration(), seedLimit: Int = 20_000) {
        clusterer = StoryClusterer(configuration: configuration)
        self.seedLimit = seedLimit
    }

    /// Assigns each article a story id and returns them (article id → story id).
    public func assign(_ articles: [Article], store: any Store, now: Date) async throws -> [Int64: Int64] {
        if !seeded {
            let since = now.addingTimeInterval(-clusterer.configuration.window)
            let recent = try await store.articles(since: since, limit: seedLimit)
            // Oldest first, so each story keeps its first article's id.
            for article in recent.reversed() where article.storyID != nil {
                _ = clusterer.assign(Self.document(article, storyID: article.storyID))
            }
            seeded = true
        }
        var assigned: [Int64: Int64] = [:]
        for article in articles {
            assigned[article.id] = clusterer.assign(Self.document(article, storyID: nil))
        }
        return assigned
    }

    static func document(_ article: Article, storyID: Int64?) -> ClusterDocument {
        ClusterDocument(
            articleID: article.id, feedID: article.feedID, title: article.title, text: article.bestText,
            date: article.published.map { min($0, article.discovered) } ?? article.discovered, storyID: storyID)
    }
}

public import Foundation
public import FeedWatchClustering
public import FeedWatchModel
public import FeedWatchStore
import Synchronization

/// The daemon's one story clusterer, shared by all concurrent feed refreshes. Before first use
/// it indexes the stored articles of the clustering window (`seed`), so a restart does not
/// split stories. Assigning is synchronous, so it can run inside a refresh's transaction.
public final class StoryIndex: Sendable {
    private struct State {
        var clusterer: StoryClusterer
        var seeded = false
    }

    private let state: Mutex<State>
    /// `State.seeded`, readable without the lock: every refresh asks, and waiting for the lock
    /// while another refresh clusters (inside its transaction) cost more than the clustering.
    private let seededFlag = Atomic<Bool>(false)
    /// At most this many stored articles are read to seed the index.
    private let seedLimit: Int
    /// The clustering window, read without the lock.
    private let window: TimeInterval

    /// An index that seeds itself from the store on first use.
    public init(configuration: ClusteringConfiguration = ClusteringConfiguration(), seedLimit: Int = 20_000) {
        let clusterer = StoryClusterer(configuration: configuration)
        window = clusterer.configuration.window
        state = Mutex(State(clusterer: clusterer))
        self.seedLimit = seedLimit
    }

    /// Whether `seed` has run.
    public var isSeeded: Bool { seededFlag.load(ordering: .acquiring) }

    /// The one seeding under way: every refresh calls `seed` before its first assignment, and
    /// all but the first wait for that one read instead of reading the window each (dozens of
    /// concurrent reads of 20,000 articles starved a shared PostgreSQL pool).
    private let seeding = Mutex<Task<Void, any Error>?>(nil)

    /// Indexes the stored articles of the window, once (later calls return at once; calls
    /// while it runs wait for it). A failed seed is tried again by the next call.
    public func seed(store: any Store, now: Date) async throws {
        guard !isSeeded else { return }
        let task = seeding.withLock { running -> Task<Void, any Error> in
            if let running { return running }
            let task = Task { try await self.load(store: store, now: now) }
            running = task
            return task
        }
        do {
            try await task.value
        } catch {
            seeding.withLock { if $0 == task { $0 = nil } }
            throw error
        }
    }

    private func load(store: any Store, now: Date) async throws {
        guard !isSeeded else { return }
        let recent = try await store.articles(since: now.addingTimeInterval(-window), limit: seedLimit)
        state.withLock { state in
            guard !state.seeded else { return }
            // Oldest first, so each story keeps its first article's id.
            for article in recent.reversed() where article.storyID != nil {
                _ = state.clusterer.assign(Self.document(article, storyID: article.storyID))
            }
            state.seeded = true
        }
        seededFlag.store(true, ordering: .releasing)
    }

    /// Assigns each article a story id and returns them (article id → story id), seeding first.
    public func assign(_ articles: [Article], store: any Store, now: Date) async throws -> [Int64: Int64] {
        try await seed(store: store, now: now)
        return assignSeeded(articles)
    }

    /// Assigns each article a story id (article id → story id) without touching the store;
    /// nothing when the index is not seeded (its seed failed: stories would split).
    public func assignSeeded(_ articles: [Article]) -> [Int64: Int64] {
        guard !articles.isEmpty else { return [:] }
        return state.withLock { state in
            guard state.seeded else { return [:] }
            var assigned: [Int64: Int64] = [:]
            assigned.reserveCapacity(articles.count)
            for article in articles {
                assigned[article.id] = state.clusterer.assign(Self.document(article, storyID: nil))
            }
            return assigned
        }
    }

    static func document(_ article: Article, storyID: Int64?) -> ClusterDocument {
        ClusterDocument(
            articleID: article.id, feedID: article.feedID, title: article.title, text: article.bestText,
            date: article.published.map { min($0, article.discovered) } ?? article.discovered, storyID: storyID)
    }
}

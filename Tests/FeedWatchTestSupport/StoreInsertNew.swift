import FeedWatchModel
import FeedWatchStore
import Foundation

extension Store {
    /// Stores `entries` as a refresh does and returns the new ones, in feed order: the tests'
    /// shorthand for `storeEntries(…).new` (production code reads the updates too).
    public func insertNew(feedID: Int64, entries: [Entry], discovered: Date) async throws -> [Article] {
        try await storeEntries(feedID: feedID, entries: entries, discovered: discovered).new
    }
}

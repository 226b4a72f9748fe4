import Foundation
import GRDB

/// Fetch states of many feeds at once: what a refresh wave reads before its fetches and the
/// group commit of its routine (304) outcomes.
extension SQLiteStore {
    public func fetchStates(feedIDs: [Int64]) async throws -> [Int64: FetchState] {
        guard !feedIDs.isEmpty else { return [:] }
        // The ids travel as one JSON array, so one cached statement serves every batch size.
        let ids = Self.jsonArray(feedIDs)
        return try await read("read fetch states") { db in
            var states: [Int64: FetchState] = [:]
            states.reserveCapacity(feedIDs.count)
            let statement = try db.cachedStatement(sql: "SELECT * FROM fetch_state WHERE feed_id IN (SELECT value FROM json_each(?))")
            let rows = try Row.fetchCursor(statement, arguments: [ids])
            while let row = try rows.next() {
                states[row["feed_id"]] = Self.fetchState(from: row)
            }
            return states
        }
    }

    public func saveFetchStates(_ states: [Int64: FetchState]) async throws {
        guard !states.isEmpty else { return }
        try await write("save fetch states") { db in
            for (feedID, state) in states { try Self.saveFetchState(db, feedID: feedID, state) }
        }
    }
}

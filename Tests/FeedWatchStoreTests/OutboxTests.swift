import Foundation
import FeedWatchModel
import FeedWatchStore
import Testing

/// The outbox contract every Store must keep (SQLite here; PostgreSQL the same).
@Suite struct OutboxTests {
    func store() throws -> SQLiteStore {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fw-outbox-\(UUID().uuidString).sqlite").path
        return try SQLiteStore(path: path)
    }

    @Test func publishingQueuesEachNotifierOnceAndAttemptsAreRecorded() async throws {
        let store = try store()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try await store.collectDigest(day: "2027-01-15", timeZone: "UTC", now: now)
        #expect(try await store.digests().first?.published == nil)
        try await store.recordDigestPublishFailure(day: "2027-01-15", error: "disk full")
        #expect(try await store.digests().first?.publishError == "disk full")
        try await store.markDigestPublished(day: "2027-01-15", notifiers: ["mail", "hook"], at: now)
        try await store.markDigestPublished(day: "2027-01-15", notifiers: ["mail", "hook"], at: now)
        let record = try #require(try await store.digests().first)
        #expect(record.published == now && record.publishError == nil)
        var due = try await store.dueDeliveries(now: now, limit: 10)
        #expect(due.map(\.notifier).sorted() == ["hook", "mail"], "queued once despite two calls")
        #expect(due.allSatisfy { $0.digestDay == "2027-01-15" && $0.attempts == 0 && $0.state == .pending })
        #expect(try await store.dueDeliveries(now: now.addingTimeInterval(-1), limit: 10).isEmpty)

        let mail = try #require(due.first { $0.notifier == "mail" })
        let hook = try #require(due.first { $0.notifier == "hook" })
        try await store.finishDeliveryAttempt(id: mail.id, result: .sent, at: now)
        try await store.finishDeliveryAttempt(id: hook.id, result: .retry(error: "HTTP 500", next: now.addingTimeInterval(60)), at: now)
        due = try await store.dueDeliveries(now: now, limit: 10)
        #expect(due.isEmpty)
        due = try await store.dueDeliveries(now: now.addingTimeInterval(60), limit: 10)
        #expect(due.map(\.notifier) == ["hook"] && due.first?.lastError == "HTTP 500" && due.first?.attempts == 1)
        try await store.finishDeliveryAttempt(id: hook.id, result: .failed(error: "gave up"), at: now)
        let recent = try await store.recentDeliveries(limit: 10)
        #expect(recent.map(\.state) == [.failed, .sent], "failed first")
        #expect(recent.last?.sent == now)
    }

    @Test func publishingAnUnknownDigestFails() async throws {
        let store = try store()
        await #expect(throws: StoreError.self) {
            try await store.markDigestPublished(day: "1999-01-01", notifiers: [], at: Date())
        }
    }
}

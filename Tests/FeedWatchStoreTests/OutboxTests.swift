import Foundation
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Testing

/// The outbox contract every Store must keep, checked against SQLite and PostgreSQL alike.
@Suite struct OutboxTests {
    @Test(arguments: StoreKind.tested)
    func publishingQueuesEachNotifierOnceAndAttemptsAreRecorded(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
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
    }

    @Test(arguments: StoreKind.tested)
    func publishingAnUnknownDigestFails(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            await #expect(throws: StoreError.self) {
                try await store.markDigestPublished(day: "1999-01-01", notifiers: [], at: Date())
            }
        }
    }

    /// Two daemons asking for due deliveries at the same moment get disjoint ones, so no
    /// message is sent twice. Only PostgreSQL claims (SQLite serves one daemon).
    @Test(.requires(.postgres)) func twoDaemonsNeverTakeTheSameDelivery() async throws {
        try await withFreshStore(.postgres) { store, openAnother in
            let other = try await openAnother()
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            for day in 1...10 {
                let name = String(format: "2027-01-%02d", day)
                _ = try await store.collectDigest(day: name, timeZone: "UTC", now: now)
                try await store.markDigestPublished(day: name, notifiers: ["hook", "mail"], at: now)
            }
            let taken = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for target in [store, other, store, other] {
                    group.addTask { try await target.dueDeliveries(now: now, limit: 8).map(\.id) }
                }
                var all: [Int64] = []
                for try await ids in group { all += ids }
                return all
            }
            await other.close()
            #expect(taken.count == 20)
            #expect(Set(taken).count == 20, "no delivery handed to two daemons")
            #expect(try await store.dueDeliveries(now: now, limit: 50).isEmpty, "claimed deliveries wait for their outcome")
            #expect(try await store.dueDeliveries(now: now.addingTimeInterval(3600), limit: 50).count == 20, "an abandoned claim runs out")
        }
    }
}

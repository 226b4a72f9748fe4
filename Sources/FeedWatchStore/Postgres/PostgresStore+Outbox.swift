import Foundation
import FeedWatchModel
import PostgresNIO

/// The delivery outbox on PostgreSQL: the same rows and semantics as `SQLiteStore+Outbox`,
/// plus claiming, because several daemons send from one outbox.
///
/// `dueDeliveries` does not only read: it takes the due rows it returns
/// (`FOR UPDATE SKIP LOCKED`, then `next_attempt_at` moved `Configuration.deliveryClaim`
/// ahead), so two daemons asking at the same moment get disjoint deliveries and each message
/// is attempted by one daemon. `finishDeliveryAttempt` then stores the outcome (sent, failed,
/// or the real next attempt). A daemon that dies mid-attempt leaves its deliveries pending;
/// they are due again once the claim runs out, so a delivery is sent at least once, never by
/// two daemons at the same time.
extension PostgresStore {
    public func markDigestPublished(day: String, notifiers: [String], at: Date) async throws {
        let subject = "digest:\(day)"
        try await transaction("publish digest \(day)") { [self] connection in
            let updated = try await query(
                "UPDATE digests SET published_at = \(at), publish_error = NULL WHERE day = \(day) RETURNING id", on: connection)
            guard try await Self.single(updated, Int64.self) != nil else {
                throw StoreError(code: .other, message: "cannot publish digest \(day): there is no such digest")
            }
            guard !notifiers.isEmpty else { return }
            try await query(
                """
                INSERT INTO deliveries (notifier, subject, next_attempt_at, created_at)
                SELECT n, \(subject), \(at), \(at) FROM unnest(\(notifiers)::text[]) AS n
                ON CONFLICT (notifier, subject) DO NOTHING
                """, on: connection)
        }
    }

    public func recordDigestPublishFailure(day: String, error: String) async throws {
        let error = Self.clean(error)
        try await operation("record digest failure") { [self] in
            try await query("UPDATE digests SET publish_error = \(error) WHERE day = \(day)")
        }
    }

    @discardableResult
    public func enqueueAlerts(topicIDs: [String], notifiers: [String], timeZone: String, at: Date) async throws -> Int {
        guard !topicIDs.isEmpty, !notifiers.isEmpty else { return 0 }
        return try await transaction("queue alerts") { [self] connection in
            let rows = try await query(
                """
                SELECT m.id, m.topic_id, m.topic_name, m.score, m.snippets, m.matched_at,
                    a.id, a.title, a.link, a.published_at, COALESCE(f.name, f.title, f.url)
                FROM topic_matches m
                JOIN articles a ON a.id = m.article_id
                JOIN feeds f ON f.id = a.feed_id
                WHERE m.digest_id IS NULL AND m.topic_id = ANY(\(topicIDs))
                ORDER BY m.id
                """, on: connection)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var alerts: [(matchID: Int64, payload: String)] = []
            for try await c in rows.decode((Int64, String, String, Double, String, Date, Int64, String, String?, Date?, String).self) {
                let snippets = (try? JSONDecoder().decode([Snippet].self, from: Data(c.4.utf8))) ?? []
                let item = Digest.Item(
                    articleID: c.6, title: c.7, link: c.8, feedName: c.10, published: c.9, score: c.3, snippets: snippets)
                let d = calendar.dateComponents([.year, .month, .day], from: c.5)
                let day = String(format: "%04d-%02d-%02d", d.year ?? 0, d.month ?? 0, d.day ?? 0)
                let alert = Digest(
                    day: day, timeZone: timeZone, created: c.5,
                    sections: [Digest.Section(topic: TopicReference(id: c.1, name: c.2), items: [item])])
                alerts.append((c.0, Self.clean(String(decoding: try encoder.encode(alert), as: UTF8.self))))
            }
            var queued = 0
            for alert in alerts {
                let inserted = try await query(
                    """
                    WITH added AS (
                        INSERT INTO deliveries (notifier, subject, payload, next_attempt_at, created_at)
                        SELECT n, \("alert:\(alert.matchID)"), \(alert.payload), \(at), \(at) FROM unnest(\(notifiers)::text[]) AS n
                        ON CONFLICT (notifier, subject) DO NOTHING
                        RETURNING 1
                    )
                    SELECT COUNT(*) FROM added
                    """, on: connection)
                queued += try await Self.single(inserted, Int.self) ?? 0
            }
            return queued
        }
    }

    /// Claims the due deliveries it returns (see the type's comment): they are due again only
    /// after `Configuration.deliveryClaim`, unless `finishDeliveryAttempt` says otherwise.
    /// Each returned delivery carries the due time it had when claimed.
    public func dueDeliveries(now: Date, limit: Int) async throws -> [Delivery] {
        guard limit > 0 else { return [] }
        let claimedUntil = now.addingTimeInterval(configuration.deliveryClaim)
        return try await operation("claim due deliveries") { [self] in
            let rows = try await query(
                """
                UPDATE deliveries d SET next_attempt_at = \(claimedUntil)
                FROM (
                    SELECT id, next_attempt_at FROM deliveries
                    WHERE state = 'pending' AND next_attempt_at <= \(now)
                    ORDER BY next_attempt_at, id
                    LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                ) due
                WHERE d.id = due.id
                RETURNING \(unescaped: Self.deliveryColumns("d", due: "due.next_attempt_at"))
                """)
            // RETURNING has no order: oldest first, as SQLite returns them.
            return try await Self.deliveries(rows).sorted { ($0.nextAttempt, $0.id) < ($1.nextAttempt, $1.id) }
        }
    }

    public func finishDeliveryAttempt(id: Int64, result: DeliveryAttemptResult, at: Date) async throws {
        try await operation("record delivery attempt") { [self] in
            switch result {
            case .sent:
                try await query(
                    "UPDATE deliveries SET state = 'sent', attempts = attempts + 1, sent_at = \(at), last_error = NULL WHERE id = \(id)")
            case .retry(let error, let next):
                let error = Self.clean(error)
                try await query(
                    "UPDATE deliveries SET attempts = attempts + 1, last_error = \(error), next_attempt_at = \(next) WHERE id = \(id)")
            case .failed(let error):
                let error = Self.clean(error)
                try await query(
                    "UPDATE deliveries SET state = 'failed', attempts = attempts + 1, last_error = \(error) WHERE id = \(id)")
            }
        }
    }

    public func recentDeliveries(limit: Int) async throws -> [Delivery] {
        try await operation("read deliveries") { [self] in
            try await Self.deliveries(query(
                """
                SELECT \(unescaped: Self.deliveryColumns("d", due: "d.next_attempt_at")) FROM deliveries d
                ORDER BY CASE d.state WHEN 'failed' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, d.created_at DESC, d.id DESC
                LIMIT \(limit)
                """))
        }
    }

    /// The columns `deliveries(_:)` reads; `due` is the expression of the next attempt's time.
    static func deliveryColumns(_ table: String, due: String) -> String {
        let t = table
        return "\(t).id, \(t).notifier, \(t).subject, \(t).payload, \(t).state, \(t).attempts, \(due), \(t).last_error, "
            + "\(t).created_at, \(t).sent_at"
    }

    static func deliveries(_ rows: PostgresRowSequence) async throws -> [Delivery] {
        var deliveries: [Delivery] = []
        for try await c in rows.decode((Int64, String, String, String?, String, Int, Date, String?, Date, Date?).self) {
            let payload = c.3.flatMap { try? JSONDecoder().decode(Digest.self, from: Data($0.utf8)) }
            deliveries.append(Delivery(
                id: c.0, notifier: c.1, subject: c.2, payload: payload, state: Delivery.State(rawValue: c.4) ?? .pending,
                attempts: c.5, nextAttempt: c.6, lastError: c.7, created: c.8, sent: c.9))
        }
        return deliveries
    }
}

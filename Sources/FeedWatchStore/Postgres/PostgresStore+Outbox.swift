public import Foundation
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
    public func enqueueAlerts(topicIDs: [String], notifiers: [String], timeZone: String, at: Date, policy: AlertPolicy) async throws
        -> AlertQueueing
    {
        guard !topicIDs.isEmpty, !notifiers.isEmpty else { return AlertQueueing() }
        return try await transaction("queue alerts") { [self] connection in
            // One daemon batches at a time, so two daemons never send one topic's matches twice.
            try await query("SELECT pg_advisory_xact_lock(\(Self.alertLockKey))", on: connection)
            let dismissals = try await Self.dismissals(query(Self.dismissalsQuery, on: connection))
            var outcome = AlertQueueing()
            for topicID in topicIDs {
                let waiting = try await Self.single(query(
                    "SELECT COUNT(*) FROM topic_matches WHERE topic_id = \(topicID) AND digest_id IS NULL AND alerted_at IS NULL",
                    on: connection), Int.self) ?? 0
                guard waiting > 0 else { continue }
                // At most one message per interval: the first of a burst goes at once, the rest wait.
                let lastRows = try await query("SELECT MAX(alerted_at) FROM topic_matches WHERE topic_id = \(topicID)", on: connection)
                var last: Date?
                for try await value in lastRows.decode(Date?.self) { last = value }
                if let last, at.timeIntervalSince(last) < policy.interval {
                    let due = last.addingTimeInterval(policy.interval)
                    outcome.nextDue = min(outcome.nextDue ?? due, due)
                    continue
                }
                let rows = try await query(
                    """
                    SELECT m.id, m.topic_id, m.topic_name, m.score, m.snippets,
                        a.id, a.title, a.link, a.published_at, COALESCE(f.name, f.title, f.url), a.story_id
                    FROM topic_matches m
                    JOIN articles a ON a.id = m.article_id
                    JOIN feeds f ON f.id = a.feed_id
                    WHERE m.topic_id = \(topicID) AND m.digest_id IS NULL AND m.alerted_at IS NULL
                    ORDER BY m.id
                    """, on: connection)
                var candidates: [AlertBatch.Candidate] = []
                for try await c in rows.decode((Int64, String, String, Double, String, Int64, String, String?, Date?, String, Int64?).self) {
                    candidates.append(AlertBatch.Candidate(
                        matchID: c.0, topic: TopicReference(id: c.1, name: c.2), score: c.3,
                        snippets: (try? JSONDecoder().decode([Snippet].self, from: Data(c.4.utf8))) ?? [],
                        articleID: c.5, title: c.6, link: c.7, feedName: c.9, published: c.8, storyID: c.10))
                }
                guard let batch = AlertBatch.make(
                    candidates, dismissals: dismissals, maxStories: policy.maxStories, day: AlertBatch.day(of: at, timeZone: timeZone),
                    timeZone: timeZone, created: at)
                else { continue }
                // A batch that was all dismissed sends nothing: stamped at the epoch, it does not hold the next one back.
                let stamp = batch.payload.sections.isEmpty ? Date(timeIntervalSince1970: 0) : at
                try await query("UPDATE topic_matches SET alerted_at = \(stamp) WHERE id = ANY(\(batch.matchIDs))", on: connection)
                guard !batch.payload.sections.isEmpty else { continue }
                let payload = Self.clean(try AlertBatch.encode(batch.payload))
                outcome.messages += 1
                let inserted = try await query(
                    """
                    WITH added AS (
                        INSERT INTO deliveries (notifier, subject, payload, next_attempt_at, created_at)
                        SELECT n, \(batch.subject), \(payload), \(at), \(at) FROM unnest(\(notifiers)::text[]) AS n
                        ON CONFLICT (notifier, subject) DO NOTHING
                        RETURNING 1
                    )
                    SELECT COUNT(*) FROM added
                    """, on: connection)
                outcome.deliveries += try await Self.single(inserted, Int.self) ?? 0
            }
            return outcome
        }
    }

    /// Serialises alert batching between daemons. "fwalrt" in ASCII.
    static let alertLockKey: Int64 = 0x6677_616C_7274

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

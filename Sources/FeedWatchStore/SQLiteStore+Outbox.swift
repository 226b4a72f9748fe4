public import Foundation
import FeedWatchModel
import GRDB

/// The delivery outbox: rows are queued in the same transaction that makes them necessary,
/// and each attempt's outcome is one more transaction, so a crash never loses a delivery.
extension SQLiteStore {
    public func markDigestPublished(day: String, notifiers: [String], at: Date) async throws {
        try await write("publish digest \(day)") { db in
            try db.execute(
                sql: "UPDATE digests SET published_at = ?, publish_error = NULL WHERE day = ?", arguments: [at.timeIntervalSince1970, day])
            guard db.changesCount == 1 else {
                throw StoreError(code: .other, message: "cannot publish digest \(day): there is no such digest")
            }
            for notifier in notifiers {
                try db.execute(
                    sql: """
                        INSERT INTO deliveries (notifier, subject, next_attempt_at, created_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT(notifier, subject) DO NOTHING
                        """,
                    arguments: [notifier, "digest:\(day)", at.timeIntervalSince1970, at.timeIntervalSince1970])
            }
        }
    }

    public func recordDigestPublishFailure(day: String, error: String) async throws {
        try await write("record digest failure") { db in
            try db.execute(sql: "UPDATE digests SET publish_error = ? WHERE day = ?", arguments: [error, day])
        }
    }

    public func enqueueAlerts(topicIDs: [String], notifiers: [String], timeZone: String, at: Date, policy: AlertPolicy) async throws
        -> AlertQueueing
    {
        guard !topicIDs.isEmpty, !notifiers.isEmpty else { return AlertQueueing() }
        return try await write("queue alerts") { db in
            let dismissals = try Self.fetchDismissals(db)
            let now = at.timeIntervalSince1970
            var outcome = AlertQueueing()
            for topicID in topicIDs {
                let waiting = try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM topic_matches WHERE topic_id = ? AND digest_id IS NULL AND alerted_at IS NULL",
                    arguments: [topicID]) ?? 0
                guard waiting > 0 else { continue }
                // At most one message per interval: the first of a burst goes at once, the rest wait.
                if let last = try Double.fetchOne(db, sql: "SELECT MAX(alerted_at) FROM topic_matches WHERE topic_id = ?", arguments: [topicID]),
                   now - last < policy.interval {
                    let due = Date(timeIntervalSince1970: last + policy.interval)
                    outcome.nextDue = min(outcome.nextDue ?? due, due)
                    continue
                }
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT m.id AS match_id, m.topic_id, m.topic_name, m.score, COALESCE(s.snippets, '[]') AS snippets,
                            a.id AS article_id, a.title, a.link, a.published_at, a.story_id, COALESCE(f.name, f.title, f.url) AS feed_name
                        FROM topic_matches m
                        LEFT JOIN match_snippets s ON s.match_id = m.id
                        JOIN articles a ON a.id = m.article_id
                        JOIN feeds f ON f.id = a.feed_id
                        WHERE m.topic_id = ? AND m.digest_id IS NULL AND m.alerted_at IS NULL
                        ORDER BY m.id
                        """,
                    arguments: [topicID])
                let candidates = rows.map { row in
                    let snippetText: String = row["snippets"]
                    return AlertBatch.Candidate(
                        matchID: row["match_id"], topic: TopicReference(id: row["topic_id"], name: row["topic_name"]), score: row["score"],
                        snippets: SnippetJSON.decode(snippetText),
                        articleID: row["article_id"], title: row["title"], link: row["link"], feedName: row["feed_name"],
                        published: Self.date(row["published_at"]), storyID: row["story_id"])
                }
                guard let batch = AlertBatch.make(
                    candidates, dismissals: dismissals, maxStories: policy.maxStories, day: AlertBatch.day(of: at, timeZone: timeZone),
                    timeZone: timeZone, created: at)
                else { continue }
                // A batch that was all dismissed sends nothing: stamped 0, it does not hold the next one back.
                let stamp = batch.payload.sections.isEmpty ? 0 : now
                let mark = try db.makeStatement(sql: "UPDATE topic_matches SET alerted_at = ? WHERE id = ?")
                for id in batch.matchIDs { try mark.execute(arguments: [stamp, id]) }
                guard !batch.payload.sections.isEmpty else { continue }
                let payload = try AlertBatch.encode(batch.payload)
                outcome.messages += 1
                for notifier in notifiers {
                    try db.execute(
                        sql: """
                            INSERT INTO deliveries (notifier, subject, payload, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)
                            ON CONFLICT(notifier, subject) DO NOTHING
                            """,
                        arguments: [notifier, batch.subject, payload, now, now])
                    outcome.deliveries += db.changesCount
                }
            }
            return outcome
        }
    }

    public func dueDeliveries(now: Date, limit: Int) async throws -> [Delivery] {
        try await read("read due deliveries") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
                arguments: [now.timeIntervalSince1970, limit]
            ).map(Self.delivery(from:))
        }
    }

    public func finishDeliveryAttempt(id: Int64, result: DeliveryAttemptResult, at: Date) async throws {
        try await write("record delivery attempt") { db in
            switch result {
            case .sent:
                try db.execute(
                    sql: "UPDATE deliveries SET state = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?",
                    arguments: [at.timeIntervalSince1970, id])
            case .retry(let error, let next):
                try db.execute(
                    sql: "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                    arguments: [error, next.timeIntervalSince1970, id])
            case .failed(let error):
                try db.execute(
                    sql: "UPDATE deliveries SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?",
                    arguments: [error, id])
            }
        }
    }

    public func recentDeliveries(limit: Int) async throws -> [Delivery] {
        try await read("read deliveries") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM deliveries
                    ORDER BY CASE state WHEN 'failed' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, created_at DESC, id DESC
                    LIMIT ?
                    """,
                arguments: [limit]
            ).map(Self.delivery(from:))
        }
    }

    static func delivery(from row: Row) -> Delivery {
        let payloadText: String? = row["payload"]
        let payload = payloadText.flatMap { try? JSONDecoder().decode(Digest.self, from: Data($0.utf8)) }
        return Delivery(
            id: row["id"], notifier: row["notifier"], subject: row["subject"], payload: payload,
            state: Delivery.State(rawValue: row["state"]) ?? .pending, attempts: row["attempts"],
            nextAttempt: Date(timeIntervalSince1970: row["next_attempt_at"]), lastError: row["last_error"],
            created: Date(timeIntervalSince1970: row["created_at"]), sent: date(row["sent_at"]))
    }
}

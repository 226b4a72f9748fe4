import ArgumentParser
import Foundation
import FeedWatchDaemon
import FeedWatchModel
import FeedWatchStore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each feed's state, the last digest and pending matches.",
        discussion: """
            Per feed: state (ok, failing, disabled, new), last fetch, next fetch, consecutive \
            errors and the last error in plain words. Then the latest digest, the number of \
            matches waiting for the next one, and failed deliveries. Times are UTC; credentials \
            in feed URLs are shown as ***. Read-only: it never changes the feed list the running \
            daemon watches. --json prints the same as one JSON object.
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let runtime = try options.runtime()
        // Read-only: the running daemon owns the feed list (it syncs it at start and on
        // SIGHUP), so status never changes what the daemon watches.
        let statuses = try await runtime.store.feedStatuses()
        let stored = Set(statuses.map(\.feed.url))
        let unstored = runtime.configuration.feeds.filter { !stored.contains($0.url) }
        let digests = try await runtime.store.digests()
        let pending = try await runtime.store.pendingMatchCount()
        let failed = try await Self.failedDeliveries(runtime)
        if json {
            var feeds: [[String: Any]] = statuses.map { s in
                var o: [String: Any] = [
                    "url": LogRedaction.url(s.feed.url), "name": Self.name(s.feed), "state": Self.state(s.state),
                    "error_count": s.state.errorCount, "articles": s.articleCount,
                ]
                if let d = s.state.lastFetched { o["last_fetch"] = Terminal.rfc3339(d) }
                if let d = s.state.lastSuccess { o["last_success"] = Terminal.rfc3339(d) }
                if let d = s.state.nextCheck { o["next_fetch"] = Terminal.rfc3339(d) }
                if let e = s.state.lastError { o["last_error"] = e }
                if let st = s.state.lastStatus { o["last_status"] = st }
                if let m = s.state.movedTo { o["moved_to"] = LogRedaction.url(m) }
                if let r = s.state.disabledReason { o["disabled_reason"] = r }
                return o
            }
            feeds += unstored.map { ["url": LogRedaction.url($0.url), "name": $0.name ?? LogRedaction.url($0.url), "state": "not yet run"] }
            let object: [String: Any] = [
                "feeds": feeds,
                "last_digest": digests.first.map {
                    ["day": $0.day, "matches": $0.matchCount, "created": Terminal.rfc3339($0.created)] as [String: Any]
                } ?? NSNull(),
                "pending_matches": pending,
                "failed_deliveries": failed.map { $0 as Any } ?? NSNull(),
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        var rows = statuses.map { s in
            [Self.name(s.feed), Self.state(s.state), Terminal.rfc3339(s.state.lastFetched), Terminal.rfc3339(s.state.nextCheck),
             "\(s.state.errorCount)",
             s.state.disabledReason ?? s.state.lastError ?? (s.state.movedTo.map { "moved to \(LogRedaction.url($0))" } ?? "")]
        }
        rows += unstored.map { [$0.name ?? LogRedaction.url($0.url), "not yet run", "-", "-", "0", ""] }
        print(Terminal.table(["FEED", "STATE", "LAST FETCH", "NEXT FETCH", "ERRORS", "LAST ERROR"], rows))
        print("")
        if let last = digests.first {
            print("last digest: \(last.day) (\(last.matchCount) matches, written \(Terminal.rfc3339(last.created)))")
        } else {
            print("last digest: none yet")
        }
        print("pending matches: \(pending)")
        print("failed deliveries: " + (failed.map(String.init) ?? "not tracked by this build"))
    }

    /// Digest deliveries that failed and wait for a retry.
    ///
    /// Hook for digest delivery: this build writes digest files only and records no
    /// deliveries, so there is nothing to count (nil, shown as "not tracked"). When the store
    /// gains a failed-deliveries query, return its count here; table and JSON pick it up.
    static func failedDeliveries(_ runtime: FeedWatchRuntime) async throws -> Int? {
        nil
    }

    /// The feed's name for display, with any credentials in a URL name hidden.
    static func name(_ feed: StoredFeed) -> String {
        feed.name ?? feed.title ?? LogRedaction.url(feed.url)
    }

    static func state(_ state: FetchState) -> String {
        if state.disabledReason != nil { return "disabled" }
        if state.lastFetched == nil { return "new" }
        return state.errorCount > 0 ? "failing" : "ok"
    }
}

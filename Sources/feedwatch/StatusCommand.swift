import ArgumentParser
import Foundation
import FeedWatchDaemon
import FeedWatchStore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each feed's state, the last digest and pending matches.",
        discussion: """
            Per feed: state (ok, failing, disabled), last fetch, next fetch, consecutive errors \
            and the last error in plain words. Then the latest digest and the number of matches \
            waiting for the next one. Times are UTC. --json prints the same as one JSON object.
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let runtime = try await options.runtime()
        _ = try await runtime.store.syncFeeds(runtime.configuration.feeds)
        let statuses = try await runtime.store.feedStatuses()
        let digests = try await runtime.store.digests()
        let pending = try await runtime.store.pendingMatchCount()
        if json {
            let object: [String: Any] = [
                "feeds": statuses.map { s -> [String: Any] in
                    var o: [String: Any] = [
                        "url": s.feed.url, "name": s.feed.displayName, "state": Self.state(s.state),
                        "error_count": s.state.errorCount, "articles": s.articleCount,
                    ]
                    if let d = s.state.lastFetched { o["last_fetch"] = Terminal.rfc3339(d) }
                    if let d = s.state.nextCheck { o["next_fetch"] = Terminal.rfc3339(d) }
                    if let e = s.state.lastError { o["last_error"] = e }
                    if let st = s.state.lastStatus { o["last_status"] = st }
                    if let m = s.state.movedTo { o["moved_to"] = m }
                    return o
                },
                "last_digest": digests.first.map { ["day": $0.day, "matches": $0.matchCount] as [String: Any] } ?? NSNull(),
                "pending_matches": pending,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let rows = statuses.map { s in
            [s.feed.displayName, Self.state(s.state), Terminal.rfc3339(s.state.lastFetched), Terminal.rfc3339(s.state.nextCheck),
             "\(s.state.errorCount)", s.state.lastError ?? (s.state.movedTo.map { "moved to \($0)" } ?? "")]
        }
        print(Terminal.table(["FEED", "STATE", "LAST FETCH", "NEXT FETCH", "ERRORS", "LAST ERROR"], rows))
        print("")
        if let last = digests.first {
            print("last digest: \(last.day) (\(last.matchCount) matches)")
        } else {
            print("last digest: none yet")
        }
        print("pending matches: \(pending)")
    }

    static func state(_ state: FetchState) -> String {
        if state.disabledReason != nil { return "disabled" }
        if state.lastFetched == nil { return "new" }
        return state.errorCount > 0 ? "failing" : "ok"
    }
}

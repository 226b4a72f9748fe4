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
            matches waiting for the next one, any digest not yet written (and why), and the \
            latest deliveries (failed and pending first) with their attempts and last error. \
            Times are in the [digest] time zone with their age ("3 min ago"); credentials in \
            feed URLs are shown as ***. Read-only: it never changes the feed list the running \
            daemon watches. --json prints the same as one JSON object (times RFC 3339 in UTC). \
            Exit status 2 when a feed is failing.

            --check is for monitoring (a Nagios or Icinga check, a systemd timer): it prints one \
            line per problem, most severe first, or one OK line, and exits 0 OK, 1 WARNING, \
            2 CRITICAL, 3 UNKNOWN. Problems: a feed failing for longer than --failing-for \
            (WARNING); the digest not written --digest-grace after [digest] time, or written \
            but not published (CRITICAL); a delivery pending for longer than --delivery-grace \
            (WARNING) or failed in the last day (CRITICAL); the database unreachable (CRITICAL); \
            an invalid configuration (UNKNOWN).
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "Check for problems, as a monitoring plugin: one line per problem, exit 0/1/2/3.")
    var check = false

    @Option(help: ArgumentHelp("With --check: a feed failing this long is a problem.", valueName: "duration"))
    var failingFor: String = "6h"

    @Option(help: ArgumentHelp("With --check: the digest is overdue this long after [digest] time.", valueName: "duration"))
    var digestGrace: String = "1h"

    @Option(help: ArgumentHelp("With --check: a delivery still pending after this long is stuck.", valueName: "duration"))
    var deliveryGrace: String = "1h"

    func validate() throws {
        for (name, value) in [("--failing-for", failingFor), ("--digest-grace", digestGrace), ("--delivery-grace", deliveryGrace)]
        where TimeSpan(parsing: value) == nil {
            throw ValidationError("\(name) takes a duration such as 30m, 6h or 1d, not \(value)")
        }
        if check && json { throw ValidationError("--check and --json do not go together") }
    }

    func run() async throws {
        if check {
            let thresholds = StatusCheck.Thresholds(
                failingFor: TimeSpan(parsing: failingFor)?.timeInterval ?? 6 * 3600,
                digestGrace: TimeSpan(parsing: digestGrace)?.timeInterval ?? 3600,
                deliveryGrace: TimeSpan(parsing: deliveryGrace)?.timeInterval ?? 3600)
            let status = await StatusCheck(options: options, thresholds: thresholds).run()
            throw ExitCode(status)
        }
        let runtime = try await options.runtime(.readOnly)
        // Read-only: the running daemon owns the feed list (it syncs it at start and on
        // SIGHUP), so status never changes what the daemon watches.
        let statuses = try await runtime.store.feedStatuses()
        let stored = Set(statuses.map(\.feed.url))
        let unstored = runtime.configuration.feeds.filter { !stored.contains($0.url) }
        let digests = try await runtime.store.digests()
        let pending = try await runtime.store.pendingMatchCount()
        let deliveries = try await runtime.store.recentDeliveries(limit: Self.deliveryRows)
        let unpublished = digests.filter { $0.published == nil }
        // Deliveries come failed first, so the failed ones among them are all there are
        // unless the list is full.
        let failed = deliveries.filter { $0.state == .failed }.count
        if json {
            var feeds: [[String: Any]] = statuses.map { s in
                var o: [String: Any] = [
                    "url": LogRedaction.url(s.feed.url), "name": Self.name(s.feed), "state": Self.state(s.state),
                    "error_count": s.state.errorCount, "articles": s.articleCount,
                    "identity": s.identityMode.rawValue,
                ]
                if let d = s.state.lastFetched { o["last_fetch"] = Terminal.rfc3339(d) }
                if let d = s.state.lastSuccess { o["last_success"] = Terminal.rfc3339(d) }
                if let d = s.state.nextCheck { o["next_fetch"] = Terminal.rfc3339(d) }
                if let r = s.state.nextCheckReason { o["next_fetch_reason"] = r }
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
                "failed_deliveries": failed,
                "unpublished_digests": unpublished.map { ["day": $0.day, "error": $0.publishError ?? NSNull()] as [String: Any] },
                "deliveries": deliveries.map { d -> [String: Any] in
                    var o: [String: Any] = [
                        "notifier": d.notifier, "subject": d.subject, "state": d.state.rawValue, "attempts": d.attempts,
                        "created": Terminal.rfc3339(d.created),
                    ]
                    if d.state == .pending { o["next_attempt"] = Terminal.rfc3339(d.nextAttempt) }
                    if let sent = d.sent { o["sent"] = Terminal.rfc3339(sent) }
                    if let e = d.lastError { o["last_error"] = e }
                    return o
                },
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
            if statuses.contains(where: { Self.state($0.state) == "failing" }) { throw ExitStatus.feedsFailing.error }
            return
        }
        let zone = Terminal.timeZone(runtime.configuration)
        let now = Date()
        func when(_ date: Date?) -> String { Terminal.when(date, timeZone: zone, now: now) }
        var rows = statuses.map { s in
            [Self.name(s.feed), Self.paintedState(s.state), when(s.state.lastFetched), when(s.state.nextCheck),
             s.state.nextCheckReason ?? (s.state.nextCheck == nil ? "due now" : ""), "\(s.state.errorCount)",
             s.state.disabledReason ?? s.state.lastError ?? (s.state.movedTo.map { "moved to \(LogRedaction.url($0))" } ?? "")]
        }
        rows += unstored.map { [$0.name ?? LogRedaction.url($0.url), "not yet run", "-", "-", "due at the next cycle", "0", ""] }
        print(Terminal.table(["FEED", "STATE", "LAST FETCH", "NEXT FETCH", "BECAUSE", "ERRORS", "LAST ERROR"], rows))
        print("")
        for s in statuses where s.identityMode != .guid {
            let why = s.identityMode == .link ? "its guids change between fetches" : "it repeats guids for different articles"
            print("identity: \(s.feed.displayName) is recognised by \(s.identityMode.rawValue) (\(why))")
        }
        if let last = digests.first {
            print("last digest: \(last.day) (\(last.matchCount) matches, written \(when(last.created)))")
        } else {
            print("last digest: none yet")
        }
        print("pending matches: \(pending)")
        print("failed deliveries: \(failed)\(failed == Self.deliveryRows ? " or more" : "")")
        for digest in unpublished {
            print("digest \(digest.day) NOT WRITTEN YET (retried every minute): \(digest.publishError ?? "interrupted; the daemon finishes it")")
        }
        print("")
        if deliveries.isEmpty {
            print("deliveries: none yet")
        } else {
            // Failed and pending first: what needs attention.
            let rows = deliveries.map { d in
                [d.notifier, d.subject, d.state.rawValue.uppercased(), "\(d.attempts)",
                 d.state == .sent ? "sent \(when(d.sent))" : d.state == .pending ? "next \(when(d.nextAttempt))" : "-",
                 d.lastError ?? ""]
            }
            print(Terminal.table(["NOTIFIER", "SUBJECT", "STATE", "ATTEMPTS", "WHEN", "LAST ERROR"], rows))
        }
        print("times in \(runtime.configuration.digest.timeZone)")
        if statuses.contains(where: { Self.state($0.state) == "failing" }) { throw ExitStatus.feedsFailing.error }
    }

    /// The state word, coloured on a terminal: failing red, disabled yellow, ok green.
    static func paintedState(_ state: FetchState) -> String {
        let word = Self.state(state)
        switch word {
        case "failing": return Terminal.paint(word, .red)
        case "disabled": return Terminal.paint(word, .yellow)
        case "ok": return Terminal.paint(word, .green)
        default: return word
        }
    }

    /// The feed's name for display, with any credentials in a URL name hidden.
    static func name(_ feed: StoredFeed) -> String {
        feed.name ?? feed.title ?? LogRedaction.url(feed.url)
    }

    /// How many deliveries `status` lists.
    static let deliveryRows = 20

    static func state(_ state: FetchState) -> String {
        if state.disabledReason != nil { return "disabled" }
        if state.lastFetched == nil { return "new" }
        return state.errorCount > 0 ? "failing" : "ok"
    }
}

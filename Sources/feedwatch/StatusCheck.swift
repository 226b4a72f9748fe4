import Foundation
import FeedWatchDaemon
import FeedWatchModel
import FeedWatchStore

/// `feedwatch status --check`: the state of an installation as a monitoring plugin reports it
/// (Nagios/Icinga plugin API): one line per problem, most severe first, and the exit status
/// 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
struct StatusCheck {
    enum Severity: Int32, Comparable {
        case ok = 0, warning = 1, critical = 2, unknown = 3
        static func < (a: Severity, b: Severity) -> Bool {
            // UNKNOWN is reported only when nothing could be checked; among findings CRITICAL ranks first.
            a.rank < b.rank
        }
        private var rank: Int { self == .unknown ? 1 : Int(rawValue) * 2 }
        var label: String {
            switch self {
            case .ok: "OK"
            case .warning: "WARNING"
            case .critical: "CRITICAL"
            case .unknown: "UNKNOWN"
            }
        }
    }

    struct Problem {
        var severity: Severity
        var text: String
    }

    struct Thresholds {
        var failingFor: TimeInterval
        var digestGrace: TimeInterval
        var deliveryGrace: TimeInterval
    }

    let options: ConfigOptions
    let thresholds: Thresholds

    /// Prints the report; returns the exit status.
    func run(now: Date = Date()) async -> Int32 {
        let configuration: FeedWatchConfiguration
        do {
            configuration = try ConfigurationLoader.load(path: options.config)
        } catch {
            return report([Problem(severity: .unknown, text: "configuration \(error.file) is invalid: \(error.problems.first?.description ?? "")")], summary: "")
        }
        let runtime: FeedWatchRuntime
        do {
            runtime = try await FeedWatchRuntime.open(configuration: configuration, access: .readOnly, logger: options.logger())
        } catch {
            var text = "database unreachable: \(error)"
            if case .sqlite(let path) = configuration.storage.database {
                if let denied = Permission.problem(path: path, writing: false) {
                    text = "database unreachable: \(denied)"
                } else if !FileManager.default.fileExists(atPath: path) {
                    text = "database unreachable: \(path) does not exist (has the service ever started?)"
                }
            }
            return report([Problem(severity: .critical, text: text)], summary: "")
        }
        var problems: [Problem]
        var summary = ""
        do {
            problems = try await findings(runtime: runtime, now: now)
            let statuses = try await runtime.store.feedStatuses()
            summary = "\(statuses.count) feeds, \(configuration.topics.count) topics, \(configuration.digest.notifiers.count) notifiers"
        } catch {
            problems = [Problem(severity: .critical, text: "database unreachable: \(error)")]
        }
        await runtime.store.close()
        return report(problems, summary: summary)
    }

    private func findings(runtime: FeedWatchRuntime, now: Date) async throws -> [Problem] {
        let configuration = runtime.configuration
        var problems: [Problem] = []
        let zone = Terminal.timeZone(configuration)
        for status in try await runtime.store.feedStatuses() {
            let state = status.state
            guard state.disabledReason == nil, state.errorCount > 0 else { continue }
            // Failing for longer than the threshold since its last success; a feed that never
            // worked is a problem from its first failure (there is nothing to wait for).
            guard state.lastSuccess.map({ now.timeIntervalSince($0) > thresholds.failingFor }) ?? true else { continue }
            let name = status.feed.name ?? status.feed.title ?? LogRedaction.url(status.feed.url)
            let last = state.lastSuccess.map { "last success \(Terminal.when($0, timeZone: zone, now: now))" } ?? "never fetched successfully"
            problems.append(Problem(
                severity: .warning,
                text: "feed \(name) failing (\(state.errorCount) errors, \(last)): \(state.lastError ?? "unknown error")"))
        }
        let digests = try await runtime.store.digests()
        let schedule = DigestSchedule(minuteOfDay: configuration.digest.minuteOfDay, timeZone: zone)
        let due = schedule.latestSlot(atOrBefore: now)
        if now.timeIntervalSince(due.at) > thresholds.digestGrace,
           !digests.contains(where: { $0.day == due.day.description || $0.created >= due.at }) {
            problems.append(Problem(
                severity: .critical,
                text: "digest \(due.day) overdue: due \(Terminal.when(due.at, timeZone: zone, now: now)), not written (is the service running?)"))
        }
        for digest in digests where digest.published == nil && now.timeIntervalSince(digest.created) > thresholds.digestGrace {
            problems.append(Problem(
                severity: .critical, text: "digest \(digest.day) not published: \(digest.publishError ?? "interrupted, not finished")"))
        }
        for delivery in try await runtime.store.recentDeliveries(limit: 200) {
            switch delivery.state {
            case .failed where now.timeIntervalSince(delivery.created) < 86_400:
                problems.append(Problem(
                    severity: .critical,
                    text: "delivery \(delivery.subject) to \(delivery.notifier) failed after \(delivery.attempts) attempts: \(delivery.lastError ?? "")"))
            case .pending where now.timeIntervalSince(delivery.created) > thresholds.deliveryGrace:
                problems.append(Problem(
                    severity: .warning,
                    text: "delivery \(delivery.subject) to \(delivery.notifier) stuck: pending since \(Terminal.when(delivery.created, timeZone: zone, now: now)), \(delivery.attempts) attempts, last error: \(delivery.lastError ?? "none")"))
            default:
                continue
            }
        }
        return problems
    }

    /// One line per problem, most severe first (the line a monitoring system shows), or one
    /// OK line; returns the worst severity.
    private func report(_ problems: [Problem], summary: String) -> Int32 {
        guard !problems.isEmpty else {
            print("FEEDWATCH OK: \(summary)")
            return Severity.ok.rawValue
        }
        let sorted = problems.enumerated().sorted { a, b in
            a.element.severity == b.element.severity ? a.offset < b.offset : a.element.severity > b.element.severity
        }.map(\.element)
        for problem in sorted { print("FEEDWATCH \(problem.severity.label): \(problem.text)") }
        return sorted[0].severity.rawValue
    }
}

public import Foundation
import Synchronization

/// The daemon's counters, kept in memory behind one lock and rendered in the Prometheus text
/// format (version 0.0.4) for `/metrics`.
///
/// Written by hand rather than through swift-metrics: the set is small and fixed, and one lock
/// over plain integers keeps a scrape consistent (every counter from the same instant).
public final class MetricsRegistry: Sendable {
    /// Upper bounds of the fetch latency histogram, in seconds: from a fast loopback answer to
    /// the longest timeout a feed is likely to be given.
    public static let latencyBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    struct Values {
        var fetchesOK = 0
        var fetchesNotModified = 0
        var fetchesFailed = 0
        var fetchedBytes = 0
        var newArticles = 0
        var newMatches = 0
        var cycles = 0
        var reloadsOK = 0
        var reloadsFailed = 0
        var latencyCounts = [Int](repeating: 0, count: MetricsRegistry.latencyBuckets.count)
        var latencyCount = 0
        var latencySum = 0.0
        var feeds = 0
        var failingFeeds = 0
        var lastDigest: Date?
        var startTime = Date()
    }

    private let values = Mutex(Values())

    /// An empty registry; the process start time is taken now.
    public init() {}

    /// Records what one feed refresh did.
    public func record(_ report: FeedRefreshReport) {
        guard !report.cancelled else { return }
        values.withLock { v in
            if report.error != nil {
                v.fetchesFailed += 1
            } else if report.status == 304 {
                v.fetchesNotModified += 1
            } else {
                v.fetchesOK += 1
            }
            v.fetchedBytes += report.bytes
            v.newArticles += report.newArticles
            v.newMatches += report.newMatches
            v.latencyCount += 1
            v.latencySum += report.seconds
            for (index, bound) in Self.latencyBuckets.enumerated() where report.seconds <= bound {
                v.latencyCounts[index] += 1
            }
        }
    }

    /// Records a finished cycle and the feed counts the scheduler saw.
    public func recordCycle() { values.withLock { $0.cycles += 1 } }

    /// Updates the feed gauges.
    public func setFeeds(total: Int, failing: Int) {
        values.withLock {
            $0.feeds = total
            $0.failingFeeds = failing
        }
    }

    /// Records when the newest digest was created.
    public func setLastDigest(_ date: Date?) { values.withLock { $0.lastDigest = date } }

    /// Records a reload attempt.
    public func recordReload(succeeded: Bool) {
        values.withLock { v in
            if succeeded { v.reloadsOK += 1 } else { v.reloadsFailed += 1 }
        }
    }

    /// The Prometheus text exposition of every metric, `healthy` as `feedwatch_healthy`.
    public func render(now: Date = Date(), healthy: Bool) -> String {
        let v = values.withLock { $0 }
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples { out += "\(name)\(sample.labels) \(sample.value)\n" }
        }
        metric("feedwatch_fetches_total", "counter", "Feed fetches by outcome.", [
            ("{result=\"ok\"}", "\(v.fetchesOK)"), ("{result=\"not_modified\"}", "\(v.fetchesNotModified)"),
            ("{result=\"error\"}", "\(v.fetchesFailed)"),
        ])
        metric("feedwatch_fetch_errors_total", "counter", "Feed refreshes that failed (fetch, parse or store).", [("", "\(v.fetchesFailed)")])
        metric("feedwatch_fetched_bytes_total", "counter", "Decoded body bytes received.", [("", "\(v.fetchedBytes)")])
        metric("feedwatch_new_articles_total", "counter", "Articles stored for the first time.", [("", "\(v.newArticles)")])
        metric("feedwatch_matches_total", "counter", "New topic matches recorded.", [("", "\(v.newMatches)")])
        metric("feedwatch_cycles_total", "counter", "Scheduler cycles that refreshed at least one feed.", [("", "\(v.cycles)")])
        metric("feedwatch_reloads_total", "counter", "Configuration reloads (SIGHUP) by outcome.", [
            ("{result=\"ok\"}", "\(v.reloadsOK)"), ("{result=\"error\"}", "\(v.reloadsFailed)"),
        ])
        var buckets: [(labels: String, value: String)] = []
        for (index, bound) in Self.latencyBuckets.enumerated() {
            buckets.append(("_bucket{le=\"\(Self.number(bound))\"}", "\(v.latencyCounts[index])"))
        }
        buckets.append(("_bucket{le=\"+Inf\"}", "\(v.latencyCount)"))
        buckets.append(("_sum", Self.number(v.latencySum)))
        buckets.append(("_count", "\(v.latencyCount)"))
        metric("feedwatch_fetch_duration_seconds", "histogram", "Time from starting a feed refresh to its outcome.", buckets)
        metric("feedwatch_feeds", "gauge", "Active feeds.", [("", "\(v.feeds)")])
        metric("feedwatch_feeds_failing", "gauge", "Active feeds whose last refresh failed.", [("", "\(v.failingFeeds)")])
        if let last = v.lastDigest {
            metric("feedwatch_digest_age_seconds", "gauge", "Seconds since the newest digest was written.",
                   [("", Self.number(max(0, now.timeIntervalSince(last))))])
        }
        metric("feedwatch_uptime_seconds", "gauge", "Seconds since the daemon started.", [("", Self.number(now.timeIntervalSince(v.startTime)))])
        metric("feedwatch_healthy", "gauge", "1 while the pipeline loop is alive and the database answers.", [("", healthy ? "1" : "0")])
        return out
    }

    /// Numbers as Prometheus writes them: integers without a fraction, others in Swift's
    /// shortest round-tripping form (`0.05`, `2.5`), which the text format accepts.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

public import Foundation
public import FeedWatchModel
import Synchronization

/// Hosts that asked us to slow down (429, 503 with Retry-After, repeated 403): every feed on
/// such a host waits until the host's time has passed, so one rate limit is honoured for all
/// the feeds it serves, not just the one that received it.
public final class HostPoliteness: Sendable {
    private let notBefore = Mutex<[String: Date]>([:])
    /// Used when a host rate-limits without saying for how long.
    public let defaultPause: TimeSpan
    /// A host's own Retry-After is honoured up to this long.
    public let longestPause: TimeSpan

    public init(defaultPause: TimeSpan = .hours(1), longestPause: TimeSpan = .hours(24)) {
        self.defaultPause = defaultPause
        self.longestPause = longestPause
    }

    /// The host part of `url`, lower-cased; nil for URLs without one (`file:`).
    public static func host(of url: String) -> String? {
        URLComponents(string: url)?.host?.lowercased()
    }

    /// Whether any host asked us to wait (and may still be waited for): when none did, a
    /// refresh need not look its host up.
    public var hasPauses: Bool { notBefore.withLock { !$0.isEmpty } }

    /// Until when requests to `host` must wait; nil when they may go now.
    public func pausedUntil(host: String, now: Date) -> Date? {
        notBefore.withLock { map in
            guard let until = map[host] else { return nil }
            if until <= now {
                map[host] = nil
                return nil
            }
            return until
        }
    }

    /// Records that `host` asked to wait `seconds` (or the default pause when nil).
    /// Returns the moment requests may resume.
    @discardableResult
    public func pause(host: String, seconds: Double?, now: Date) -> Date {
        let wait = min(max(seconds ?? defaultPause.timeInterval, 1), longestPause.timeInterval)
        let until = now.addingTimeInterval(wait)
        return notBefore.withLock { map in
            let later = max(map[host] ?? until, until)
            map[host] = later
            return later
        }
    }
}

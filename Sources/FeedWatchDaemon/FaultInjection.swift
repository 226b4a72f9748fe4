import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Named points where `FEEDWATCH_FAULT=<point>` kills the process with SIGKILL, the way a
/// power cut or the OOM killer would: the crash tests restart the daemon after each and check
/// that no match is lost or repeated and that every file is complete.
public enum FaultInjection {
    /// The points, in the order a digest passes them.
    public enum Point: String, Sendable, CaseIterable {
        /// Matches are assigned to the digest; nothing rendered yet.
        case afterCollect = "after-collect"
        /// The digest and what it lists read from the store; no file rendered or written yet
        /// (files are rendered straight to their temporary files).
        case afterRender = "after-render"
        /// Files written; digest not yet marked published.
        case afterWrite = "after-write"
        /// Just before the transaction that marks the digest published and queues its deliveries.
        case beforeOutboxMark = "before-outbox-mark"
        /// A delivery went out; its success is not yet recorded.
        case afterSend = "after-send"
    }

    /// Read once: the switch is for test runs, not something to flip at run time.
    static let armed: String? = ProcessInfo.processInfo.environment["FEEDWATCH_FAULT"]

    /// Kills the process at once when `point` is the armed one.
    static func reach(_ point: Point) {
        guard armed == point.rawValue else { return }
        raise(SIGKILL)
    }
}

public import Foundation

/// What a completed HTTP exchange means for the scheduler.
public enum ResponseDisposition: Sendable, Hashable {
    /// 2xx without a permanent redirect: process the body.
    case ok
    /// 304: nothing changed, nothing to parse.
    case notModified
    /// The chain began with 301/308 and ended in 2xx or 304: store `to` as the feed's URL, then treat the
    /// response like `.ok`/`.notModified` (its `status` says which).
    case movedPermanently(to: String)
    /// 410: the feed is gone; disable it.
    case gone
    /// 429, or 503 with `Retry-After`: back off for the whole host; `retryAfter` is seconds from now when given.
    case rateLimited(retryAfter: Double?)
    /// 5xx (other than a rate-limiting 503), and unfollowed 3xx or 1xx finals: back off and keep probing.
    case serverError(status: Int)
    /// 4xx other than 410 and 429 (a repeated 403 is the scheduler's call to treat as rate limiting).
    case clientError(status: Int)
}

extension FetchResult {
    /// This response classified for the scheduler, with `Retry-After` dates measured from now.
    public var disposition: ResponseDisposition { disposition(now: Date()) }

    /// This response classified for the scheduler, with `Retry-After` dates measured from `now`.
    public func disposition(now: Date) -> ResponseDisposition {
        switch status {
        case 200...299, 304:
            if let target = permanentRedirect { return .movedPermanently(to: target) }
            return status == 304 ? .notModified : .ok
        case 410:
            return .gone
        case 429:
            return .rateLimited(retryAfter: header("retry-after").flatMap { RetryAfter.parse($0, now: now) })
        case 503:
            guard let value = header("retry-after") else { return .serverError(status: 503) }
            return .rateLimited(retryAfter: RetryAfter.parse(value, now: now))
        case 400...499:
            return .clientError(status: status)
        default:
            return .serverError(status: status)
        }
    }
}

import Foundation
import Testing

@testable import FeedWatchFetching

@Suite("Retry-After, backoff and response classification")
struct DispositionTests {
    let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT

    @Test(arguments: [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Sun, 06 Nov 1994 08:51:37 GMT", 120.0),
        ("Sunday, 06-Nov-94 08:50:37 GMT", 60.0),
        ("Sun Nov  6 08:49:47 1994", 10.0),
        ("Sat, 05 Nov 1994 08:49:37 GMT", 0.0),
    ])
    func retryAfterParses(value: String, seconds: Double) {
        #expect(RetryAfter.parse(value, now: now) == seconds)
    }

    @Test(arguments: ["", "soon", "-5", "1.5", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT"])
    func retryAfterRejects(value: String) {
        #expect(RetryAfter.parse(value, now: now) == nil)
    }

    @Test func backoffDoublesUpToTheCap() {
        #expect(Backoff.delay(afterFailures: 0, random: 0.5) == 0)
        #expect(Backoff.delay(afterFailures: 1, random: 0.5) == 60)
        #expect(Backoff.delay(afterFailures: 2, random: 0.5) == 120)
        #expect(Backoff.delay(afterFailures: 5, random: 0.5) == 960)
        #expect(Backoff.delay(afterFailures: 20, random: 0.5) == 86400)
        #expect(Backoff.delay(afterFailures: Int.max, random: 0.99) == 86400)
    }

    @Test func backoffJitterStaysWithinItsSpread() {
        #expect(Backoff.delay(afterFailures: 3, random: 0) == 216)
        #expect(abs(Backoff.delay(afterFailures: 3, random: 1) - 264) < 1e-9)
        #expect(Backoff.delay(afterFailures: 3, jitter: 0, random: 0.9) == 240)
        #expect(Backoff.delay(afterFailures: 3, random: .nan) == 240)
    }

    func result(_ status: Int, _ headers: [(name: String, value: String)] = [], redirect: String? = nil) -> FetchResult {
        FetchResult(
            requestedURL: "https://a.example/f", effectiveURL: "https://a.example/f", status: status, headers: headers,
            body: [], duration: 0, permanentRedirect: redirect)
    }

    @Test func dispositions() {
        #expect(result(200).disposition(now: now) == .ok)
        #expect(result(204).disposition(now: now) == .ok)
        #expect(result(304).disposition(now: now) == .notModified)
        #expect(result(200, redirect: "https://b.example/f").disposition(now: now) == .movedPermanently(to: "https://b.example/f"))
        #expect(result(404, redirect: "https://b.example/f").disposition(now: now) == .clientError(status: 404))
        #expect(result(410).disposition(now: now) == .gone)
        #expect(result(429).disposition(now: now) == .rateLimited(retryAfter: nil))
        #expect(result(429, [("Retry-After", "30")]).disposition(now: now) == .rateLimited(retryAfter: 30))
        #expect(result(503).disposition(now: now) == .serverError(status: 503))
        #expect(result(503, [("retry-after", "7")]).disposition(now: now) == .rateLimited(retryAfter: 7))
        #expect(result(500).disposition(now: now) == .serverError(status: 500))
        #expect(result(403).disposition(now: now) == .clientError(status: 403))
        #expect(result(301).disposition(now: now) == .serverError(status: 301))
    }
}

import Foundation
import Synchronization
import Testing

@testable import FeedWatchFetching
import FeedWatchTestSupport

let sampleFeed = """
    <?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>one</title><link>https://example.org/1</link></item></channel></rss>
    """

/// Starts a server, runs `body`, and always shuts the server down.
func withServer<T>(
    _ handler: @escaping @Sendable (LoopbackRequest) -> LoopbackResponse,
    _ body: (LoopbackHTTPServer) async throws -> T
) async throws -> T {
    let server = try await LoopbackHTTPServer.start(handler)
    do {
        let value = try await body(server)
        try await server.shutdown()
        return value
    } catch {
        try? await server.shutdown()
        throw error
    }
}

@Suite("Fetcher against the loopback server")
struct FetcherBasicTests {
    @Test func okReturnsBodyAndHeaders() async throws {
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        try await withServer({ request in
            request.path == "/feed.xml"
                ? LoopbackResponse.ok(sampleFeed).adding(header: "ETag", "\"v1\"")
                    .adding(header: "Last-Modified", "Sat, 28 Nov 2026 10:00:00 GMT")
                : .status(404)
        }) { server in
            let result = try await fetcher.fetch(FetchRequest(url: server.url("/feed.xml")))
            #expect(result.status == 200)
            #expect(result.body == Array(sampleFeed.utf8))
            #expect(result.etag == "\"v1\"")
            #expect(result.lastModified == "Sat, 28 Nov 2026 10:00:00 GMT")
            #expect(result.contentType == "application/rss+xml; charset=utf-8")
            #expect(result.effectiveURL == server.url("/feed.xml"))
            #expect(result.permanentRedirect == nil)
            #expect(result.disposition == .ok)
        }
    }

    @Test func sendsUserAgentAcceptEncodingAndExtraHeaders() async throws {
        let fetcher = try Fetcher(configuration: FetcherConfiguration(userAgent: "feedwatch-test/1"))
        defer { fetcher.shutdown() }
        try await withServer({ request in
            .ok("\(request.header("user-agent") ?? "-")|\(request.header("accept-encoding") ?? "-")|\(request.header("x-token") ?? "-")")
        }) { server in
            let result = try await fetcher.fetch(
                FetchRequest(url: server.url("/h"), extraHeaders: ["X-Token": "secret"]))
            let text = String(decoding: result.body, as: UTF8.self)
            let parts = text.split(separator: "|").map(String.init)
            #expect(parts.count == 3)
            #expect(parts.first == "feedwatch-test/1")
            #expect(parts.dropFirst().first?.contains("gzip") == true)
            #expect(parts.last == "secret")
        }
    }

    @Test func conditionalGetSendsValidatorsAndGets304() async throws {
        let etag = "\"abc123\""
        let lastModified = "Sat, 28 Nov 2026 10:00:00 GMT"
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        try await withServer({ request in
            if request.header("if-none-match") == etag, request.header("if-modified-since") == lastModified {
                return .status(304, headers: [("ETag", etag)])
            }
            return LoopbackResponse.ok(sampleFeed).adding(header: "ETag", etag)
        }) { server in
            let first = try await fetcher.fetch(FetchRequest(url: server.url("/feed")))
            #expect(first.status == 200)
            let second = try await fetcher.fetch(
                FetchRequest(url: server.url("/feed"), etag: first.etag, lastModified: lastModified))
            #expect(second.status == 304)
            #expect(second.notModified)
            #expect(second.body.isEmpty)
            #expect(second.disposition == .notModified)
            #expect(server.requestCount(path: "/feed") == 2)
        }
    }

    @Test func notFoundIsAResultNotAnError() async throws {
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        try await withServer({ _ in .status(404) }) { server in
            let result = try await fetcher.fetch(FetchRequest(url: server.url("/missing")))
            #expect(result.status == 404)
            #expect(result.disposition == .clientError(status: 404))
        }
    }

    @Test func temporaryRedirectIsFollowedWithoutPermanentTarget() async throws {
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        try await withServer({ request in
            request.path == "/old" ? .redirect(302, to: "/new") : .ok(sampleFeed)
        }) { server in
            let result = try await fetcher.fetch(FetchRequest(url: server.url("/old")))
            #expect(result.status == 200)
            #expect(result.effectiveURL == server.url("/new"))
            #expect(result.permanentRedirect == nil)
            #expect(result.requestedURL == server.url("/old"))
        }
    }

    @Test func permanentRedirectsAreReportedWithTheFinalHeadersOnly() async throws {
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        try await withServer({ request in
            switch request.path {
            case "/a": LoopbackResponse.redirect(301, to: "/b").adding(header: "ETag", "\"redirect\"")
            case "/b": .redirect(308, to: "/c")
            case "/c": .redirect(302, to: "/d")
            default: LoopbackResponse.ok(sampleFeed).adding(header: "ETag", "\"final\"")
            }
        }) { server in
            let result = try await fetcher.fetch(FetchRequest(url: server.url("/a")))
            #expect(result.status == 200)
            #expect(result.effectiveURL == server.url("/d"))
            // Only the leading run of permanent redirects counts: /a → /b → /c, then 302 keeps /c.
            #expect(result.permanentRedirect == server.url("/c"))
            #expect(result.etag == "\"final\"")
            #expect(result.headers.filter { $0.name == "etag" }.count == 1)
            #expect(result.headers.contains { $0.name == "location" } == false)
            #expect(result.disposition == .movedPermanently(to: server.url("/c")))
        }
    }

    /// The four slow transfers are in flight at once: each slow answer is held back by the
    /// server, and every slow request arrives before the first of those answers is sent
    /// (an ordering of events on the server, not a wall-clock bound).
    @Test func tenTransfersWithSlowOnesCompleteTogether() async throws {
        let fetcher = try Fetcher(configuration: FetcherConfiguration(maxConcurrent: 16, maxPerHost: 16))
        defer { fetcher.shutdown() }
        let hold = 3.0
        let slowArrivals = Mutex<[ContinuousClock.Instant]>([])
        try await withServer({ request in
            guard request.path.hasPrefix("/slow") else { return .ok(sampleFeed) }
            slowArrivals.withLock { $0.append(ContinuousClock.now) }
            return LoopbackResponse.ok(sampleFeed).delivered(.delayed(seconds: hold))
        }) { server in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<10 {
                    let path = index < 4 ? "/slow\(index)" : "/fast\(index)"
                    group.addTask { try await fetcher.fetch(FetchRequest(url: server.url(path))).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 10))
            let arrivals = slowArrivals.withLock { $0 }
            #expect(arrivals.count == 4)
            // One after another, each slow request would arrive only after the previous answer.
            if let first = arrivals.min(), let last = arrivals.max() {
                #expect(last - first < .milliseconds(Int64(hold * 1000)), "slow requests arrived \(last - first) apart")
            }
        }
    }

    @Test func perHostLimitQueuesButCompletesEverything() async throws {
        let fetcher = try Fetcher(configuration: FetcherConfiguration(maxConcurrent: 4, maxPerHost: 1))
        defer { fetcher.shutdown() }
        try await withServer({ _ in .ok(sampleFeed) }) { server in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<20 {
                    group.addTask { try await fetcher.fetch(FetchRequest(url: server.url("/f\(index)"))).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.count == 20)
            #expect(statuses.allSatisfy { $0 == 200 })
            // One connection at a time to this host, reused.
            #expect(server.acceptedConnections <= 2)
        }
    }

    @Test func readsFileURLOnlyWhenAllowed() async throws {
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        let directory = try TemporaryDirectory(prefix: "feedwatch-file")
        let file = URL(fileURLWithPath: directory.path).appendingPathComponent("feed.xml")
        try Data(sampleFeed.utf8).write(to: file)
        let result = try await fetcher.fetch(FetchRequest(url: file.absoluteString, allowFileScheme: true))
        #expect(result.status == 200)
        #expect(result.body == Array(sampleFeed.utf8))
        await #expect(throws: FetchError.self) {
            _ = try await fetcher.fetch(FetchRequest(url: file.absoluteString))
        }
        do {
            _ = try await fetcher.fetch(FetchRequest(url: file.absoluteString))
        } catch {
            #expect(error.code == .unsupportedScheme)
        }
        do {
            _ = try await fetcher.fetch(FetchRequest(url: file.absoluteString + ".missing", allowFileScheme: true))
            Issue.record("a missing file was read")
        } catch {
            #expect(error.code == .fileUnreadable)
        }
    }

    @Test func fileReadIsBoundedByMaxBodyBytes() async throws {
        let fetcher = try Fetcher(configuration: FetcherConfiguration(maxBodyBytes: 1024))
        defer { fetcher.shutdown() }
        let directory = try TemporaryDirectory(prefix: "fw-big-file")
        let path = directory.path + "/big.xml"
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        do {
            _ = try await fetcher.fetch(FetchRequest(url: "file://" + path, allowFileScheme: true))
            Issue.record("the file was read without bound")
        } catch {
            #expect(error.code == .bodyTooLarge)
            #expect(error.message.contains("1 KiB"))
        }
        // A device is not read at all (issue 15, item 12): not a regular file.
        do {
            _ = try await fetcher.fetch(FetchRequest(url: "file:///dev/zero", allowFileScheme: true))
            Issue.record("/dev/zero was read")
        } catch {
            #expect(error.code == .fileUnreadable)
        }
    }
}

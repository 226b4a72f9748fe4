import Foundation
import Testing

@testable import FeedWatchFetching
import FeedWatchTestSupport

/// Short timeouts so slow hosts fail within seconds; the defaults otherwise.
let hostileConfiguration = FetcherConfiguration(connectTimeout: 5, totalTimeout: 20, lowSpeedTime: 2)

/// Timeouts no loaded test machine reaches, for the behaviours that are not about time (a
/// reset, a redirect, a bomb): inside the whole suite the loopback server's thread can wait
/// seconds for a CPU, and a two-second low-speed limit then turns a reset into a timeout
/// (seen once in CI). A fetcher that hangs instead of failing still fails these tests.
let patientConfiguration = FetcherConfiguration(connectTimeout: 30, totalTimeout: 60, lowSpeedTime: 30)

/// One hostile feed fetched together with healthy feeds on the same host, as in one fetch cycle.
struct BatchOutcome {
    var hostile: Result<FetchResult, FetchError>
    var hostileSeconds: Double
    var healthy: [Result<FetchResult, FetchError>]
    var healthySeconds: [Double]

    var hostileError: FetchError? {
        if case .failure(let error) = hostile { return error }
        return nil
    }
    var hostileResult: FetchResult? { try? hostile.get() }
    /// libcurl's own time for each healthy transfer (CURLINFO_TOTAL_TIME). The test's clock is
    /// not used for this: in a busy test process the awaiting task resumes late, so wall-clock
    /// comparisons fail for reasons that are not the fetcher's.
    var healthyTransferSeconds: [Double] { healthy.compactMap { (try? $0.get())?.duration } }
    var healthyAllOK: Bool {
        healthy.allSatisfy { (try? $0.get())?.status == 200 } && healthy.count == 5
    }
}

func fetchBatch(
    _ fetcher: Fetcher, hostileURL: String, healthyURLs: [String]
) async -> BatchOutcome {
    let clock = ContinuousClock()
    let start = clock.now
    @Sendable func timed(_ url: String) async -> (Result<FetchResult, FetchError>, Double) {
        let result: Result<FetchResult, FetchError>
        do {
            result = .success(try await fetcher.fetch(FetchRequest(url: url)))
        } catch {
            result = .failure(error)
        }
        let elapsed = clock.now - start
        return (result, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
    async let hostile = timed(hostileURL)
    let healthy = await withTaskGroup(of: (Int, Result<FetchResult, FetchError>, Double).self) { group in
        for (index, url) in healthyURLs.enumerated() {
            group.addTask {
                // Let the hostile transfer take its slot first.
                try? await Task.sleep(for: .milliseconds(50))
                let (result, seconds) = await timed(url)
                return (index, result, seconds)
            }
        }
        return await group.reduce(into: [(Int, Result<FetchResult, FetchError>, Double)]()) { $0.append($1) }
            .sorted { $0.0 < $1.0 }
    }
    let (hostileResult, hostileSeconds) = await hostile
    return BatchOutcome(
        hostile: hostileResult, hostileSeconds: hostileSeconds, healthy: healthy.map(\.1), healthySeconds: healthy.map(\.2))
}

/// The hostile behaviours, each served at its own path next to five healthy feeds.
let hostileServer: @Sendable (LoopbackRequest) -> LoopbackResponse = { request in
    switch request.path {
    case "/drip": LoopbackResponse.ok(String(repeating: "x", count: 200)).delivered(.drip(bytesPerSecond: 1))
    case "/silent": LoopbackResponse.ok(sampleFeed).delivered(.neverAnswer)
    case "/hangup": LoopbackResponse.ok(sampleFeed).delivered(.closeWithoutAnswer)
    case "/loop-a": .redirect(302, to: "/loop-b")
    case "/loop-b": .redirect(302, to: "/loop-a")
    case "/to-file": .redirect(302, to: "file:///etc/passwd")
    case "/to-ftp": .redirect(301, to: "ftp://127.0.0.1/feed.xml")
    case "/bomb":
        LoopbackResponse(
            status: 200, headers: [("Content-Type", "application/rss+xml"), ("Content-Encoding", "gzip")],
            body: gigabyteBomb)
    case "/small-gzip":
        LoopbackResponse(status: 200, headers: [("Content-Encoding", "gzip")], body: smallGzip.gzip)
    case "/huge-chunked":
        LoopbackResponse(status: 200, headers: [("Content-Type", "application/rss+xml")], body: Array("<item/>".utf8))
            .delivered(.chunkedStream(totalBytes: 100_000_000))
    case "/huge-declared":
        LoopbackResponse(status: 200, headers: [("Content-Length", "100000000")], body: Array(sampleFeed.utf8))
            .delivered(.drip(bytesPerSecond: 100))
    case "/reset": LoopbackResponse.ok(String(repeating: "y", count: 100_000)).delivered(.resetMidBody(afterBytes: 10_000))
    case "/bad-gzip":
        LoopbackResponse(status: 200, headers: [("Content-Encoding", "gzip")], body: HostileBodies.invalidGzip)
    case "/many-headers": LoopbackResponse(status: 200, headers: HostileBodies.manyHeaders(totalBytes: 100_000), body: Array("ok".utf8))
    case "/html":
        .ok(
            """
            <!doctype html><html><head><title>Blog</title>
            <link rel="alternate" type="application/rss+xml" title="Feed" href="/feed.xml"></head><body>hi</body></html>
            """, contentType: "text/html; charset=utf-8")
    case "/429": LoopbackResponse.status(429, headers: [("Retry-After", "120")])
    case "/503": .status(503)
    case "/503-date": .status(503, headers: [("Retry-After", "Fri, 31 Dec 2100 23:59:59 GMT")])
    case "/410": .status(410)
    case "/moved": .redirect(301, to: "/feed.xml")
    default: .ok(sampleFeed)
    }
}

/// 1 GiB of zeros, about 6.5 MB gzip-compressed (below the 16 MiB cap, so only the decoded count can stop it).
let gigabyteBomb: [UInt8] = HostileBodies.gzipOfZeros(decodedBytes: 1 << 30).gzip
let smallGzip = HostileBodies.gzipOfZeros(decodedBytes: 20_000)

@Suite("Hostile hosts: each fails clearly while the rest of the cycle completes")
struct HostileHostTests {
    static let healthyPaths = (0..<5).map { "/healthy\($0).xml" }

    func run(_ path: String, configuration: FetcherConfiguration = patientConfiguration) async throws -> BatchOutcome {
        let fetcher = try Fetcher(configuration: configuration)
        defer { fetcher.shutdown() }
        return try await withServer(hostileServer) { server in
            await fetchBatch(fetcher, hostileURL: server.url(path), healthyURLs: Self.healthyPaths.map(server.url))
        }
    }

    @Test func oneBytePerSecondDripHitsTheLowSpeedTimeout() async throws {
        let outcome = try await run("/drip", configuration: hostileConfiguration)
        #expect(outcome.hostileError?.code == .timeout)
        #expect(outcome.hostileError?.message == "127.0.0.1 sent less than 64 bytes/s for 2 s")
        #expect(outcome.healthyAllOK)
        // No healthy transfer waited for the hostile host: each took less than its timeout.
        #expect(outcome.healthyTransferSeconds.allSatisfy { $0 < Double(hostileConfiguration.lowSpeedTime) },
                "\(outcome.healthyTransferSeconds)")
    }

    @Test func acceptAndNeverAnswerTimesOut() async throws {
        let outcome = try await run("/silent", configuration: hostileConfiguration)
        #expect(outcome.hostileError?.code == .timeout)
        #expect(outcome.healthyAllOK)
        // No healthy transfer waited for the hostile host: each took less than its timeout.
        #expect(outcome.healthyTransferSeconds.allSatisfy { $0 < Double(hostileConfiguration.lowSpeedTime) },
                "\(outcome.healthyTransferSeconds)")
    }

    @Test func closeWithoutAnswerIsAConnectionError() async throws {
        let outcome = try await run("/hangup")
        #expect(outcome.hostileError?.code == .connectionReset)
        #expect(outcome.hostileError?.message == "127.0.0.1 closed the connection without answering")
        #expect(outcome.healthyAllOK)
    }

    @Test func redirectLoopGivesUpAfterFiveRedirects() async throws {
        let outcome = try await run("/loop-a")
        #expect(outcome.hostileError?.code == .tooManyRedirects)
        #expect(outcome.hostileError?.message.hasPrefix("gave up after 5 redirects") == true)
        #expect(outcome.healthyAllOK)
    }

    @Test func redirectToFileURLIsRefused() async throws {
        let outcome = try await run("/to-file")
        #expect(outcome.hostileError?.code == .unsupportedScheme)
        #expect(outcome.hostileError?.message.hasPrefix("redirect to a file: URL refused") == true)
        #expect(outcome.healthyAllOK)
    }

    @Test func redirectToFileURLIsRefusedEvenWhenTheFeedMayReadFiles() async throws {
        let fetcher = try Fetcher(configuration: patientConfiguration)
        defer { fetcher.shutdown() }
        try await withServer(hostileServer) { server in
            do {
                let result = try await fetcher.fetch(FetchRequest(url: server.url("/to-file"), allowFileScheme: true))
                Issue.record("followed a redirect to file: and got \(result.body.count) bytes")
            } catch let error as FetchError {
                #expect(error.code == .unsupportedScheme)
            }
        }
    }

    @Test func redirectToFTPIsRefused() async throws {
        let outcome = try await run("/to-ftp")
        #expect(outcome.hostileError?.code == .unsupportedScheme)
        #expect(outcome.hostileError?.message.hasPrefix("redirect to a ftp: URL refused") == true)
    }

    @Test func gzipBombIsCutAtTheDecodedCap() async throws {
        #expect(gigabyteBomb.count < 8 << 20)
        let outcome = try await run("/bomb")
        #expect(outcome.hostileError?.code == .bodyTooLarge)
        #expect(outcome.hostileError?.message == "body from 127.0.0.1 exceeds the 16 MiB limit")
        #expect(outcome.healthyAllOK)
        // What this costs in memory is measured on a process of its own, which fetches nothing
        // else: FetchCommandMemoryTests in FeedWatchDaemonTests.
    }

    @Test func validGzipIsDecoded() async throws {
        let outcome = try await run("/small-gzip")
        let body = try #require(outcome.hostileResult?.body)
        #expect(body.count == smallGzip.decodedCount)
        #expect(body.allSatisfy { $0 == 0 })
    }

    @Test func hundredMegabyteChunkedBodyIsCut() async throws {
        let outcome = try await run("/huge-chunked")
        #expect(outcome.hostileError?.code == .bodyTooLarge)
        #expect(outcome.healthyAllOK)
    }

    @Test func declaredOversizeBodyIsRefusedBeforeReading() async throws {
        let outcome = try await run("/huge-declared")
        #expect(outcome.hostileError?.code == .bodyTooLarge)
        #expect(outcome.healthyAllOK)
    }

    @Test func connectionResetMidBody() async throws {
        let outcome = try await run("/reset")
        #expect(outcome.hostileError?.code == .connectionReset, "\(String(describing: outcome.hostileError))")
        #expect(outcome.healthyAllOK)
    }

    @Test func invalidGzipIsABadContentEncoding() async throws {
        let outcome = try await run("/bad-gzip")
        #expect(outcome.hostileError?.code == .badContentEncoding)
        #expect(outcome.healthyAllOK)
    }

    @Test func hundredKilobytesOfHeadersAreRefused() async throws {
        let outcome = try await run("/many-headers")
        #expect(outcome.hostileError?.code == .headersTooLarge)
        #expect(outcome.hostileError?.message == "response headers from 127.0.0.1 exceed the 64 KiB limit")
        #expect(outcome.healthyAllOK)
    }

    @Test func htmlPageIsReturnedAsIs() async throws {
        let outcome = try await run("/html")
        let result = try #require(outcome.hostileResult)
        #expect(result.status == 200)
        #expect(result.contentType?.hasPrefix("text/html") == true)
        #expect(String(decoding: result.body, as: UTF8.self).contains("application/rss+xml"))
    }

    @Test(arguments: [
        ("/429", ResponseDisposition.rateLimited(retryAfter: 120)),
        ("/503", .serverError(status: 503)),
        ("/410", .gone),
    ])
    func statusResponsesAreResultsWithADisposition(path: String, expected: ResponseDisposition) async throws {
        let outcome = try await run(path)
        let result = try #require(outcome.hostileResult)
        #expect(result.disposition == expected)
        #expect(outcome.healthyAllOK)
    }

    @Test func retryAfterDateIsSecondsFromNow() async throws {
        let outcome = try await run("/503-date")
        let result = try #require(outcome.hostileResult)
        let now = Date(timeIntervalSince1970: 4_133_980_799 - 3600)  // one hour before the date served
        #expect(result.disposition(now: now) == .rateLimited(retryAfter: 3600))
    }

    @Test func movedPermanentlyReportsTheNewURL() async throws {
        let fetcher = try Fetcher(configuration: patientConfiguration)
        defer { fetcher.shutdown() }
        try await withServer(hostileServer) { server in
            let result = try await fetcher.fetch(FetchRequest(url: server.url("/moved")))
            #expect(result.status == 200)
            #expect(result.permanentRedirect == server.url("/feed.xml"))
            #expect(result.disposition == .movedPermanently(to: server.url("/feed.xml")))
        }
    }
}

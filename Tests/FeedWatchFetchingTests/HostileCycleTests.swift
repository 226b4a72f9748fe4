import Foundation
import Testing

@testable import FeedWatchFetching
import FeedWatchTestSupport

@Suite("A whole cycle with every hostile host at once")
struct HostileCycleTests {
    /// Expected error code per hostile path (nil: an HTTP result).
    static let hostile: [(path: String, code: FetchError.Code?)] = [
        ("/drip", .timeout), ("/silent", .timeout), ("/hangup", .connectionReset), ("/loop-a", .tooManyRedirects),
        ("/to-file", .unsupportedScheme), ("/bomb", .bodyTooLarge), ("/huge-chunked", .bodyTooLarge),
        ("/huge-declared", .bodyTooLarge), ("/reset", .connectionReset), ("/bad-gzip", .badContentEncoding),
        ("/many-headers", .headersTooLarge), ("/html", nil), ("/429", nil), ("/503", nil), ("/410", nil),
        ("/moved", nil),
    ]

    @Test func everyFeedGetsItsOwnOutcomeAndHealthyOnesFinishFirst() async throws {
        // Default limits: 16 at once, 2 per host. The low-speed limit is longer than
        // `hostileConfiguration`'s 2 s: inside the whole suite the loopback server's thread can
        // wait seconds for a CPU, and a reset or a bomb must not turn into a timeout then.
        let configuration = FetcherConfiguration(connectTimeout: 10, totalTimeout: 40, lowSpeedTime: 8)
        let fetcher = try Fetcher(configuration: configuration)
        defer { fetcher.shutdown() }
        // Hostile and healthy feeds live on different hosts (ports): per-host politeness lets two slow
        // transfers fill one host's two slots, but never another host's.
        try await withServer(ServerFixtures.routes([:], fallback: .ok(sampleFeed))) { healthyServer in
            try await withServer(hostileServer) { server in
                let clock = ContinuousClock()
                let start = clock.now
                let paths = Self.hostile.map(\.path) + (0..<20).map { "/healthy\($0).xml" }
                let outcomes = await withTaskGroup(of: (String, Result<FetchResult, FetchError>, Duration).self) { group in
                    for path in paths {
                        group.addTask {
                            let outcome: Result<FetchResult, FetchError>
                            do {
                                let base = path.hasPrefix("/healthy") ? healthyServer : server
                                outcome = .success(try await fetcher.fetch(FetchRequest(url: base.url(path))))
                            } catch let error as FetchError {
                                outcome = .failure(error)
                            } catch {
                                outcome = .failure(FetchError(code: .other, message: "\(error)"))
                            }
                            return (path, outcome, clock.now - start)
                        }
                    }
                    return await group.reduce(into: [String: (Result<FetchResult, FetchError>, Duration)]()) {
                        $0[$1.0] = ($1.1, $1.2)
                    }
                }
                #expect(outcomes.count == paths.count)
                for (path, code) in Self.hostile {
                    switch outcomes[path]?.0 {
                    case .success(let result)?: #expect(code == nil, "\(path) answered \(result.status)")
                    case .failure(let error)?: #expect(error.code == code, "\(path): \(error.message)")
                    case nil: Issue.record("\(path) has no outcome")
                    }
                }
                let healthy = (0..<20).compactMap { outcomes["/healthy\($0).xml"] }
                #expect(healthy.count == 20)
                #expect(healthy.allSatisfy { (try? $0.0.get())?.status == 200 })
                // The healthy feeds must not wait for the slow hosts' low-speed timeout.
                let slowest = healthy.map(\.1).max() ?? .zero
                let dripFailed = outcomes["/drip"]?.1 ?? .zero
                #expect(slowest < dripFailed)
            }
        }
    }
}

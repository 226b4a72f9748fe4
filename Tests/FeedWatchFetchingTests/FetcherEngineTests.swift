import Foundation
import Testing

@testable import FeedWatchFetching
import FeedWatchTestSupport

#if canImport(Glibc)
import Glibc
#endif



@Suite("Engine: errors in plain words, cancellation, shutdown, reuse")
struct FetcherEngineTests {
    @Test func refusedConnectionNamesHostAndPortButNotCredentials() async throws {
        let fetcher = try Fetcher(configuration: hostileConfiguration)
        defer { fetcher.shutdown() }
        let port = try freeLoopbackPort()
        do {
            _ = try await fetcher.fetch(FetchRequest(url: "http://alice:hunter2@127.0.0.1:\(port)/feed.xml"))
            Issue.record("a closed port answered")
        } catch {
            #expect(error.code == .connectionFailed)
            #expect(error.message == "connection refused by 127.0.0.1:\(port)")
            #expect(!error.description.contains("hunter2"))
            #expect(!error.description.contains("alice"))
        }
    }

    @Test func unknownHostIsADNSFailure() async throws {
        let fetcher = try Fetcher(configuration: hostileConfiguration)
        defer { fetcher.shutdown() }
        do {
            _ = try await fetcher.fetch(FetchRequest(url: "http://feeds.example.invalid/rss"))
            Issue.record("an .invalid host resolved")
        } catch {
            #expect(error.code == .dnsFailure)
            #expect(error.message == "could not resolve host feeds.example.invalid")
        }
    }

    @Test(arguments: [
        ("ftp://example.org/feed.xml", FetchError.Code.unsupportedScheme),
        ("gopher://example.org/", .unsupportedScheme),
        ("example.org/feed.xml", .invalidURL),
        ("http:///feed.xml", .invalidURL),
        ("file:///etc/passwd", .unsupportedScheme),
    ])
    func unusableURLsFailBeforeAnyNetworkUse(url: String, code: FetchError.Code) async throws {
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        do {
            _ = try await fetcher.fetch(FetchRequest(url: url))
            Issue.record("\(url) was fetched")
        } catch {
            #expect(error.code == code)
        }
    }

    @Test func extraHeaderWithALineBreakIsRefusedWithoutEchoingItsValue() async throws {
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        do {
            _ = try await fetcher.fetch(
                FetchRequest(url: "http://127.0.0.1:9/", extraHeaders: ["Authorization": "Bearer s3cret\r\nX-Evil: 1"]))
            Issue.record("header injection accepted")
        } catch {
            #expect(error.code == .other)
            #expect(error.message.contains("Authorization"))
            #expect(!error.message.contains("s3cret"))
        }
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        let fetcher = try Fetcher()  // default 15 s low-speed time: only cancellation ends this quickly
        defer { fetcher.shutdown() }
        try await withServer(hostileServer) { server in
            let task = Task { () throws -> FetchResult in
                try await fetcher.fetch(FetchRequest(url: server.url("/silent")))
            }
            try await Task.sleep(for: .milliseconds(300))
            task.cancel()
            // The code tells cancellation from the low-speed timeout that would end it otherwise.
            let outcome = await task.result
            switch outcome {
            case .success: Issue.record("a silent host answered")
            case .failure(let error): #expect((error as? FetchError)?.code == .cancelled)
            }
            // The fetcher still works afterwards.
            let after = try await fetcher.fetch(FetchRequest(url: server.url("/ok.xml")))
            #expect(after.status == 200)
        }
    }

    @Test func alreadyCancelledTaskDoesNotFetch() async throws {
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        try await withServer(hostileServer) { server in
            let task = Task { () throws -> FetchResult in
                withUnsafeCurrentTask { $0?.cancel() }
                return try await fetcher.fetch(FetchRequest(url: server.url("/ok.xml")))
            }
            switch await task.result {
            case .success: Issue.record("a cancelled task fetched")
            case .failure(let error): #expect((error as? FetchError)?.code == .cancelled)
            }
            #expect(server.requestCount(path: "/ok.xml") == 0)
        }
    }

    @Test func shutdownFailsPendingAndLaterFetches() async throws {
        let fetcher = try Fetcher()
        try await withServer(hostileServer) { server in
            let pending = Task { () throws -> FetchResult in
                try await fetcher.fetch(FetchRequest(url: server.url("/silent")))
            }
            try await Task.sleep(for: .milliseconds(300))
            fetcher.shutdown()
            switch await pending.result {
            case .success: Issue.record("a silent host answered")
            case .failure(let error): #expect((error as? FetchError)?.code == .cancelled)
            }
            do {
                _ = try await fetcher.fetch(FetchRequest(url: server.url("/ok.xml")))
                Issue.record("fetched after shutdown")
            } catch let error as FetchError {
                #expect(error.code == .cancelled)
            }
        }
    }

    @Test func connectionsAreReused() async throws {
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        try await withServer(hostileServer) { server in
            for index in 0..<10 {
                let result = try await fetcher.fetch(FetchRequest(url: server.url("/f\(index).xml")))
                #expect(result.status == 200)
            }
            #expect(server.acceptedConnections == 1)
        }
    }

    @Test func configuredProxyReceivesTheRequest() async throws {
        try await withServer({ request in .ok("proxied \(request.path)") }) { proxy in
            let fetcher = try Fetcher(configuration: FetcherConfiguration(proxy: proxy.baseURL))
            defer { fetcher.shutdown() }
            let result = try await fetcher.fetch(FetchRequest(url: "http://feeds.example.invalid/rss.xml"))
            #expect(String(decoding: result.body, as: UTF8.self) == "proxied http://feeds.example.invalid/rss.xml")
        }
    }

    @Test func manyTransfersThroughFewSlotsAllComplete() async throws {
        let fetcher = try Fetcher(configuration: FetcherConfiguration(maxConcurrent: 8, maxPerHost: 8))
        defer { fetcher.shutdown() }
        try await withServer(hostileServer) { server in
            let count = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<300 {
                    group.addTask { try await fetcher.fetch(FetchRequest(url: server.url("/n\(index).xml"))).body.count }
                }
                return try await group.reduce(0) { $0 + ($1 == sampleFeed.utf8.count ? 1 : 0) }
            }
            #expect(count == 300)
            #expect(server.acceptedConnections <= 8)
        }
    }
}

@Suite("Request header hygiene")
struct RequestHeaderTests {
    @Test(arguments: ["", "Bad Name", "X:Y", "Name\r\nX-Evil"])
    func invalidExtraHeaderNamesAreRefused(name: String) async throws {
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        do {
            _ = try await fetcher.fetch(FetchRequest(url: "http://127.0.0.1:9/", extraHeaders: [name: "v"]))
            Issue.record("header name \(name.debugDescription) accepted")
        } catch {
            #expect(error.code == .other)
        }
    }

    @Test func redirectHeadersDoNotLeakIntoTheFinalResponse() async throws {
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        try await withServer({ request in
            request.path == "/a"
                ? LoopbackResponse.redirect(302, to: "/b").adding(header: "X-Trick", "1")
                : LoopbackResponse.ok(sampleFeed).adding(header: "ETag", "\"b\"")
        }) { server in
            let result = try await fetcher.fetch(FetchRequest(url: server.url("/a")))
            #expect(result.status == 200)
            #expect(result.etag == "\"b\"")
            #expect(result.header("x-trick") == nil)
        }
    }
}

import Foundation
import Testing

@testable import FeedWatchFetching
import FeedWatchTestSupport

@Suite("Credentials from the feed URL")
struct CredentialsTests {
    @Test func userInfoIsSentAsBasicAuthAndNotEchoedInResults() async throws {
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        try await withServer({ request in
            request.header("authorization") == "Basic " + Data("alice:s3cret".utf8).base64EncodedString()
                ? .ok(sampleFeed) : .status(401)
        }) { server in
            let url = server.baseURL.replacingOccurrences(of: "http://", with: "http://alice:s3cret@") + "/private.xml"
            let result = try await fetcher.fetch(FetchRequest(url: url))
            #expect(result.status == 200)
        }
    }

    @Test func credentialsAreNotForwardedToAnotherHostOnRedirect() async throws {
        let fetcher = try Fetcher()
        defer { fetcher.shutdown() }
        try await withServer({ request in
            .ok(request.header("authorization") == nil ? "no credentials" : "leaked")
        }) { other in
            try await withServer({ _ in .redirect(302, to: other.url("/elsewhere.xml")) }) { server in
                let url = server.baseURL.replacingOccurrences(of: "http://", with: "http://alice:s3cret@") + "/feed.xml"
                let result = try await fetcher.fetch(FetchRequest(url: url))
                #expect(String(decoding: result.body, as: UTF8.self) == "no credentials")
            }
        }
    }
}

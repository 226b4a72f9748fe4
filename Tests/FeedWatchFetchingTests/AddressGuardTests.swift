import Foundation
import Testing

@testable import FeedWatchFetching
import FeedWatchTestSupport

/// The SSRF guard: guarded fetches refuse non-public addresses unless a network is allowed,
/// checked on the address actually connected to, redirects included.
@Suite("Address guard")
struct AddressGuardTests {
    static let loopbackOnly = AddressPolicy(allowedNetworks: [IPNetwork("127.0.0.1/32")].compactMap { $0 })

    @Test func loopbackIsRefusedWithoutAnAllowedNetwork() async throws {
        try await withServer({ _ in .ok("<html></html>", contentType: "text/html") }) { server in
            let fetcher = try Fetcher()
            defer { fetcher.shutdown() }
            do {
                _ = try await fetcher.fetch(FetchRequest(url: server.url("/page.html"), addressPolicy: AddressPolicy()))
                Issue.record("a loopback page was fetched under the guard")
            } catch let error as FetchError {
                #expect(error.code == .forbiddenAddress)
                #expect(error.message.contains("127.0.0.1"))
                #expect(error.message.contains("allow_private_networks"))
            }
            #expect(server.requestCount(path: "/page.html") == 0)
            // The same URL without a policy (a configured feed) is fetched as before.
            let plain = try await fetcher.fetch(FetchRequest(url: server.url("/page.html")))
            #expect(plain.status == 200)
        }
    }

    @Test func allowedNetworkIsReached() async throws {
        try await withServer({ _ in .ok("<html></html>", contentType: "text/html") }) { server in
            let fetcher = try Fetcher()
            defer { fetcher.shutdown() }
            let policy = AddressPolicy(allowedNetworks: [IPNetwork("127.0.0.0/8")].compactMap { $0 })
            let result = try await fetcher.fetch(FetchRequest(url: server.url("/page.html"), addressPolicy: policy))
            #expect(result.status == 200)
        }
    }

    @Test func redirectToAnotherAddressIsCheckedToo() async throws {
        try await withServer({ request in
            guard request.path == "/hop" else { return .ok("<html></html>", contentType: "text/html") }
            return .status(302, headers: [("Location", "http://127.0.0.2:9/internal")])
        }) { server in
            let fetcher = try Fetcher()
            defer { fetcher.shutdown() }
            do {
                _ = try await fetcher.fetch(FetchRequest(url: server.url("/hop"), addressPolicy: Self.loopbackOnly))
                Issue.record("the redirect target was reached")
            } catch let error as FetchError {
                #expect(error.code == .forbiddenAddress)
                #expect(error.message.contains("127.0.0.2"))
            }
            #expect(server.requestCount(path: "/hop") == 1)
        }
    }

    @Test(arguments: [
        ("93.184.216.34", true), ("8.8.8.8", true), ("2606:4700::1111", true),
        ("127.0.0.1", false), ("10.1.2.3", false), ("172.20.0.1", false), ("192.168.1.1", false),
        ("169.254.169.254", false), ("100.64.0.1", false), ("0.0.0.0", false), ("224.0.0.1", false),
        ("::1", false), ("::", false), ("fe80::1", false), ("fd12::1", false), ("ff02::1", false),
        ("::ffff:127.0.0.1", false), ("::ffff:8.8.8.8", true), ("64:ff9b::a9fe:a9fe", false),
        // IPv4-compatible, local-use NAT64 and 6to4 forms of private and metadata addresses.
        ("::127.0.0.1", false), ("::a9fe:a9fe", false), ("::8.8.8.8", false),
        ("64:ff9b:1::a9fe:a9fe", false), ("64:ff9b:1:ffff::1", false),
        ("2002:a9fe:a9fe::1", false), ("2002:7f00:1::", false), ("2003::1", true),
    ])
    func defaultPolicy(_ address: String, _ permitted: Bool) throws {
        let bytes = try #require(IPNetwork.parseAddress(address))
        #expect(AddressPolicy().permits(bytes) == permitted)
    }

    @Test func networksParseAndMatch() throws {
        let network = try #require(IPNetwork("10.8.0.0/16"))
        #expect(network.description == "10.8.0.0/16")
        #expect(network.contains([10, 8, 200, 1]))
        #expect(!network.contains([10, 9, 0, 1]))
        #expect(IPNetwork("127.0.0.1") != nil)
        #expect(IPNetwork("fd00::/8")?.prefixLength == 8)
        for bad in ["", "10.0.0.0/33", "example.org/8", "10.0.0/8", "::1/129"] {
            #expect(IPNetwork(bad) == nil, "\(bad)")
        }
        let allowed = AddressPolicy(allowedNetworks: [network])
        #expect(allowed.permits([10, 8, 1, 1]))
        #expect(!allowed.permits([10, 7, 1, 1]))
    }
}

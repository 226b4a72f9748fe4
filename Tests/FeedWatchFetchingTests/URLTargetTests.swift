import Testing

@testable import FeedWatchFetching

@Suite("URL parts for messages and per-host limits")
struct URLTargetTests {
    @Test(arguments: [
        ("https://feeds.example.org/rss", "https", "feeds.example.org", 443),
        ("HTTP://User:Secret@Example.ORG:8080/a?b#c", "http", "example.org", 8080),
        ("http://[::1]:9000/feed", "http", "[::1]", 9000),
        ("http://[::1]/feed", "http", "[::1]", 80),
        ("  http://a.example  ", "http", "a.example", 80),
        ("file:///var/feeds/x.xml", "file", "", 0),
    ])
    func parses(url: String, scheme: String, host: String, port: Int) throws {
        let target = try #require(URLTarget(url))
        #expect(target.scheme == scheme)
        #expect(target.host == host)
        #expect(target.port == port)
        #expect(!target.hostAndPort.lowercased().contains("secret"))
    }

    @Test(arguments: ["", "no-scheme.example/feed", "://x", "1http://x"])
    func rejects(url: String) {
        #expect(URLTarget(url) == nil)
    }

    @Test func limitsAreNamedInWords() {
        #expect((16 << 20).byteCountWords == "16 MiB")
        #expect((64 << 10).byteCountWords == "64 KiB")
        #expect(1000.byteCountWords == "1000 bytes")
        #expect(30.0.secondsWords == "30 s")
        #expect(1.5.secondsWords == "1.5 s")
    }
}

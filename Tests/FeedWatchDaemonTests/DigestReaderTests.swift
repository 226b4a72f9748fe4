@testable import FeedWatchDaemon
import FeedWatchDigest
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import Testing

/// What a reader meets in the published digest: topics in configuration order, a health
/// footer, topic feeds served over HTTP, and `feedwatch dismiss` through the real binary.
@Suite struct DigestReaderTests {
    @Test func topicsComeInConfigurationOrderWithTheirFeedsAndAHealthFooter() async throws {
        let feed = rssFeed(worldItems)
        let server = try await LoopbackHTTPServer.start { request in request.path == "/gone.xml" ? .status(410) : .ok(feed) }
        let fixture = try CycleFixture(
            feeds: [server.url("/feed.xml"), server.url("/gone.xml")],
            topics: [(id: "zulu-sanctions", name: "Sanctions", query: "sanctions"), (id: "alpha-missiles", name: "Missiles", query: "missile")],
            extra: "formats = [\"markdown\", \"atom\"]\n")
        let runtime = try await fixture.runtime()
        _ = try await runtime.runOnce()
        let day = runtime.publisher.clock.day(of: Date())
        let markdown = try #require(try await runtime.publisher.render(day: day, format: .markdown))
        let sanctions = try #require(markdown.range(of: "## Sanctions"))
        let missiles = try #require(markdown.range(of: "## Missiles"))
        #expect(sanctions.lowerBound < missiles.lowerBound, "configuration order, not id order")
        // "Missile parts smuggled despite sanctions" is in full under Sanctions, referenced under Missiles.
        #expect(markdown.contains("- [Missile parts smuggled despite sanctions](<https://news.example/2>) · also under [Sanctions](#topic-zulu-sanctions)"))
        #expect(markdown.contains("## Feeds and matches"))
        #expect(markdown.contains("- Disabled: \(server.url("/gone.xml")): HTTP 410 Gone"), "\(markdown)")
        #expect(markdown.contains(" since "), "the first digest covers from the first fetch")
        // Rendered again, the same bytes: the health report is frozen with the digest.
        _ = try await runtime.publisher.finish(day: day, now: Date().addingTimeInterval(3600))
        #expect(try await runtime.publisher.render(day: day, format: .markdown) == markdown)

        // Each topic's feed is written beside the digests and served by the status endpoint.
        let digest = runtime.configuration.digest
        let served = try #require(StatusHTTPHandler.topicFeed(path: "/topics/alpha-missiles.atom", digest: digest))
        #expect(served.0.code == 200 && served.1.hasPrefix("application/atom+xml"))
        #expect(served.2.contains("<title>feedwatch: Missiles</title>") && served.2.components(separatedBy: "<entry>").count - 1 == 2)
        #expect(StatusHTTPHandler.topicFeed(path: "/topics/unknown.atom", digest: digest)?.0 == nil)
        #expect(StatusHTTPHandler.topicFeed(path: "/topics/../feedwatch.sqlite.atom", digest: digest)?.0 == nil)
        try await server.shutdown()
    }

    @Test(.requires(.feedwatchBinary))
    func dismissTakesTheIdTheDigestShowsAndSilencesTheStoryFromThenOn() async throws {
        let world = try await DigestWorld.make()
        let runtime = try world.runtime()
        try await world.refresh(runtime)
        let article = try #require(try await runtime.store.articles(since: .distantPast, limit: 10).first { $0.title == "Missile test over the Sea of Japan" })

        let dismissed = try FeedWatchBinary.run(["dismiss", "\(article.id)", "--topic", "missiles", "--config", world.configPath])
        #expect(dismissed.status == 0, "\(dismissed.stderr)")
        #expect(dismissed.stdout.contains("dismissed story \(article.id) (Missile test over the Sea of Japan) from topic missiles"))
        #expect(try FeedWatchBinary.run(["dismiss", "999999", "--config", world.configPath]).status == 1)
        #expect(try FeedWatchBinary.run(["dismiss", "\(article.id)", "--topic", "nope", "--config", world.configPath]).status == 1)
        let test = try FeedWatchBinary.run(["topics", "test", "missiles", "--config", world.configPath])
        #expect(test.stdout.contains("dismissed from missiles"), "\(test.stdout)")
        #expect(test.stdout.contains("story \(article.id)  "))

        // The next digest leaves the story out of that topic, and shows every other story's id.
        _ = try await DigestService(runtime: runtime).tick(now: Date().addingTimeInterval(5))
        let record = try #require(try await runtime.store.digests().first)
        let markdown = try #require(try await runtime.publisher.render(day: record.day, format: .markdown))
        #expect(!markdown.contains("Missile test over the Sea of Japan"), "\(markdown)")
        #expect(markdown.contains("Missile parts smuggled despite sanctions"))
        let other = try #require(try await runtime.store.articles(since: .distantPast, limit: 10).first { $0.title == "New sanctions on shipping firms" })
        #expect(markdown.contains("id \(other.id)"))
        await world.shutdown()
    }
}

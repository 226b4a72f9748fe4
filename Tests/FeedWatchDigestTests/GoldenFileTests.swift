import Foundation
import FeedWatchDigest
import FeedWatchModel
import Testing

/// Each format of two fixed digests is compared byte for byte with a file in `Golden/`.
/// A deliberate change of output: run with `FEEDWATCH_UPDATE_GOLDEN=1`, review the diff, commit.
@Suite struct GoldenFileTests {
    static func renderings() -> [(String, String)] {
        let clock = DigestFixtures.berlin
        let sample = DigestStories.mergeDuplicates(DigestFixtures.sample)
        let hostile = DigestStories.mergeDuplicates(DigestFixtures.hostile)
        let atom = AtomDigestRenderer(clock: clock, feedID: "urn:feedwatch:0123456789abcdef", baseURL: "https://example.org/digests")
        let summaries = [sample, hostile].map { digest in
            DigestSummary(
                day: digest.day, matchCount: digest.matchCount, created: digest.created,
                topics: digest.sections.map { DigestSummary.TopicTally(name: $0.topic.name, count: $0.items.count) })
        }
        let rightToLeft = DigestStories.mergeDuplicates(DigestFixtures.rightToLeft)
        let context = DigestFixtures.sampleContext
        let hostileContext = DigestFixtures.hostileContext
        return [
            ("sample.md", MarkdownDigestRenderer(clock: clock).render(sample, context: context)),
            ("sample.html", HTMLDigestRenderer(clock: clock).render(sample, context: context)),
            ("sample.json", JSONDigestRenderer(clock: clock).render(sample, context: context)),
            ("sample.txt", PlainTextDigestRenderer(clock: clock).render(sample, context: context)),
            ("hostile.md", MarkdownDigestRenderer(clock: clock).render(hostile, context: hostileContext)),
            ("hostile.html", HTMLDigestRenderer(clock: clock).render(hostile, context: hostileContext)),
            ("hostile.json", JSONDigestRenderer(clock: clock).render(hostile, context: hostileContext)),
            ("hostile.txt", PlainTextDigestRenderer(clock: clock).render(hostile, context: hostileContext)),
            ("rtl.md", MarkdownDigestRenderer(clock: clock).render(rightToLeft, context: DigestContext())),
            ("rtl.html", HTMLDigestRenderer(clock: clock).render(rightToLeft, context: DigestContext())),
            ("rtl.txt", PlainTextDigestRenderer(clock: clock).render(rightToLeft, context: DigestContext())),
            ("digests.atom", atom.render([sample, hostile])),
            ("topic-missile-tests.atom", TopicAtomRenderer(
                clock: clock, topic: sample.sections[0].topic, feedID: "urn:feedwatch:0123456789abcdef",
                baseURL: "https://example.org/digests").render([sample, hostile])),
            ("topic-hostile.atom", TopicAtomRenderer(
                clock: clock, topic: hostile.sections[0].topic, feedID: "urn:feedwatch:0123456789abcdef").render([hostile])),
            ("index.html", DigestIndexRenderer(clock: clock).render(summaries)),
        ]
    }

    static var sourceDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    }

    @Test(arguments: renderings().map(\.0))
    func matchesGoldenFile(name: String) throws {
        let rendered = try #require(Self.renderings().first { $0.0 == name }?.1)
        if ProcessInfo.processInfo.environment["FEEDWATCH_UPDATE_GOLDEN"] == "1" {
            try rendered.write(to: Self.sourceDirectory.appendingPathComponent(name), atomically: true, encoding: .utf8)
            return
        }
        // Read from the source tree (not a bundle copy) so a regenerated file counts at once.
        let golden = try String(contentsOf: Self.sourceDirectory.appendingPathComponent(name), encoding: .utf8)
        #expect(rendered == golden, "\(name) differs from Golden/\(name); if intended, regenerate with FEEDWATCH_UPDATE_GOLDEN=1")
    }
}

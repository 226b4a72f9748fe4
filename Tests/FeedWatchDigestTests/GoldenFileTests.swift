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
        let summaries = [sample, hostile].map { DigestSummary(day: $0.day, matchCount: $0.matchCount, created: $0.created) }
        return [
            ("sample.md", MarkdownDigestRenderer(clock: clock).render(sample)),
            ("sample.html", HTMLDigestRenderer(clock: clock).render(sample)),
            ("sample.json", JSONDigestRenderer(clock: clock).render(sample)),
            ("hostile.md", MarkdownDigestRenderer(clock: clock).render(hostile)),
            ("hostile.html", HTMLDigestRenderer(clock: clock).render(hostile)),
            ("hostile.json", JSONDigestRenderer(clock: clock).render(hostile)),
            ("digests.atom", atom.render([sample, hostile])),
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

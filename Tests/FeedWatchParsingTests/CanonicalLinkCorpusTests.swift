import Testing
@testable import FeedWatchModel
import FeedWatchParsing
import FeedWatchTestSupport

/// Every link in the real-world corpus normalises the same on the byte path for ASCII links
/// as by the character-level definition (stored fingerprints depend on it).
@Suite struct CanonicalLinkCorpusTests {
    @Test(.requires(.sharedCorpus)) func everyCorpusLinkNormalisesAsByTheDefinition() throws {
        try TestRequirement.sharedCorpus.check()
        var links = 0
        for path in Corpus.realFeeds() {
            for url in [nil, "https://corpus.example/feeds/feed.xml"] {
                guard let feed = try? FeedParser.parse(try Corpus.bytes(path), documentURL: url) else { continue }
                for link in feed.entries.compactMap(\.link) + [feed.link].compactMap({ $0 }) {
                    let fast = CanonicalLink.normaliseASCII(link) ?? CanonicalLink.normaliseCharacters(link)
                    #expect(fast == CanonicalLink.normaliseCharacters(link), "\(path): \(link)")
                    links += 1
                }
            }
        }
        #expect(links > 1_000)
    }
}

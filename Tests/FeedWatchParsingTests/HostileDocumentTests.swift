import Testing
import FeedWatchModel
@testable import FeedWatchParsing

/// Documents that make Debian 12's libxml2 (2.9.14) do quadratic or unbounded work unless the
/// parser bounds it first (issue 16). Each must parse or fail with a clear error; without the
/// bound, each takes seconds to minutes (the times are in `Benchmarks/ParserBenchmark.md`,
/// measured by `ParserBenchmark`, never asserted here). `HostileDocuments` builds them, at
/// full size here and scaled down as fuzz seeds (`FuzzSeeds/`).
@Suite struct HostileDocumentTests {
    private func failure(_ bytes: [UInt8], limits: ParseLimits = ParseLimits()) -> ParseError? {
        do {
            _ = try FeedParser.parse(bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func twoHundredThousandDistinctLongNamesStopAtTheNameLimit() throws {
        let error = try #require(failure(HostileDocuments.distinctNames(200_000)))
        #expect(error.code == .limitExceeded)
        #expect(error.message == "more than 10000 distinct names in the document")
        // Below the limit the same shape is an ordinary feed.
        let feed = try FeedParser.parse(HostileDocuments.distinctNames(2_000))
        #expect(feed.entries.count == 1)
    }

    @Test func distinctNamesInPrefixesInstructionsAndDeclarationsCountToo() throws {
        for bytes in [HostileDocuments.undeclaredPrefixes(50_000), HostileDocuments.processingInstructions(50_000),
                      HostileDocuments.declaredEntities(50_000)] {
            let error = try #require(failure(bytes))
            #expect(error.code == .limitExceeded)
            #expect(error.message.contains("distinct names"))
        }
    }

    @Test func threeHundredThousandAttributesOnOneElement() throws {
        let error = try #require(failure(HostileDocuments.attributes(300_000)))
        #expect(error.code == .limitExceeded)
        #expect(error.message == "an element has more than 128 attributes")
        // Quoted `>` and comments do not hide attributes; CDATA and text with `=` are no tags.
        let hidden = try #require(failure(HostileDocuments.attributes(200, valueText: "a>b")))
        #expect(hidden.message.contains("more than 128 attributes"))
        let feed = try FeedParser.parse(Array("""
            <rss><channel><item><title>t</title><description><![CDATA[\(String(repeating: "<p a='1' ", count: 300))]]>\
            \(String(repeating: "x=\"y\" ", count: 300))</description></item></channel></rss>
            """.utf8))
        #expect(feed.entries.count == 1)
        // At the limit an element is read.
        #expect(try FeedParser.parse(HostileDocuments.attributes(128)).entries.count == 1)
    }

    @Test func attributeDefaultsDeclaredInTheDTDCount() throws {
        let error = try #require(failure(HostileDocuments.declaredAttributeDefaults(100_000)))
        #expect(error.code == .limitExceeded)
        #expect(error.message == "the DTD declares more than 128 attribute defaults")
    }

    @Test func hundredThousandNamespaceDeclarations() throws {
        // On one element: more attributes than allowed.
        let onRoot = try #require(failure(HostileDocuments.namespacesOnRoot(100_000)))
        #expect(onRoot.message == "an element has more than 128 attributes")
        // Spread over nested elements, each within the attribute bound.
        let nested = try #require(failure(HostileDocuments.nestedNamespaces(levels: 200, perLevel: 100)))
        #expect(nested.code == .limitExceeded)
        #expect(nested.message == "more than 128 namespace declarations in scope")
        // With the attribute bound raised, the namespace bound still holds on one element.
        let raised = try #require(failure(HostileDocuments.namespacesOnRoot(2_000),
                                          limits: ParseLimits(maxAttributes: 5_000)))
        #expect(raised.message == "more than 128 namespace declarations in scope")
    }

    @Test func nestingAtAndPastTheDepthLimit() throws {
        // rss, channel, item and 253 more: 256 levels, the limit.
        let atLimit = try FeedParser.parse(HostileDocuments.nested(totalDepth: 256))
        #expect(atLimit.entries.map(\.title) == ["deep"])
        let past = try #require(failure(HostileDocuments.nested(totalDepth: 257)))
        #expect(past.code == .limitExceeded)
        #expect(past.message == "elements nested deeper than 256 levels")
        let far = try #require(failure(HostileDocuments.nested(totalDepth: 100_000)))
        #expect(far.message == "elements nested deeper than 256 levels")
    }

    @Test func sixteenMebibyteTextNode() throws {
        let error = try #require(failure(HostileDocuments.textNode(bytes: 16 * 1024 * 1024)))
        #expect(error.code == .limitExceeded)
        #expect(error.message == "a text node is larger than 8388608 bytes (element <description>)")
    }

    @Test func billionLaughsAndExternalEntityStayInert() throws {
        let laughs = try FeedParser.parse(HostileDocuments.billionLaughs())
        #expect(laughs.entries.first?.title == "&lol9;")
        let external = try FeedParser.parse(HostileDocuments.externalEntity())
        #expect(external.entries.first?.title == "x&xxe;y")
        #expect(!FeedJSONEncoder.encode(external).contains("root:"))
    }
}

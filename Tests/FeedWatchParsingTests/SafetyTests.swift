import Foundation
import Testing
import FeedWatchModel
@testable import FeedWatchParsing

/// Hostile documents end quickly with a clear error or a bounded result. (No timed assertions:
/// each of these would take minutes or gigabytes if a bound were missing.)
@Suite struct SafetyTests {
    @Test func billionLaughsExpandsNothing() throws {
        var doctype = "<!DOCTYPE rss [<!ENTITY lol0 \"lol\">"
        for level in 1...9 {
            let previous = "&lol\(level - 1);"
            doctype += "<!ENTITY lol\(level) \"\(String(repeating: previous, count: 10))\">"
        }
        doctype += "]>"
        let document = "<?xml version=\"1.0\"?>\(doctype)<rss><channel><item><title>&lol9;</title></item></channel></rss>"
        let feed = try FeedParser.parse(Array(document.utf8))
        #expect(feed.entries.count == 1)
        #expect((feed.entries.first?.title ?? "").utf8.count < 1000)
    }

    @Test func externalEntityToEtcPasswdIsNotLoaded() throws {
        for declaration in ["<!ENTITY xxe SYSTEM \"file:///etc/passwd\">", "<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;"] {
            let document = """
                <?xml version="1.0"?><!DOCTYPE rss [\(declaration)]>
                <rss><channel><item><title>x&xxe;y</title><description>&xxe;</description></item></channel></rss>
                """
            let feed = try FeedParser.parse(Array(document.utf8))
            let everything = FeedJSONEncoder.encode(feed)
            #expect(!everything.contains("root:"), "leaked /etc/passwd")
            #expect(feed.entries.first?.title?.hasPrefix("x") == true)
        }
    }

    @Test func externalDTDIsNotLoaded() throws {
        let document = """
            <?xml version="1.0"?><!DOCTYPE rss SYSTEM "file:///etc/passwd">
            <rss><channel><item><title>T</title></item></channel></rss>
            """
        let feed = try FeedParser.parse(Array(document.utf8))
        #expect(feed.entries.count == 1)
        #expect(!FeedJSONEncoder.encode(feed).contains("root:"))
    }

    @Test func hundredThousandNestedElements() throws {
        let depth = 100_000
        var bytes = Array("<rss><channel><item><title>deep</title>".utf8)
        bytes.reserveCapacity(depth * 7 + 100)
        for _ in 0..<depth { bytes += Array("<a>".utf8) }
        for _ in 0..<depth { bytes += Array("</a>".utf8) }
        bytes += Array("</item></channel></rss>".utf8)
        #expect(throws: ParseError.self) { try FeedParser.parse(bytes) }
        do {
            _ = try FeedParser.parse(bytes)
        } catch {
            #expect(error.code == .limitExceeded)
            #expect(error.message.contains("nested deeper than 256"))
        }
    }

    @Test func twoHundredMegabyteTextNode() throws {
        let size = 200 * 1024 * 1024
        var bytes = Array("<rss><channel><item><title>".utf8)
        bytes.reserveCapacity(size + 100)
        bytes += [UInt8](repeating: UInt8(ascii: "a"), count: size)
        bytes += Array("</title></item></channel></rss>".utf8)
        // With default limits the document is refused before any parsing.
        do {
            _ = try FeedParser.parse(bytes)
            Issue.record("a 200 MB document was accepted")
        } catch {
            #expect(error.code == .limitExceeded)
            #expect(error.message.contains("more than the limit"))
        }
        // With the size limit lifted, the text-node bound stops the parser early.
        do {
            _ = try FeedParser.parse(bytes, limits: ParseLimits(maxBytes: 300 * 1024 * 1024))
            Issue.record("a 200 MB text node was accepted")
        } catch {
            #expect(error.code == .limitExceeded)
            #expect(error.message.contains("text node is larger than"))
        }
    }

    @Test func manySmallErrorsKeepWarningsBounded() throws {
        var text = "<rss><channel>"
        for index in 0..<5000 { text += "<item><title>t\(index) & </title><pubDate>bad \(index)</pubDate></item>" }
        text += "</channel></rss>"
        let feed = try FeedParser.parse(Array(text.utf8))
        #expect(feed.entries.count == 5000)
        #expect(feed.warnings.count <= 100)
    }
}

/// The parser is called from many tasks at once by the daemon.
@Suite struct ConcurrencyTests {
    @Test func parsesConcurrently() async throws {
        let documents = (0..<16).map { index in
            Array("<rss><channel><item><title>T\(index) &amp; &nbsp;</title><description>&lt;p&gt;x&lt;/p&gt;</description></item></channel></rss>".utf8)
        }
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for document in documents {
                group.addTask {
                    var total = 0
                    for _ in 0..<50 { total += try FeedParser.parse(document).entries.count }
                    return total
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(counts == 16 * 50)
    }
}

@Suite struct DeepJSONTests {
    @Test func deeplyNestedJSONIsAnErrorNotACrash() throws {
        let depth = 100_000
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: depth) + [UInt8](repeating: UInt8(ascii: "]"), count: depth)
        #expect(throws: ParseError.self) { try FeedParser.parse(bytes) }
        let object = Array(("{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": [" + String(repeating: "[", count: depth)).utf8)
        #expect(throws: ParseError.self) { try FeedParser.parse(object) }
    }
}

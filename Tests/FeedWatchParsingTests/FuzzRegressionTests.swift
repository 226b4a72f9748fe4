import Foundation
import Testing
@testable import FeedWatchParsing

/// Inputs that once broke (or could break) the parser, run through the fuzz entry point.
@Suite struct FuzzRegressionTests {
    static let inputs: [String] = [
        "", "<", "<?xml", "<rss", "<rss><channel><item>", "&", "&#", "&#x;", "&#99999999;", "&nbsp",
        "<![CDATA[", "<!--", "<!DOCTYPE rss [", "<!DOCTYPE x [<!ENTITY a \"&a;\">]><rss>&a;</rss>",
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><content type=\"xhtml\"><div>",
        "<rss><channel><item><item><item></rss>", "{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": [1, null, {}]}",
        "{\"version\": 1}", "[1,2]", "\u{FEFF}<rss/>", "<rss xml:base=\"::\"><channel><item><link>../../a</link></item></channel></rss>",
        "<rss><channel><item><pubDate>Mon, 99 Foo 99999 99:99:99 +9999</pubDate></item></channel></rss>",
        "<rss><channel><item><description>&lt;a href='</description></item></channel></rss>",
        "<html><link rel=alternate type=application/rss+xml href=>",
    ]

    /// Found by the fuzzer: libxml2 cannot decode the declared encoding, lets the raw bytes
    /// through, and those are not UTF-8; every String the parser makes must still be valid.
    @Test func undecodableDeclaredEncodingStillGivesValidStrings() throws {
        let junk = [UInt8](repeating: 0xB9, count: 24)
        let bytes = Array("<?xml version=\"1.0\" encoding=\"iso-885s\"?><rss version=\"2.0\"><channel><title>".utf8) + junk
            + Array("</title><item><title>a".utf8) + junk + Array("</title><link>http://e.example/".utf8) + junk
            + Array("</link><description>".utf8) + junk + Array("&lt;b&gt;x</description></item></channel></rss>".utf8)
        bytes.withUnsafeBufferPointer { buffer in
            #expect(parserFuzzOneInput(buffer.baseAddress!, buffer.count) == 0)
        }
        let feed = try FeedParser.parse(bytes)
        for text in [feed.title, feed.entries.first?.title, feed.entries.first?.summary?.plainText] {
            let text = try #require(text)
            #expect(String(validating: Array(text.utf8), as: UTF8.self) != nil)
        }
    }

    @Test(arguments: inputs) func survives(_ input: String) {
        let bytes = Array(input.utf8) + [0]  // never empty, so there is always a base address
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            #expect(parserFuzzOneInput(base, buffer.count - 1) == 0)
        }
    }

    /// The hostile fuzz seeds (`scripts/hostile-documents.py seeds`) run through the entry
    /// point, whose small limits each of them crosses.
    @Test func hostileSeedsSurvive() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzSeeds")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".xml") }
        #expect(names.count >= 14)
        for name in names {
            let data = try #require(FileManager.default.contents(atPath: directory.appendingPathComponent(name).path))
            #expect(data.count <= 65536, "\(name) is longer than the fuzzer's -max_len")
            let bytes = [UInt8](data) + [0]
            bytes.withUnsafeBufferPointer { buffer in
                #expect(parserFuzzOneInput(buffer.baseAddress!, buffer.count - 1) == 0, "\(name)")
            }
        }
    }
}

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

    @Test(arguments: inputs) func survives(_ input: String) {
        let bytes = Array(input.utf8) + [0]  // never empty, so there is always a base address
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            #expect(parserFuzzOneInput(base, buffer.count - 1) == 0)
        }
    }
}

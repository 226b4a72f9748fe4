import FeedWatchTestSupport
import Foundation
import Testing
import FeedWatchModel
@testable import FeedWatchParsing

/// The fast tokenizer must give exactly what the libxml2 walk gives, wherever it does not decline.
@Suite struct HTMLTextEquivalenceTests {
    static let fragments = [
        "<p>One</p><p>Two <b>bold</b> <i>it</i></p>", "a < b and c > d", "Tom &amp; Jerry&nbsp;&copy; &#8217; &#x2014;",
        "<ul><li>one<li>two</ul>after", "<div><p>nested</p>text</div>tail", "line<br>break<br/>again",
        "<a href=\"x?a=1&amp;b=2\" title='q\"uote'>link</a>", "<img src=x alt=\"a > b\">caption", "<P>Upper</P>",
        "  spaced   <em> out </em>  text ", "<hr>rule", "<h2>Head</h2>body", "<blockquote>q</blockquote><pre>  p  </pre>",
        "unclosed <b>bold", "stray </i> end", "<span>a</span><span>b</span>", "salt & pepper", "a &", "& b", "a<!-- hidden -->b", "<p>x</p><!-- c --><p>y</p>",
        "<table><thead><tr><th>H</th></tr></thead><tbody><tr><td>a</td><td>b</td></tr></tbody></table>after",
        "<table><caption>Cap</caption><tr><td>1</td></tr></table>",
        // Raw-text elements the fast path skips the way libxml2's walk does.
        "<script>x</script>", "<style>p{}</style>", "a<script>if (a < b) { x = '</p>' }</script>b",
        "<p>one</p><SCRIPT type=\"text/javascript\">var s = \"<b>&amp;\";</SCRIPT><p>two</p>",
        "<div><style>p { color: red }</STYLE>after</div>", "x <script src=\"a.js\"></script> y",
        // A bare & before a digit; inline SVG drawings, skipped whole.
        "1&1 Ionos", "a &1; b", "AT&9 &#38; more",
        "<p>a</p><svg width=\"10\" viewBox=\"0 0 1 1\"><defs><radialGradient id=\"x\"><stop offset=\"0%\"/>"
            + "</radialGradient></defs><path d=\"M1,2\"></path><g><circle r=\"1\"/></g></svg><p>b</p>",
        "icon <SVG><path d=\"M1 2\"/></SVG> text",
        // Tag ends found by jumping between quotes and brackets.
        "<a title='x > y' href=\"z\">t</a> u", "<img alt=x\"y>after", "<a b = \"c>d\" e='f'>g</a>",
        "<span data-x=\"<b>\">in</span>out",
    ]

    @Test(arguments: fragments) func handWrittenFragments(_ html: String) throws {
        let fast = try #require(HTMLFragmentText.plainText(html), "declined: \(html)")
        #expect(fast == HTMLText.plainTextUsingLibxml2(html))
    }

    @Test func declinesWhatNeedsTheRealParser() {
        for html in ["<script>never closed", "<script>x</script >", "<script/>x", "</script>stray", "<!--> odd",
                     "a <!-- unterminated", "<style>p{}</styles>", "<p>open tag <b", "&unknownentity;", "&amp", "<o:p>office</o:p>", "x &# y",
                     "<svg><svg></svg></svg>", "<svg><script>x</script></svg>", "<svg><p>text</p></svg>",
                     "<svg><!-- c --></svg>", "<svg><path/>", "<svg/>after", "<svg><title>t</title></svg>"] {
            #expect(HTMLFragmentText.plainText(html) == nil, "\(html)")
            _ = HTMLText.plainText(fromHTML: html)  // and the public path still answers
        }
    }

    @Test(.requires(.sharedCorpus)) func sameTextOverTheRealWorldCorpus() throws {
        try TestRequirement.sharedCorpus.check()
        var compared = 0
        var declined = 0
        var mismatches: [String] = []
        for file in Corpus.realFeeds() + ["seed/iranfocus-rss2.xml", "seed/iranfocus-atom.xml"] {
            guard let feed = try? FeedParser.parse(try Corpus.bytes(file)) else { continue }
            for entry in feed.entries {
                for text in [entry.summary, entry.content].compactMap({ $0 }) where text.kind == .html {
                    guard let fast = HTMLFragmentText.plainText(text.value) else {
                        declined += 1
                        continue
                    }
                    compared += 1
                    let reference = HTMLText.plainTextUsingLibxml2(text.value)
                    if fast != reference && mismatches.count < 10 {
                        mismatches.append("\(file):\n  html: \(text.value.prefix(300))\n  fast: \(fast.prefix(200).debugDescription)\n  libxml2: \(reference.prefix(200).debugDescription)")
                    }
                }
            }
        }
        print("HTML fragments compared: \(compared), declined to libxml2: \(declined)")
        #expect(compared > 500)
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }
}

import Testing
@testable import FeedWatchParsing

@Suite struct HTMLTextTests {
    @Test func paragraphsLineBreaksAndEntities() {
        let html = "<p>Fish &amp; chips&nbsp;today</p>\n<p>Second   paragraph<br>new line</p><ul><li>one</li><li>two</li></ul>"
        #expect(HTMLText.plainText(fromHTML: html) == "Fish & chips\u{A0}today\n\nSecond paragraph\nnew line\n\none\n\ntwo")
    }

    @Test func scriptAndStyleAreSkipped() {
        let html = "<style>p { color: red }</style><p>Visible</p><script>alert('x')</script><p>Also</p>"
        #expect(HTMLText.plainText(fromHTML: html) == "Visible\n\nAlso")
    }

    @Test func plainTextPassesThroughFolded() {
        #expect(HTMLText.plainText(fromHTML: "  no   markup\nhere ") == "no markup here")
        #expect(HTMLText.plainText(fromHTML: "") == "")
    }

    @Test func fullPageAndBrokenMarkup() {
        let page = "<html><head><title>T</title></head><body><div>A <b>bold <i>move</div><p>after"
        #expect(HTMLText.plainText(fromHTML: page) == "A bold move\n\nafter")
    }

    @Test func numericReferencesAndInlineElements() {
        #expect(HTMLText.plainText(fromHTML: "It&#8217;s <a href=\"x\">a link</a>, <em>really</em>.") == "It’s a link, really.")
    }
}

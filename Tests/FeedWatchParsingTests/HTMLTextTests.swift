import Testing
@testable import FeedWatchParsing

@Suite struct HTMLTextTests {
    /// The word-at-a-time `isFolded` against its byte-by-byte definition.
    @Test func isFoldedMatchesItsDefinition() {
        var samples = ["", " ", "a", "a ", " a", "a  b", "a b", "a\tb", "a\nb", "abcdefgh", "abcdefgh ",
                       "abcdefgh ijklmnop", "abcdefgh  ijklmnop", "abcdefghijklmnopq\n", "x\u{1}yzabcdefgh",
                       "Sanctions & missile tests reported in region 45", "é è ü abcdefghijk  l"]
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Character] = ["a", "b", " ", "\n", "\t", "é", "\u{1}", "&", "<"]
        for _ in 0..<2_000 {
            let length = Int.random(in: 0..<40, using: &generator)
            samples.append(String((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        for sample in samples {
            #expect(HTMLText.isFolded(sample) == HTMLText.isFoldedByteByByte(sample), "\(sample.debugDescription)")
        }
    }

    /// Text `needsParsing` lets through unparsed is only folded; before, it went to the HTML
    /// tokenizer (or libxml2 where that declines), which gave the same.
    @Test func textThatNeedsNoParsingIsWhatTheParsersGive() {
        let samples = ["a < b", "a <= b && c", "5 < 6 > 4", "&", "& ", " &&& ", "x &;", "tom & jerry\n\tshow",
                       "1 <2", "a&", "<3 you", "Sanctions & missile tests", "1&1 Ionos", "a &1; b"]
        for sample in samples {
            #expect(!HTMLText.needsParsing(sample), "\(sample)")
            let parsed = HTMLFragmentText.plainText(sample) ?? HTMLText.plainTextUsingLibxml2(sample)
            #expect(parsed == HTMLText.foldWhitespace(sample), "\(sample)")
        }
        // A letter after `&` may start a reference even without `;` ("Q&A" goes to libxml2).
        for sample in ["a &amp; b", "a&#38;b", "<b>x</b>", "</p>", "<!-- c -->", "<?php ?>", "x <", "&nbsp;", "Q&A"] {
            #expect(HTMLText.needsParsing(sample), "\(sample)")
        }
    }

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

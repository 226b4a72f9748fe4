import FeedWatchModel
import Testing

/// The one place that decides what a control character is and how it is shown or removed.
@Suite struct ControlTextTests {
    static let hostile = "a\u{1B}]0;owned\u{7}b\u{1B}[2Jc\td\ne\rf\u{7F}g\u{85}h\u{9F}i\u{A0}j"

    @Test func escapingWritesEveryControlOutButTheLinesAndTheColoursPassed() {
        #expect(ControlText.escaped(Self.hostile) == "a\\x1B]0;owned\\x07b\\x1B[2Jc\td\ne\\x0Df\\x7Fg\\x85h\\x9Fi\u{A0}j")
        #expect(ControlText.escaped("x\ty\nz", keeping: []) == "x\\x09y\\x0Az")
        let green: String.UnicodeScalarView = "\u{1B}[32m".unicodeScalars
        #expect(ControlText.escaped("\u{1B}[32mok\u{1B}[31m", passing: [green]) == "\u{1B}[32mok\\x1B[31m")
        #expect(ControlText.escaped("plain ünïcode") == "plain ünïcode")
    }

    @Test func strippingRemovesControlsAndKeepsLayout() {
        #expect(ControlText.stripped(Self.hostile) == "a]0;ownedb[2Jc\td\ne\rfghi\u{A0}j")
        #expect(!ControlText.contains("tab\tline\nreturn\r", keeping: .layout))
        #expect(ControlText.contains("return\r", keeping: .lines))
        #expect(ControlText.contains("c1\u{80}", keeping: .layout))
    }
}

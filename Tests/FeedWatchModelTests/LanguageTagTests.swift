import FeedWatchModel
import Testing

/// Declared languages are bounded and normalised before they are stored (hostile input is normal).
@Suite struct LanguageTagTests {
    @Test(arguments: [
        ("fa", "fa"), ("fa-IR", "fa-IR"), ("FA-ir", "fa-IR"), ("en_US", "en-US"), (" ar-SA ", "ar-SA"),
        ("zh-hant-tw", "zh-Hant-TW"), ("de-DE-1996", "de-DE-1996"), ("fr, en", "fr"), ("en-us de", "en-US"),
        ("English", "english"), ("sr-Latn-RS", "sr-Latn-RS"),
    ])
    func wellFormedTagsAreKeptInCanonicalCase(raw: String, expected: String) {
        #expect(LanguageTag.normalised(raw) == expected)
    }

    @Test(arguments: ["", "   ", "*", "12", "e", "<script>alert(1)</script>", "fa\u{202E}", "\u{0641}\u{0627}", "abcdefghi"])
    func valuesThatAreNoLanguageAreDropped(raw: String) {
        #expect(LanguageTag.normalised(raw) == nil)
    }

    @Test func aHostileValueIsBoundedWhateverItsLength() {
        let long = "fa-" + String(repeating: "abcdefgh-", count: 200_000)
        let tag = LanguageTag.normalised(long)
        #expect(tag == "fa-abcdefgh-abcdefgh-abcdefgh")
        #expect((tag?.count ?? 0) <= LanguageTag.maxLength)
        #expect(LanguageTag.normalised(String(repeating: "a", count: 1_000_000)) == nil)
        // A bad subtag ends the tag there; the primary subtag still counts.
        #expect(LanguageTag.normalised("ar-<b>-x") == "ar")
        #expect(LanguageTag.primarySubtag("FA-ir") == "fa")
        #expect(LanguageTag.primarySubtag("en_GB") == "en")
    }
}

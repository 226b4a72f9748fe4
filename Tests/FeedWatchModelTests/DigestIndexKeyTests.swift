import FeedWatchModel
import Testing

/// `DigestIndex.titleKey` hashes an ASCII title's normalised bytes as it makes them: the key is
/// the one of `normalizedTitle`'s text, and 0 where that is nil (too short).
@Suite struct DigestIndexKeyTests {
    /// The key of the normalised title as a string (`linkKey` hashes a string's UTF-8 alike).
    static func reference(_ title: String) -> UInt64 {
        DigestIndex.normalizedTitle(title).map { DigestIndex.linkKey($0) } ?? 0
    }

    @Test func titleKeysAreTheKeysOfTheNormalisedTitles() {
        let fixed = [
            "", "short", "Iran tests ballistic missiles", "  IRAN -- tests, ballistic missiles!  ", "a b c d e f g h i j k l",
            "a b c d e f", "123456789012", "12345678901", "Ümit's «Raketen» über Teheran", "موشک‌های بالستیک ایران", "\t\n",
        ]
        for title in fixed { #expect(DigestIndex.titleKey(title) == Self.reference(title), "\(title)") }
        // Random ASCII titles of letters, digits, punctuation and space, some too short.
        let alphabet = Array("aZ09 -,.!?'\"\t()Missile".utf8)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0...40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let title = String(decoding: bytes, as: UTF8.self)
            #expect(DigestIndex.titleKey(title) == Self.reference(title), "\(title)")
        }
    }

    @Test func titlesDifferingOnlyInCaseAndPunctuationShareAKey() {
        #expect(DigestIndex.titleKey("Iran tests BALLISTIC missiles.") == DigestIndex.titleKey("iran -- tests ballistic missiles"))
        #expect(DigestIndex.titleKey("Iran tests ballistic missiles") != DigestIndex.titleKey("Iran tests cruise missiles"))
        #expect(DigestIndex.titleKey("too short") == 0)
    }
}

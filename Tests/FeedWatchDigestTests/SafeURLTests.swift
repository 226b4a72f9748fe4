@testable import FeedWatchDigest
import Testing

/// `DigestMarkup.safeURL` recognises plain http(s) links byte by byte and sends the rest to
/// the URL parser; both ways must give the same answer for every string, hostile ones first.
@Suite struct SafeURLTests {
    static let samples: [String] = [
        "http://example.org", "https://example.org/", "https://example.org/a/b?c=d&e=f#g",
        "HTTP://example.org/", "Https://example.org/", "https://EXAMPLE.org/path",
        "https://example.org:8080/x", "https://example.org:65535/", "https://example.org:65536/", "https://example.org:/",
        "https://example.org:123456/", "https://example.org:0/", "https://user:pass@example.org/", "https://@example.org/",
        "https://", "https:///path", "https://./", "https://-a/", "https://a-/", "https://a..b/", "https://xn--e1afmkfd.xn--p1ai/",
        "https://[::1]/", "https://[::1]:80/x", "https://127.0.0.1/", "https://10.0.0.1:22/",
        "https://example.org/%41%42", "https://example.org/%4", "https://example.org/%zz", "https://example.org/%",
        "https://example.org/a#b#c", "https://example.org/a?b?c", "https://example.org/a@b:c", "https://example.org?q",
        "https://example.org#frag", "https://example.org/~user/(x)*+,;=!$&", "https://example.org/a|b", "https://example.org/a{b}",
        "https://example.org/a^b", "https://example.org/a[b]", "https://example.org/ä", "https://exämple.org/",
        "https://example.org/a b", "https://example.org/\"x", "https://example.org/'x", "https://example.org/<x>",
        "https://example.org/`x", "https://example.org/\\x", "https://example.org/\u{7F}", "https://example.org/\u{0}",
        "javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>", "ftp://example.org/", "//example.org/",
        "/relative/path", "example.org", "http:example.org", "http:/example.org", "https:example.org/x", "mailto:a@b.c",
        "https://example.org\u{202E}/gro", "https://exa\u{200B}mple.org/", "http://a_b.example.org/", "http://a.b_c/",
    ]

    @Test func theFastPathAndTheParserAgreeOnHostileSamples() {
        for sample in Self.samples {
            #expect(DigestMarkup.safeURL(sample) == DigestMarkup.safeURLByComponents(sample), "\(sample)")
        }
    }

    @Test func theFastPathAndTheParserAgreeOnGeneratedStrings() {
        // Deterministic: strings built from the characters that matter to either path.
        let alphabet = Array("aZ09.-_~:/?#@%[]!$&'()*+,;=|^{} \"<>ä".unicodeScalars)
        let prefixes = ["http://", "https://", "https://a", "http://example.org", "https://b.c:8", "https://host/"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        var accepted = 0
        for _ in 0..<20_000 {
            var sample = prefixes[next() % prefixes.count]
            for _ in 0..<(next() % 14) { sample.unicodeScalars.append(alphabet[next() % alphabet.count]) }
            let answer = DigestMarkup.safeURL(sample)
            #expect(answer == DigestMarkup.safeURLByComponents(sample), "\(sample)")
            if answer != nil { accepted += 1 }
        }
        // Both answers occur, so the comparison covers acceptance and refusal.
        #expect(accepted > 1_000 && accepted < 19_000, "accepted \(accepted) of 20,000")
    }

    @Test func plainLinksAreKeptAndScriptLinksRefused() {
        #expect(DigestMarkup.safeURL("https://example.org/news/1?utm=x#top") == "https://example.org/news/1?utm=x#top")
        #expect(DigestMarkup.safeURL("javascript:alert(1)") == nil)
        #expect(DigestMarkup.safeURL("https://example.org/\"onmouseover=\"x") == nil)
        #expect(DigestMarkup.safeURL(nil) == nil)
        #expect(DigestMarkup.safeURL("https://" + String(repeating: "a", count: 5000)) == nil)
    }
}

import FeedWatchModel
import Testing

@Suite struct TimeSpanTests {
    @Test(arguments: [
        ("45s", Int64(45)), ("15m", 900), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), ("0s", 0),
    ])
    func parsesConfigDurations(text: String, seconds: Int64) {
        #expect(TimeSpan(parsing: text)?.seconds == seconds)
    }

    @Test(arguments: ["15x", "", "m", "15", "-5m", "1.5h", " 5m", "5m ", "99999999999999999999s"])
    func rejectsAnythingElse(text: String) {
        #expect(TimeSpan(parsing: text) == nil)
    }

    @Test func describesInTheLargestWholeUnit() {
        #expect(TimeSpan(seconds: 86400).description == "1d")
        #expect(TimeSpan(seconds: 5400).description == "90m")
        #expect(TimeSpan(seconds: 61).description == "61s")
    }
}

/// The digests feedwatch stores (entry fingerprints) and sends (webhook signatures) must stay
/// the standard ones: known-answer vectors through the facade over swift-crypto.
@Suite struct ContentDigestTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func matchesTheFIPSVectors(input: String, hex: String) {
        #expect(ContentDigest.hexDigest(of: Array(input.utf8)) == hex)
    }

    @Test func hashesAMillionBytes() {
        let million = [UInt8](repeating: 0x61, count: 1_000_000)
        #expect(ContentDigest.hexDigest(of: million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test(arguments: [[""], ["", ""], ["abc"], ["a", "bc"], ["Iran", "", "سپاه پاسداران — missile"], ["x", "y", "z", "w"]])
    func hashesJoinedPartsAsTheJoinedBytes(parts: [String]) {
        let joined = Array(parts.joined(separator: "\u{1F}").utf8)
        #expect(ContentDigest.hexDigest(joining: parts, separator: 0x1F) == ContentDigest.hexDigest(of: joined))
    }

    @Test func hmacMatchesRFC4231() {
        // RFC 4231 test case 2.
        let mac = ContentDigest.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(ContentDigest.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}

@Suite struct EntryFingerprintTests {
    @Test func prefersGuidThenLinkThenContentHash() {
        #expect(Entry(id: " g1 ", link: "https://e.org/a", fingerprint: nil).fingerprint == "id:g1")
        #expect(Entry(id: "  ", link: "https://e.org/a").fingerprint == "link:https://e.org/a")
        let a = Entry(title: "T", summary: FeedText(plain: "body"))
        let b = Entry(title: "T", summary: FeedText(plain: "body"))
        let c = Entry(title: "T", summary: FeedText(plain: "other body"))
        #expect(a.fingerprint.hasPrefix("hash:"))
        #expect(a.fingerprint == b.fingerprint)
        #expect(a.fingerprint != c.fingerprint)
    }

    @Test func trimsOnlyASCIIWhitespace() {
        #expect("  a b \n".trimmingASCIIWhitespace() == "a b")
        #expect("\u{00A0}x".trimmingASCIIWhitespace() == "\u{00A0}x")
        #expect("   ".trimmingASCIIWhitespace() == "")
    }
}

@Suite struct ControlCharacterTests {
    @Test func crlfIsSeenAlthoughItIsOneCharacter() {
        #expect("a\r\nInjected: yes".containsControlCharacters)
        #expect("tab\there".containsControlCharacters)
        #expect("nul\u{0}".containsControlCharacters)
        #expect(!"Téhéran – ok".containsControlCharacters)
    }
}

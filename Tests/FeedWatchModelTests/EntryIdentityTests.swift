import Testing
@testable import FeedWatchModel

@Suite struct EntryIdentityTests {
    @Test(arguments: [
        ("https://Example.org/a?utm_source=rss&utm_medium=feed#comments", "https://example.org/a"),
        ("https://example.org/a?id=3&fbclid=XYZ&page=2", "https://example.org/a?id=3&page=2"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/a?gclid=1", "https://example.org/a"),
        ("mailto:x@example.org", "mailto:x@example.org"),
    ])
    func canonicalLinks(_ input: String, _ expected: String) {
        #expect(CanonicalLink.normalise(input) == expected)
    }

    /// The byte-level path for ASCII links must give exactly what the character-level
    /// definition gives: fingerprints of stored entries depend on it.
    @Test(arguments: [
        "https://Example.org/a?utm_source=rss&utm_medium=feed#comments", "HTTPS://EXAMPLE.ORG:443", "http://e.org:80",
        "https://e.org/a?=x&&&FBCLID=1&==y&a==b&utm_=1&UTM_x=2&q", "https://e.org?x=1", "https://e.org#?a=1",
        "ftp://e.org/a?fbclid=1", "//e.org/a", "no scheme", "", "#", "https://", "https://e.org/a/?b=1&b=1",
        "http://user:pw@E.org:8080/p;x?y=1#z", "https://e.org/a\r\nb?c=1", "ht tp://e.org", "https:/e.org",
        "https://e.org/%7Euser?share=1&ref_src=x&id=9",
    ])
    func asciiLinksNormaliseAsByTheCharacterDefinition(_ link: String) {
        #expect(CanonicalLink.normaliseASCII(link) == CanonicalLink.normaliseCharacters(link))
    }

    @Test func nonASCIILinksTakeTheCharacterPath() {
        #expect(CanonicalLink.normaliseASCII("https://ÄBC.example/ö?utm_source=x") == nil)
        #expect(CanonicalLink.normalise("https://ÄBC.example/ö?utm_source=x") == "https://äbc.example/ö")
    }

    @Test func fingerprintChain() {
        let entry = Entry(id: "g1", title: "T", link: "https://e.org/a?utm_source=x")
        #expect(EntryIdentity.fingerprint(of: entry, mode: .guid) == "id:g1")
        #expect(EntryIdentity.fingerprint(of: entry, mode: .guidAndLink) == "idlink:g1\u{1F}https://e.org/a")
        #expect(EntryIdentity.fingerprint(of: entry, mode: .link) == "link:https://e.org/a")
        #expect(Entry(link: "https://e.org/a#x").fingerprint == "link:https://e.org/a")
        #expect(Entry(title: "Only a title").fingerprint.hasPrefix("hash:"))
    }

    @Test func repeatedGuidsAndChurn() {
        let same = [Entry(id: "feed", link: "https://e.org/1"), Entry(id: "feed", link: "https://e.org/2")]
        #expect(EntryIdentity.repeatsGuids(same))
        #expect(!EntryIdentity.repeatsGuids([Entry(id: "a", link: "https://e.org/1"), Entry(id: "a", link: "https://e.org/1")]))
        #expect(EntryIdentity.guidsChurn(guidEntries: 10, unseenWithKnownLink: 6))
        #expect(!EntryIdentity.guidsChurn(guidEntries: 10, unseenWithKnownLink: 5))
        #expect(!EntryIdentity.guidsChurn(guidEntries: 1, unseenWithKnownLink: 1))
    }

    @Test func contentHashChangesWithText() {
        let a = Entry(id: "1", title: "T", summary: FeedText(plain: "one"))
        let b = Entry(id: "1", title: "T", summary: FeedText(plain: "two"))
        #expect(EntryIdentity.contentHash(of: a) != EntryIdentity.contentHash(of: b))
        #expect(EntryIdentity.contentHash(of: a) == EntryIdentity.contentHash(of: a))
    }

    /// Stored articles keep the hash they were stored with: a change of how it is computed
    /// must not change its value, or every stored article would look edited.
    @Test func contentHashIsStableAcrossVersions() {
        let entry = Entry(id: "1", title: "T", summary: FeedText(plain: "one"), content: FeedText(plain: "body"))
        // SHA-256 of "T\u{1F}one\u{1F}body".
        #expect(EntryIdentity.contentHash(of: entry) == ContentDigest.hexDigest(of: Array("T\u{1F}one\u{1F}body".utf8)))
        #expect(EntryIdentity.contentHash(of: entry) == "2b52198bbbff52a2e0048cd47e912a3072f984b5f45a997457c5f8889285c497")
    }
}

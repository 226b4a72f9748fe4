import FeedWatchModel
import Testing

/// Issue 15, item 6: URLs are redacted on their text, so a URL no parser accepts is still
/// redacted (LogRedaction used to return such a URL unchanged).
@Suite struct URLRedactionTests {
    @Test(arguments: [
        ("http://u:S3CRET@example.org/f.xml?token=T0K", "http://***@example.org/f.xml?token=***"),
        ("http://u:S3CRET@[not a host/f.xml?token=T0K&x", "http://***@[not a host/f.xml?token=***&x"),
        ("http://u:S3CRET@exa mple.org/%zz?a=T0K#frag", "http://***@exa mple.org/%zz?a=***#frag"),
        ("u:S3CRET@example.org/f?k=T0K", "***@example.org/f?k=***"),
        ("https://example.org/plain.xml", "https://example.org/plain.xml"),
    ])
    func displayHidesUserInfoAndQueryValues(_ url: String, _ shown: String) {
        let redacted = URLRedaction.display(url)
        #expect(redacted == shown)
        #expect(!redacted.contains("S3CRET") && !redacted.contains("T0K"))
    }

    @Test func linkBaseDropsCredentialsQueryAndFragment() {
        #expect(URLRedaction.linkBase("http://u:S3CRET@127.0.0.1:8080/f.xml?token=T#x") == "http://127.0.0.1:8080/f.xml")
        #expect(URLRedaction.withoutUserInfo("http://u:p@h/a?b=c") == "http://h/a?b=c")
        #expect(URLRedaction.withoutUserInfo("http://h/a@b") == "http://h/a@b")
    }

    @Test func aSourceNameThatIsAURLIsRedacted() {
        #expect(URLRedaction.sourceName("http://u:S3CRET@127.0.0.1/f.xml?token=T") == "http://127.0.0.1/f.xml?token=***")
        #expect(URLRedaction.sourceName("World News") == "World News")
        #expect(URLRedaction.sourceName("Q&A? Yes") == "Q&A? Yes")
        let item = Digest.Item(articleID: 1, title: "t", link: nil, feedName: "http://a:b@h/x?k=v", published: nil, score: 1, snippets: [])
        #expect(item.feedName == "http://h/x?k=***")
    }
}

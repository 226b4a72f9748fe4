import Foundation
import Testing
import FeedWatchModel
@testable import FeedWatchParsing

/// Extensions users rely on: content, Dublin Core, atom:link in RSS, Media RSS, iTunes, slash.
@Suite struct ExtensionTests {
    static let podcast = """
        <?xml version="1.0" encoding="UTF-8"?>
        <rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"
             xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
             xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
        <channel>
          <title>Cast</title><link>https://cast.example/</link>
          <atom:link rel="self" href="https://cast.example/feed.xml" type="application/rss+xml"/>
          <itunes:author>Cast Team</itunes:author>
          <itunes:image href="https://cast.example/cover.jpg"/>
          <managingEditor>editor@cast.example (The Editor)</managingEditor>
          <item>
            <title>Episode 1</title>
            <guid>https://cast.example/ep1</guid>
            <itunes:author>Jo Host</itunes:author>
            <itunes:summary>All about one.</itunes:summary>
            <itunes:duration>1:02:03</itunes:duration>
            <itunes:image href="https://cast.example/ep1.jpg"/>
            <enclosure url="https://cast.example/ep1.mp3" type="audio/mpeg" length="12345"/>
            <slash:comments>42</slash:comments>
            <comments>https://cast.example/ep1#comments</comments>
            <author>jo@cast.example (Jo Host)</author>
          </item>
          <item>
            <title>Video</title>
            <link>/video</link>
            <media:group>
              <media:content url="https://cast.example/v.mp4" type="video/mp4" fileSize="999"/>
              <media:thumbnail url="https://cast.example/v.jpg"/>
              <media:description>A short video.</media:description>
            </media:group>
            <dc:date>2016-03-22T09:30:00Z</dc:date>
            <dc:subject>Film</dc:subject>
            <category>Film</category>
            <content:encoded><![CDATA[<p>Watch <a href="/watch">here</a>.</p>]]></content:encoded>
          </item>
        </channel></rss>
        """

    @Test func itunesMediaSlashAndAtomLink() throws {
        let feed = try parse(Self.podcast, url: "https://cast.example/feed.xml")
        #expect(feed.selfURL == "https://cast.example/feed.xml")
        #expect(feed.imageURL == "https://cast.example/cover.jpg")
        #expect(feed.authors.contains(Person(name: "Cast Team")))
        #expect(feed.authors.contains(Person(name: "The Editor", email: "editor@cast.example")))
        let episode = feed.entries[0]
        #expect(episode.id == "https://cast.example/ep1")
        #expect(episode.guidIsPermalink == true)
        #expect(episode.link == "https://cast.example/ep1")  // a permalink guid stands in for the link
        #expect(episode.authors == [Person(name: "Jo Host"), Person(name: "Jo Host", email: "jo@cast.example")])
        #expect(episode.summary?.plainText == "All about one.")
        #expect(episode.durationSeconds == 3723)
        #expect(episode.imageURL == "https://cast.example/ep1.jpg")
        #expect(episode.enclosures == [Enclosure(url: "https://cast.example/ep1.mp3", type: "audio/mpeg", length: 12345)])
        #expect(episode.commentCount == 42)
        #expect(episode.commentsURL == "https://cast.example/ep1#comments")

        let video = feed.entries[1]
        #expect(video.link == "https://cast.example/video")
        #expect(video.enclosures == [Enclosure(url: "https://cast.example/v.mp4", type: "video/mp4", length: 999)])
        #expect(video.imageURL == "https://cast.example/v.jpg")
        #expect(video.summary?.plainText == "A short video.")
        #expect(video.published == march22)
        #expect(video.categories == ["Film"])
        #expect(video.content?.value == "<p>Watch <a href=\"https://cast.example/watch\">here</a>.</p>")
        #expect(video.content?.plainText == "Watch here.")
    }

    @Test func relativeLinksResolveAgainstTheChannelLinkWithoutADocumentURL() throws {
        let feed = try parse("""
            <rss version="2.0"><channel><link>https://site.example/news/</link>
            <item><link>story.html</link><description>&lt;a href="img/x.png"&gt;x&lt;/a&gt;</description></item>
            </channel></rss>
            """)
        #expect(feed.entries[0].link == "https://site.example/news/story.html")
        #expect(feed.entries[0].summary?.value == "<a href=\"https://site.example/news/img/x.png\">x</a>")
    }

    @Test func xmlBaseInRSS() throws {
        let feed = try parse("""
            <rss version="2.0" xml:base="https://a.example/root/"><channel><link>https://b.example/</link>
            <item xml:base="sub/"><link>page</link></item></channel></rss>
            """)
        #expect(feed.entries[0].link == "https://a.example/root/sub/page")
    }

    @Test func guidIsPermalinkFalseIsNotALink() throws {
        let feed = try parse("""
            <rss version="2.0"><channel><item><guid isPermaLink="false">https://x.example/1</guid><title>T</title></item></channel></rss>
            """)
        #expect(feed.entries[0].link == nil)
        #expect(feed.entries[0].guidIsPermalink == false)
        #expect(feed.entries[0].fingerprint == "id:https://x.example/1")
    }

    @Test func fingerprintFallsBackToLinkThenToAHash() throws {
        let feed = try parse("""
            <rss version="2.0"><channel>
            <item><link>https://x.example/a</link><title>A</title></item>
            <item><title>B</title><description>body</description></item>
            </channel></rss>
            """)
        #expect(feed.entries[0].fingerprint == "link:https://x.example/a")
        #expect(feed.entries[1].fingerprint.hasPrefix("hash:"))
    }
}

@Suite struct URLResolverTests {
    static let cases: [(String, String, String)] = [
        ("/a/b?q=1#f", "https://x.example/dir/page.html", "https://x.example/a/b?q=1#f"),
        ("/a", "https://user@x.example:8080?q", "https://user@x.example:8080/a"),
        ("/a/../b", "https://x.example/dir/", "https://x.example/b"),
        ("//cdn.example/i.png", "https://x.example/", "https://cdn.example/i.png"),
        ("page.html", "https://x.example/dir/index.html", "https://x.example/dir/page.html"),
        ("../up", "https://x.example/a/b/c", "https://x.example/a/up"),
        ("?page=2", "https://x.example/list?page=1", "https://x.example/list?page=2"),
        ("#top", "https://x.example/a", "https://x.example/a#top"),
        ("mailto:jo@x.example", "https://x.example/", "mailto:jo@x.example"),
        ("  https://y.example/  ", "https://x.example/", "https://y.example/"),
    ]

    @Test(arguments: cases) func resolves(_ reference: String, _ base: String, _ expected: String) {
        #expect(URLResolver.resolve(reference, against: base) == expected)
    }
}

extension URLResolverTests {
    @Test(arguments: [("/a/b/c/./../../g", "/a/g"), ("/./x", "/x"), ("/a/..", "/"), ("/a/.", "/a/"), ("/../a?x=/../#f", "/a?x=/../#f")])
    func dotSegments(_ path: String, _ expected: String) {
        #expect(URLResolver.removingDotSegments(path) == expected)
    }
}

import Foundation
import FeedWatchParsing
import FeedWatchTestSupport
import Testing

@Suite struct OPMLTests {
    let sample = """
        <?xml version="1.0" encoding="UTF-8"?>
        <opml version="1.0">
          <head><title>My subscriptions</title></head>
          <body>
            <outline text="News" title="News">
              <outline type="rss" text="World Wire" xmlUrl="https://worldwire.example.org/rss" htmlUrl="https://worldwire.example.org/"/>
              <outline text="Defense &amp; Security">
                <outline type="rss" title="Defense Desk" xmlUrl="/feed.atom"/>
              </outline>
            </outline>
            <outline type="rss" text="Top level" xmlUrl="https://top.example/feed"/>
            <outline type="rss" text="No URL"/>
          </body>
        </opml>
        """

    @Test func readsFeedsWithFoldersAndResolvesRelativeURLs() throws {
        let outlines = try OPML.parse(Array(sample.utf8), documentURL: "https://defensedesk.example.org/export.opml")
        #expect(outlines.map(\.xmlURL) == [
            "https://worldwire.example.org/rss", "https://defensedesk.example.org/feed.atom", "https://top.example/feed",
        ])
        #expect(outlines[0].title == "World Wire")
        #expect(outlines[0].htmlURL == "https://worldwire.example.org/")
        #expect(outlines[0].folders == ["News"])
        #expect(outlines[1].folders == ["News", "Defense & Security"])
        #expect(outlines[2].folders == [])
    }

    @Test func exportIsValidOPML2ThatReadsBackTheSame() throws {
        let outlines = [
            OPMLOutline(xmlURL: "https://a.example/rss?x=1&y=2", title: "A \"quoted\" <feed>", folders: ["news"]),
            OPMLOutline(xmlURL: "https://b.example/atom", title: nil, htmlURL: "https://b.example/"),
        ]
        let text = OPML.export(title: "feedwatch", outlines: outlines, created: Date(timeIntervalSince1970: 0))
        #expect(text.contains("<opml version=\"2.0\">"))
        #expect(text.contains("<dateCreated>Thu, 01 Jan 1970 00:00:00 GMT</dateCreated>"))
        let again = try OPML.parse(Array(text.utf8))
        #expect(again.map(\.xmlURL) == outlines.map(\.xmlURL))
        #expect(again[0].title == "A \"quoted\" <feed>")
        #expect(again[0].folders == ["news"])
    }

    static let xmllint = TestRequirement.executable(
        "/usr/bin/xmllint", "/usr/bin/xmllint (the libxml2-utils package; scripts/install-deps.sh test installs it)")

    /// xmllint, an independent parser, accepts the export as well-formed XML.
    @Test(.requires(xmllint)) func exportIsWellFormedForAnIndependentParser() throws {
        try Self.xmllint.check()
        let outlines = [
            OPMLOutline(xmlURL: "https://a.example/rss?x=1&y=2", title: "A \"quoted\" <feed>", folders: ["news"]),
            OPMLOutline(xmlURL: "https://b.example/atom", title: nil, htmlURL: "https://b.example/"),
        ]
        let text = OPML.export(title: "feedwatch", outlines: outlines, created: Date(timeIntervalSince1970: 0))
        let directory = try TemporaryDirectory(prefix: "fw-opml")
        let path = directory.path + "/export.opml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let lint = try ChildProcess.run("/usr/bin/xmllint", ["--noout", path])
        #expect(lint.status == 0, "\(lint.stderr)")
    }

    @Test func somethingElseIsReportedClearly() {
        #expect {
            _ = try OPML.parse(Array("<rss version=\"2.0\"><channel/></rss>".utf8))
        } throws: { error in
            "\(error)".contains("not an OPML subscription list: found a <rss> document")
        }
    }
}

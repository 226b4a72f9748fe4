import Foundation
import Testing
import FeedWatchModel
@testable import FeedWatchParsing

/// Anything that is not a feed is a clear "not a feed" error, never a crash or an empty success.
@Suite struct BadInputTests {
    func error(_ bytes: [UInt8], url: String? = nil) -> ParseError? {
        do {
            _ = try FeedParser.parse(bytes, documentURL: url)
            return nil
        } catch {
            return error
        }
    }

    @Test func htmlPageListsItsAdvertisedFeeds() throws {
        let page = """
            <!DOCTYPE html><html><head><title>Blog</title>
            <link rel="alternate" type="application/rss+xml" title="RSS" href="/feed.xml">
            <link rel="alternate" type="application/atom+xml" href="https://blog.example/atom.xml">
            <link rel="stylesheet" href="/style.css">
            </head><body><p>Hello &amp; welcome<br></body></html>
            """
        let failure = try #require(error(Array(page.utf8), url: "https://blog.example/posts/"))
        #expect(failure.code == .notAFeed)
        #expect(failure.advertisedFeeds == ["https://blog.example/feed.xml", "https://blog.example/atom.xml"])
        #expect(failure.description.contains("not a feed: an HTML page"))
        #expect(failure.description.contains("https://blog.example/feed.xml"))
    }

    @Test func htmlPageWithoutFeedLinks() throws {
        let failure = try #require(error(Array("<html><body>nothing here</body></html>".utf8)))
        #expect(failure.code == .notAFeed)
        #expect(failure.message == "not a feed: an HTML page that advertises no feed links")
    }

    @Test func jsonErrorBody() throws {
        let failure = try #require(error(Array(#"{"error": "rate limited", "code": 429}"#.utf8)))
        #expect(failure.code == .notAFeed)
        #expect(failure.message.contains("not a JSON Feed (keys: code, error)"))
    }

    @Test func emptyAndWhitespaceDocuments() throws {
        for text in ["", "   \n\t "] {
            let failure = try #require(error(Array(text.utf8)))
            #expect(failure.code == .notAFeed)
            #expect(failure.message == "not a feed: empty")
        }
    }

    @Test func binaryJunk() throws {
        var generator = SystemRandomNumberGenerator()
        let junk = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }.map { $0 == 0x3C ? 0 : $0 }
        let failure = try #require(error([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + junk))
        #expect(failure.code == .notAFeed)
        #expect(failure.message.hasPrefix("not a feed: binary data"))
    }

    @Test func plainText() throws {
        let failure = try #require(error(Array("Service temporarily unavailable".utf8)))
        #expect(failure.message == "not a feed: plain text starting \"Service temporarily unavailable\"")
    }

    @Test func xmlThatIsNotAFeed() throws {
        let failure = try #require(error(Array("<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code></Error>".utf8)))
        #expect(failure.code == .notAFeed)
        #expect(failure.message == "not a feed: an XML document whose root element is <Error>")
    }
}

import FeedWatchTestSupport
import Foundation
import Testing
import FeedWatchModel
@testable import FeedWatchParsing

/// The seed feeds: the same eight articles as RSS 2.0 and as Atom 1.0.
@Suite struct SeedFeedTests {
    static let titles = [
        "Khamenei Pushes Iranian Missile Program, More Conflict with West",
        "North Korea test-fires two short-range ballistic missiles into the sea",
        "EU extends economic measures against Russia for another six months",
        "Persepolis wins Tehran derby in front of 90,000 fans",
        "Missile Command remake announced for home consoles",
        "Iran's oil exports rebound after sanctions relief",
        "India successfully tests Agni-V intercontinental missile",
        "Sanctioned oligarch's yacht seized in Gibraltar",
    ]

    @Test(.requires(.sharedCorpus)) func rss2SeedFeed() throws {
        try TestRequirement.sharedCorpus.check()
        let feed = try FeedParser.parse(try Corpus.bytes("seed/iranfocus-rss2.xml"),
                                        documentURL: "https://www.iranfocus.example/en/feed/")
        #expect(feed.format == .rss20)
        #expect(feed.title == "Iran Focus")
        #expect(feed.link == "https://www.iranfocus.example/en/")
        #expect(feed.selfURL == "https://www.iranfocus.example/en/feed/")
        #expect(feed.subtitle == "News and analysis on Iran")
        #expect(feed.language == "en-US")
        #expect(feed.ttlMinutes == 30)
        #expect(feed.updated == Date(timeIntervalSince1970: 1_458_639_060))
        #expect(feed.entries.count == 8)
        #expect(feed.entries.map(\.title) == Self.titles)
        #expect(feed.warnings.isEmpty, "\(feed.warnings)")

        let first = try #require(feed.entries.first)
        #expect(first.id == "iranfocus-1000")
        #expect(first.guidIsPermalink == false)
        #expect(first.fingerprint == "id:iranfocus-1000")
        #expect(first.link == "https://www.iranfocus.example/en/khamenei-pushes-iranian-missile-program/")
        #expect(first.published == Date(timeIntervalSince1970: 1_458_639_000))  // 2016-03-22T09:30:00Z
        #expect(first.authors == [Person(name: "Iran Focus")])
        #expect(first.categories == ["News", "Terrorism"])
        #expect(first.summary?.plainText.hasPrefix("In October, while Iran was taking steps") == true)
        let content = try #require(first.content)
        #expect(content.kind == .html)
        #expect(content.value.hasPrefix("<p>In October"))
        #expect(content.plainText.contains("UN Security Council resolution 1929.\n\nThe incident provoked"))
        #expect(!content.plainText.contains("<p>"))
        #expect(feed.entries.last?.published == Date(timeIntervalSince1970: 1_457_703_600))  // 2016-03-11T13:40:00Z
        #expect(Set(feed.entries.map(\.fingerprint)).count == 8)
    }

    @Test(.requires(.sharedCorpus)) func atomSeedFeed() throws {
        try TestRequirement.sharedCorpus.check()
        let feed = try FeedParser.parse(try Corpus.bytes("seed/iranfocus-atom.xml"))
        #expect(feed.format == .atom10)
        #expect(feed.title == "Iran Focus")
        #expect(feed.link == "https://www.iranfocus.example/en/")
        #expect(feed.selfURL == "https://www.iranfocus.example/en/feed/atom/")
        #expect(feed.updated == Date(timeIntervalSince1970: 1_458_639_060))
        #expect(feed.entries.count == 8)
        #expect(feed.entries.map(\.title) == Self.titles)
        #expect(feed.warnings.isEmpty, "\(feed.warnings)")

        let first = try #require(feed.entries.first)
        #expect(first.id == "tag:iranfocus.example,2016:1000")
        #expect(first.fingerprint == "id:tag:iranfocus.example,2016:1000")
        #expect(first.link == "https://www.iranfocus.example/en/khamenei-pushes-iranian-missile-program/")
        #expect(first.published == Date(timeIntervalSince1970: 1_458_639_000))
        #expect(first.updated == Date(timeIntervalSince1970: 1_458_639_000))
        #expect(first.authors == [Person(name: "Iran Focus")])
        #expect(first.categories == ["News", "Terrorism"])
        #expect(first.summary?.kind == .text)
        let content = try #require(first.content)
        #expect(content.kind == .html)
        #expect(content.value.hasPrefix("<p>In October"))
        #expect(content.plainText.contains("resolution 1929.\n\nThe incident"))
    }

    @Test(.requires(.sharedCorpus)) func rssAndAtomAgreeOnEveryArticle() throws {
        try TestRequirement.sharedCorpus.check()
        let rss = try FeedParser.parse(try Corpus.bytes("seed/iranfocus-rss2.xml"))
        let atom = try FeedParser.parse(try Corpus.bytes("seed/iranfocus-atom.xml"))
        for (left, right) in zip(rss.entries, atom.entries) {
            #expect(left.title == right.title)
            #expect(left.link == right.link)
            #expect(left.published == right.published)
            #expect(left.bodyText == right.bodyText)
        }
    }
}

import Foundation
import FeedWatchDigest
import FeedWatchModel
import Testing

/// The digest answers the reader's questions: which period, each story once, crowded topics
/// readable, what was dismissed, which neighbours, and an e-mail written for reading.
@Suite struct DigestTrustTests {
    static let clock = DigestFixtures.berlin
    static func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    /// `count` distinct stories under one topic.
    static func crowded(_ count: Int) -> Digest {
        let items = (1...count).map { n in
            Digest.Item(
                articleID: Int64(n), title: "Report number \(n) on the launch", link: "https://news.example/\(n)", feedName: "Wire",
                published: nil, score: Double(count - n), snippets: [DigestFixtures.snippet([("a ", false), ("launch", true), (" today", false)])])
        }
        return Digest(day: "2026-12-04", timeZone: "Europe/Berlin", created: utc("2026-12-04T06:00:00Z"),
                      sections: [Digest.Section(topic: TopicReference(id: "launches", name: "Launches"), items: items)])
    }

    @Test func thePeriodIsShownInTheReadersZoneWithItsAbbreviation() {
        let made = Self.utc("2026-12-02T06:00:00Z")
        #expect(Self.clock.periodStart(Self.utc("2026-12-01T06:00:00Z"), reference: made) == "Tue 07:00 CET")
        #expect(Self.clock.periodStart(Self.utc("2026-07-07T05:00:00Z"), reference: Self.utc("2026-07-08T05:00:00Z")) == "Tue 07:00 CEST")
        #expect(Self.clock.periodStart(Self.utc("2026-11-01T06:00:00Z"), reference: made) == "2026-11-01 07:00 CET", "over a week: the date")
        #expect(Self.clock.displayTime(made) == "2026-12-02 07:00 CET")
        #expect(DigestClock(timeZoneIdentifier: "America/New_York")!.abbreviation(at: made) == "EST")
        #expect(DigestClock(timeZoneIdentifier: "Asia/Tehran")!.abbreviation(at: made) == "+0330")
        #expect(DigestClock(timeZoneIdentifier: "UTC")!.abbreviation(at: made) == "UTC")
        let markdown = MarkdownDigestRenderer(clock: Self.clock).render(
            DigestFixtures.sample, context: DigestContext(since: Self.utc("2016-03-22T06:00:00Z")))
        #expect(markdown.contains("5 matches in 2 topics since Tue 07:00 CET · made 2016-03-23 07:00 CET"), "\(markdown)")
    }

    @Test func aStoryMatchingSeveralTopicsIsShownOnceAndReferencedFromTheOthers() {
        let reading = DigestStories.mergeDuplicates(DigestFixtures.sample)
        let markdown = MarkdownDigestRenderer(clock: Self.clock).render(reading)
        let title = "Khamenei Pushes Iranian Missile Program, More Conflict with West"
        #expect(markdown.components(separatedBy: "### [\(title)]").count - 1 == 1, "in full once")
        #expect(markdown.contains("- [\(title)](<https://www.iranfocus.com/en/nuclear/khamenei-pushes-missile-program>) · also under [Missile tests](#topic-missile-tests) · id 1"))
        #expect(markdown.components(separatedBy: "ballistic missile").count - 1 == 1, "its snippet once")
        let html = HTMLDigestRenderer(clock: Self.clock).render(reading)
        #expect(html.components(separatedBy: "<p class=\"ref\"").count - 1 == 1)
        #expect(html.contains("also under <a href=\"#topic-missile-tests\"><bdi>Missile tests</bdi></a> · id 1"))
        let text = PlainTextDigestRenderer(clock: Self.clock).render(reading)
        #expect(text.contains("* \(title) (also under Missile tests; id 1)"))
    }

    @Test func aCrowdedTopicIsCappedWithTheRestCountedAndLinkedWhileTheFilesKeepAll() throws {
        let digest = Self.crowded(40)
        let capped = DigestContext(maxStoriesPerTopic: 15, fullDigestLink: "2026-12-04.html")
        let markdown = MarkdownDigestRenderer(clock: Self.clock).render(digest, context: capped)
        #expect(markdown.components(separatedBy: "\n### ").count - 1 == 15)
        #expect(markdown.contains("*…and 25 more stories [in the full digest](<2026-12-04.html#topic-launches>)*"))
        // The page keeps every story, the rest folded.
        let page = HTMLDigestRenderer(clock: Self.clock).render(digest, context: DigestContext(maxStoriesPerTopic: 15))
        #expect(page.components(separatedBy: "<article>").count - 1 == 40)
        #expect(page.contains("<details>\n<summary>25 more stories</summary>"))
        let json = try JSONSerialization.jsonObject(with: Data(JSONDigestRenderer(clock: Self.clock).render(digest).utf8)) as? [String: Any]
        #expect(((json?["topics"] as? [[String: Any]])?.first?["items"] as? [Any])?.count == 40)
    }

    /// The e-mail of a 5,000-story day: the text part is for reading, both parts capped, so
    /// the message stays small whatever the day brought.
    @Test func theEmailOfAHugeDayIsReadableTextAndBounded() throws {
        let publisher = DigestPublisher(
            settings: DigestPublisher.Settings(
                directory: "/srv/digests", formats: [.markdown, .html], baseURL: "https://example.org/digests", maxStoriesPerTopic: 15),
            clock: Self.clock)
        let edition = DigestEdition(digest: Self.crowded(5000), listed: [])
        let mail = publisher.notification(digestOf: edition, deliveryID: "feedwatch.1.digest-2026-12-04")
        #expect(mail.text.components(separatedBy: "\n* ").count - 1 == 15)
        #expect(mail.text.contains("…and 4985 more stories: https://example.org/digests/2026-12-04.html#topic-launches"))
        #expect(!mail.text.contains("&amp;") && !mail.text.contains("\\[") && !mail.text.contains("<a id="))
        #expect(mail.html.components(separatedBy: "<article>").count - 1 == 15)
        #expect(mail.html.contains("<a href=\"https://example.org/digests/2026-12-04.html#topic-launches\">4985 more stories</a>"))
        let message = MailMessage.build(mail, from: "a@example.org", to: ["b@example.org"])
        #expect(message.utf8.count < 64 * 1024, "\(message.utf8.count) bytes")
        // The page itself keeps all 5,000.
        let page = publisher.outputs(for: edition).first { $0.path.hasSuffix(".html") }
        #expect(page?.contents.components(separatedBy: "<article>").count == 5001)
    }

    @Test func theHealthFooterSaysWhatFailsWhatIsGoneAndWhatIsQuiet() {
        let markdown = MarkdownDigestRenderer(clock: Self.clock).render(DigestFixtures.sample, context: DigestFixtures.sampleContext)
        #expect(markdown.contains("## Feeds and matches"))
        #expect(markdown.contains("- Failing: Defense Desk: no successful fetch since 2016-03-21 23:40 CET, 3 errors in a row; last: HTTP 503 from defense.example"))
        #expect(markdown.contains("- Disabled: Old Wire: HTTP 410 Gone"))
        #expect(markdown.contains("- Silent: Weekly Review: nothing new since 2016-03-03 11:13 CET (usually every 7h)"))
        #expect(markdown.contains("- 2 matches wait for the next digest."))
        let clean = MarkdownDigestRenderer(clock: Self.clock).render(
            DigestFixtures.sample, context: DigestContext(health: DigestHealth(feedCount: 12)))
        #expect(clean.contains("- All 12 feeds fetched without trouble; no match is waiting."))
    }

    @Test func aDismissedStoryLeavesDigestsMadeAfterTheDismissalOnly() {
        let digest = DigestFixtures.sample
        let before = Dismissal(topicID: "missile-tests", storyID: 3, title: "Nordkorea", created: digest.created.addingTimeInterval(-60))
        let after = Dismissal(topicID: "missile-tests", storyID: 3, title: "Nordkorea", created: digest.created.addingTimeInterval(60))
        let everywhere = Dismissal(topicID: Dismissal.everyTopic, storyID: 4, title: "EU", created: digest.created.addingTimeInterval(-60))
        func titles(_ dismissals: [Dismissal]) -> [String] {
            DigestEdition(digest: digest, listed: [], dismissals: dismissals).reading.sections.flatMap { $0.items.map(\.title) }
        }
        #expect(titles([after]).contains("Nordkorea testet erneut Rakete über dem Japanischen Meer"), "digests already made stay")
        #expect(!titles([before]).contains("Nordkorea testet erneut Rakete über dem Japanischen Meer"))
        #expect(!titles([everywhere]).contains("EU extends sanctions on Iranian officials for another year"))
        #expect(titles([before]).count == titles([]).count - 1)
    }

    @Test func htmlPagesLinkTheirNeighboursAndTheIndexAndThePreviousPageIsRewritten() {
        let publisher = DigestPublisher(settings: DigestPublisher.Settings(directory: "/srv/digests", formats: [.html]), clock: Self.clock)
        var previous = DigestFixtures.sample
        previous.day = "2016-03-22"
        let listed = [DigestFixtures.sample, previous].map { DigestSummary(day: $0.day, matchCount: $0.matchCount, created: $0.created) }
        #expect(publisher.earlierDays(upTo: "2016-03-23", listed: listed) == ["2016-03-22"])
        let edition = DigestEdition(digest: DigestFixtures.sample, listed: listed, stored: ["2016-03-22": previous])
        let outputs = publisher.outputs(for: edition)
        #expect(outputs.map(\.path) == ["/srv/digests/2016-03-23.html", "/srv/digests/index.html", "/srv/digests/2016-03-22.html"])
        #expect(outputs[0].contents.contains("<a rel=\"prev\" href=\"2016-03-22.html\">← 2016-03-22</a> · <a href=\"index.html\">All digests</a></p>"))
        #expect(outputs[2].contents.contains("<a href=\"index.html\">All digests</a> · <a rel=\"next\" href=\"2016-03-23.html\">2016-03-23 →</a>"))
    }

    @Test func alertsListOneLinePerStoryAndCountTheRest() {
        var alert = Self.crowded(3)
        alert.sections[0].moreCount = 4990
        alert.sections[0].items[0].alsoReportedBy = [Digest.Link(feedName: "Other", url: nil)]
        let renderer = AlertRenderer(clock: Self.clock)
        #expect(renderer.subject(alert) == "feedwatch alert: Launches: Report number 1 on the launch (+4992 more)")
        let text = renderer.text(alert)
        #expect(text.hasPrefix("Launches: 4993 new stories\n\n- Report number 1 on the launch — Wire · 1 other source · id 1\n  https://news.example/1\n"))
        #expect(text.hasSuffix("\nand 4990 more; the digest lists them all.\n"))
        #expect(renderer.html(alert).components(separatedBy: "<li ").count - 1 == 3)
    }
}

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Topics as feeds: `topics/<id>.atom`, valid Atom with the snippets.
@Suite struct TopicFeedTests {
    /// Element names in document order, or nil when the document is not well-formed XML.
    static func elements(_ xml: String) -> [String]? {
        final class Collector: NSObject, XMLParserDelegate {
            var names: [String] = []
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) { names.append(name) }
        }
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = Collector()
        parser.delegate = collector
        return parser.parse() ? collector.names : nil
    }

    @Test func eachTopicHasAValidAtomFeedOfItsStoriesWithSnippets() throws {
        let clock = DigestFixtures.berlin
        let sample = DigestStories.mergeDuplicates(DigestFixtures.sample)
        let topic = sample.sections[0].topic
        let xml = TopicAtomRenderer(clock: clock, topic: topic, feedID: "urn:feedwatch:test").render([sample])
        let names = try #require(Self.elements(xml), "well-formed")
        #expect(names.first == "feed")
        #expect(names.filter { $0 == "entry" }.count == 2, "one entry per story of the topic")
        // Every entry has what Atom requires: id, title, updated.
        for required in ["id", "title", "updated"] { #expect(names.filter { $0 == required }.count == 3) }
        #expect(xml.contains("<summary>Iran&#39;s Revolutionary Guards carried out the test-launch of a nuclear-capable ballistic missile"))
        #expect(xml.contains("&lt;mark&gt;ballistic missile&lt;/mark&gt;"))
        #expect(xml.contains("<id>urn:feedwatch:test:topic:missile-tests:1</id>"))

        // Hostile text stays text; the file name cannot leave the directory.
        let hostile = DigestFixtures.hostile
        let bad = TopicAtomRenderer(clock: clock, topic: hostile.sections[0].topic, feedID: "urn:x").render([hostile])
        #expect(Self.elements(bad) != nil)
        #expect(!bad.contains("<script"))
        #expect(TopicAtomRenderer.fileName(topicID: "../../etc/passwd") == "topics/------etc-passwd.atom")
    }

    @Test func theAtomFormatWritesAFeedPerConfiguredTopic() {
        var settings = DigestPublisher.Settings(directory: "/srv/digests", formats: [.atom])
        settings.topics = [TopicReference(id: "missile-tests", name: "Missile tests"), TopicReference(id: "quiet", name: "Quiet")]
        let publisher = DigestPublisher(settings: settings, clock: DigestFixtures.berlin)
        let edition = DigestEdition(
            digest: DigestFixtures.sample, listed: [DigestSummary(day: DigestFixtures.sample.day, matchCount: 5, created: DigestFixtures.sample.created)])
        let outputs = publisher.outputs(for: edition)
        #expect(outputs.map(\.path) == ["/srv/digests/digests.atom", "/srv/digests/topics/missile-tests.atom", "/srv/digests/topics/quiet.atom"])
        #expect(outputs[1].contents.components(separatedBy: "<entry>").count - 1 == 2)
        #expect(outputs[2].contents.components(separatedBy: "<entry>").count - 1 == 0, "a topic without matches still has its feed")
    }
}

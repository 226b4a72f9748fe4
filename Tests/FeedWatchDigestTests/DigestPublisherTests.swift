import Foundation
import FeedWatchDigest
import FeedWatchModel
import FeedWatchTestSupport
import Testing

/// The digest stage's publisher: which files each format makes, from values alone.
@Suite struct DigestPublisherTests {
    static func publisher(_ formats: [DigestFormat], skipEmpty: Bool = false) -> DigestPublisher {
        DigestPublisher(
            settings: DigestPublisher.Settings(directory: "/srv/digests", formats: formats, skipEmpty: skipEmpty, atomEntries: 2),
            clock: DigestFixtures.berlin)
    }

    static func summary(_ digest: Digest) -> DigestSummary {
        DigestSummary(day: digest.day, matchCount: digest.matchCount, created: digest.created)
    }

    @Test func everyFormatWritesItsFilesAndRendersLikeItsRenderer() {
        let publisher = Self.publisher(DigestFormat.allCases)
        let sample = DigestFixtures.sample
        let edition = DigestEdition(digest: sample, listed: [Self.summary(sample)])
        let outputs = publisher.outputs(for: edition)
        let day = sample.day
        #expect(outputs.map(\.path) == ["\(day).md", "\(day).html", "index.html", "\(day).json", "digests.atom"].map { "/srv/digests/" + $0 })
        #expect(outputs.map(\.format) == [.markdown, .html, .html, .json, .atom])
        let reading = DigestStories.mergeDuplicates(sample)
        #expect(outputs[0].contents == MarkdownDigestRenderer(clock: DigestFixtures.berlin).render(reading))
        #expect(outputs[2].contents == DigestIndexRenderer(clock: DigestFixtures.berlin).render([Self.summary(sample)]))
        for format in DigestFormat.allCases {
            #expect(publisher.path(day: day, format: format) == outputs.first { $0.format == format }?.path)
            #expect(publisher.render(format, edition) == outputs.first { $0.format == format }?.contents)
        }
    }

    /// Publishing writes each file in turn and leaves a file that already holds its text
    /// alone (same inode, same mtime), so a cycle rewrites only the files that changed.
    @Test func publishingAgainRewritesOnlyTheFilesThatChanged() throws {
        let temporary = try TemporaryDirectory(prefix: "fw-publish")
        var settings = DigestPublisher.Settings(directory: temporary.path, formats: DigestFormat.allCases, atomEntries: 2)
        settings.topics = DigestFixtures.sample.sections.map(\.topic)
        let publisher = DigestPublisher(settings: settings, clock: DigestFixtures.berlin)
        let sample = DigestFixtures.sample
        let first = try publisher.publish(DigestEdition(digest: sample, listed: [Self.summary(sample)]))
        #expect(first.map(\.path) == publisher.outputs(for: DigestEdition(digest: sample, listed: [Self.summary(sample)])).map(\.path))
        #expect(first.allSatisfy { !$0.unchanged })
        for file in first {
            #expect(try String(contentsOfFile: file.path, encoding: .utf8).utf8.count == file.byteCount)
        }
        func identity(_ path: String) throws -> [FileAttributeKey: Any] { try FileManager.default.attributesOfItem(atPath: path) }
        let before = try Dictionary(uniqueKeysWithValues: first.map { ($0.path, try identity($0.path)[.systemFileNumber] as? Int) })

        // The same edition again: every file is left as it was.
        let again = try publisher.publish(DigestEdition(digest: sample, listed: [Self.summary(sample)]))
        #expect(again.allSatisfy { $0.unchanged })
        for file in again {
            let inode = try identity(file.path)[.systemFileNumber] as? Int
            #expect(inode == before[file.path] ?? nil)
        }

        // One more story: the day's files, the index and the feeds change, the topic feed of
        // the topic without news does not.
        var grown = sample
        grown.sections[1].items.append(Digest.Item(
            articleID: 9, title: "Treasury adds two shipping firms to its sanctions list", link: "https://example.org/t", feedName: "Wire",
            published: nil, score: 1, snippets: []))
        let third = try publisher.publish(DigestEdition(digest: grown, listed: [Self.summary(grown)]))
        let unchanged = Set(third.filter(\.unchanged).map { ($0.path as NSString).lastPathComponent })
        #expect(unchanged == ["missile-tests.atom"], "\(unchanged)")
        #expect(try String(contentsOfFile: third[0].path, encoding: .utf8).contains("Treasury adds two shipping firms"))
    }

    /// A later publication of the same day leaves the previous day's page out (its "next"
    /// link already points here): it is neither rendered nor written.
    @Test func aDayListedAlreadyLeavesThePreviousPageAlone() throws {
        let temporary = try TemporaryDirectory(prefix: "fw-previous")
        let publisher = DigestPublisher(
            settings: DigestPublisher.Settings(directory: temporary.path, formats: [.html]), clock: DigestFixtures.berlin)
        var previous = DigestFixtures.sample
        previous.day = "2016-03-22"
        let listed = [DigestFixtures.sample, previous].map(Self.summary)
        let edition = DigestEdition(digest: DigestFixtures.sample, listed: listed, stored: [previous.day: previous])
        let names = { (files: [DigestPublisher.WrittenFile]) in files.map { ($0.path as NSString).lastPathComponent } }
        #expect(names(try publisher.publish(edition)) == ["2016-03-23.html", "index.html", "2016-03-22.html"])
        #expect(names(try publisher.publish(edition, rewritingPreviousPage: false)) == ["2016-03-23.html", "index.html"])
    }

    /// Days before the newest are read in their feed form (each topic cut to what a feed can
    /// show, the rest counted): the Atom feed made from it is the one made from the whole day.
    @Test func aDaysFeedFormMakesTheSameAtomEntryAsTheWholeDay() {
        var big = DigestFixtures.sample
        big.day = "2016-03-22"
        big.sections = big.sections.enumerated().map { index, section in
            var section = section
            section.items = (0..<(index == 0 ? 450 : 40)).map { n in
                Digest.Item(
                    articleID: Int64(index * 1000 + n), title: "Story \(n) of topic \(index) about launches and sanctions",
                    link: "https://example.org/\(index)/\(n)", feedName: "Wire \(n % 7)", published: Date(timeIntervalSince1970: 1_458_600_000),
                    score: Double(500 - n), snippets: [DigestFixtures.snippet([("a ", false), ("launch", true)])])
            }
            return section
        }
        let form = DigestStories.feedForm(big, dismissals: [], limit: 200)
        #expect(form.sections.map(\.items.count) == [200, 40])
        #expect(form.sections.map(\.moreCount) == [250, 0])
        #expect(DigestStories.reading(form, dismissals: []) == form, "reading a feed form again changes nothing")
        let atom = AtomDigestRenderer(clock: DigestFixtures.berlin, feedID: "urn:x", baseURL: "https://example.org/d", maxStoriesPerTopic: 15)
        let whole = atom.render([DigestStories.reading(big, dismissals: [])])
        #expect(atom.render([form]) == whole)
        #expect(whole.contains("Digest 2016-03-22: 490 matches in 2 topics"))
        #expect(whole.contains("435 more stories"))
        let topic = TopicAtomRenderer(clock: DigestFixtures.berlin, topic: big.sections[0].topic, feedID: "urn:x")
        #expect(topic.render([form]) == topic.render([DigestStories.reading(big, dismissals: [])]))
    }

    @Test func theAtomFeedReadsTheLatestListedDigestsUpToTheDay() {
        let publisher = Self.publisher([.atom])
        var older = DigestFixtures.hostile
        older.day = "2016-03-20"
        var newer = DigestFixtures.sample
        newer.day = "2016-03-24"
        let today = DigestFixtures.sample
        let listed = [newer, today, older].map(Self.summary)
        #expect(publisher.earlierDays(upTo: today.day, listed: listed) == [older.day])
        let edition = DigestEdition(digest: today, listed: listed, stored: [older.day: older])
        let feed = AtomDigestRenderer(clock: DigestFixtures.berlin, feedID: "urn:feedwatch:" + ContentDigest.hexDigest(of: Array("/srv/digests".utf8)).prefix(16))
            .render([today, older].map(DigestStories.mergeDuplicates))
        #expect(publisher.render(.atom, edition) == feed)
        #expect(Self.publisher([.markdown]).earlierDays(upTo: today.day, listed: listed).isEmpty)
    }

    @Test func emptyDigestsAreSkippedAndUnlistedOnlyWhenConfigured() {
        let empty = Digest(day: "2016-03-21", timeZone: "Europe/Berlin", created: Date(timeIntervalSince1970: 0), sections: [])
        let listed = [DigestFixtures.sample, empty].map(Self.summary)
        #expect(Self.publisher([.html], skipEmpty: true).skips(empty))
        #expect(Self.publisher([.html], skipEmpty: true).listed(listed).map(\.day) == [DigestFixtures.sample.day])
        #expect(!Self.publisher([.html]).skips(empty))
        #expect(Self.publisher([.html]).listed(listed).count == 2)
    }

    @Test func notificationsSayWhatHappenedAndPointCommandsAtTheFirstDailyFile() {
        let publisher = Self.publisher([.atom, .json, .markdown])
        let digest = publisher.notification(.digest, of: DigestFixtures.sample, deliveryID: "feedwatch.7.digest-2016-03-22")
        #expect(digest.event == .digest)
        #expect(digest.subject == "feedwatch digest \(DigestFixtures.sample.day): \(DigestFixtures.sample.matchCount) matches")
        #expect(digest.filePath == "/srv/digests/\(DigestFixtures.sample.day).json")
        #expect(digest.text == PlainTextDigestRenderer(clock: DigestFixtures.berlin).render(DigestStories.mergeDuplicates(DigestFixtures.sample)))
        let alert = publisher.notification(.alert, of: DigestFixtures.sample, deliveryID: "x")
        #expect(alert.subject == "feedwatch alert: Missile tests: \(DigestFixtures.sample.sections[0].items[0].title) (+1 more)")
        #expect(alert.filePath == nil)
        #expect(FeedWatchDigest.Notification.deliveryID(number: 7, key: "digest:2016-03-22") == "feedwatch.7.digest-2016-03-22")
    }

    @Test func formatsAreNamedByConfigurationOrShortName() {
        #expect(DigestFormat(name: "markdown") == .markdown)
        #expect(DigestFormat(name: "md") == .markdown)
        #expect(DigestFormat(name: "atom") == .atom)
        #expect(DigestFormat(name: "xml") == nil)
    }
}

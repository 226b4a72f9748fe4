import FeedWatchModel
import FeedWatchParsing
import Testing

/// The syndication module's update hints, as WordPress writes them into every RSS feed.
@Suite struct SyndicationHintTests {
    func feed(period: String, frequency: String?) throws -> ParsedFeed {
        let frequencyElement = frequency.map { "<sy:updateFrequency>\($0)</sy:updateFrequency>" } ?? ""
        let xml = """
            <?xml version="1.0"?>
            <rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>
            <title>T</title><sy:updatePeriod>\(period)</sy:updatePeriod>\(frequencyElement)
            <item><title>One</title><guid>1</guid></item></channel></rss>
            """
        return try FeedParser.parse(Array(xml.utf8))
    }

    @Test(arguments: [
        ("hourly", "1", 60), ("hourly", "2", 30), ("daily", nil, 1440), ("weekly", "1", 10_080), (" Daily ", "4", 360),
    ] as [(String, String?, Int)])
    func readsPeriodAndFrequency(period: String, frequency: String?, minutes: Int) throws {
        #expect(try feed(period: period, frequency: frequency).updatePeriodMinutes == minutes)
    }

    @Test func ignoresWhatItCannotRead() throws {
        #expect(try feed(period: "fortnightly", frequency: "1").updatePeriodMinutes == nil)
        #expect(try feed(period: "hourly", frequency: "0").updatePeriodMinutes == 60)
    }
}

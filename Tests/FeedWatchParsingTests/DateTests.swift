import Foundation
import Testing
@testable import FeedWatchParsing

/// Date forms seen in real feeds; all become UTC instants. 2016-03-22T09:30:00Z = 1458639000.
@Suite struct DateTests {
    static let rfc822Cases: [(String, TimeInterval)] = [
        ("Tue, 22 Mar 2016 09:30:00 +0000", 1_458_639_000),
        ("Tue, 22 Mar 2016 09:30:00 GMT", 1_458_639_000),
        ("Tue, 22 Mar 2016 09:30:00 UT", 1_458_639_000),
        ("Tue, 22 Mar 2016 09:30:00 Z", 1_458_639_000),
        ("22 Mar 2016 09:30:00 +0000", 1_458_639_000),  // no weekday
        ("Wed, 22 Mar 2016 09:30:00 +0000", 1_458_639_000),  // wrong weekday
        ("Tue, 22 Mar 16 09:30:00 +0000", 1_458_639_000),  // two-digit year
        ("Tue, 22 Mar 2016 09:30 +0000", 1_458_639_000),  // no seconds
        ("Tue, 22 Mar 2016 05:30:00 EDT", 1_458_639_000),
        ("Tue, 22 Mar 2016 04:30:00 EST", 1_458_639_000),
        ("Tue, 22 Mar 2016 02:30:00 PDT", 1_458_639_000),
        ("Tue, 22 Mar 2016 01:30:00 PST", 1_458_639_000),
        ("Tue, 22 Mar 2016 03:30:00 CST", 1_458_639_000),
        ("Tue, 22 Mar 2016 03:30:00 MDT", 1_458_639_000),
        ("Tue, 22 Mar 2016 10:30:00 +01:00", 1_458_639_000),
        ("Tue, 22 Mar 2016 11:00:00 +0130", 1_458_639_000),
        ("Tue, 22 Mar 2016 04:30:00 -0500", 1_458_639_000),
        ("Tue, 22 Mar 2016 09:30:00", 1_458_639_000),  // no zone: UTC
        ("Tuesday, 22 March 2016 09:30:00 GMT", 1_458_639_000),
        ("Tue, 22 Sept 2016 09:30:00 GMT", 1_474_536_600),
        ("Tue, 22-Mar-2016 09:30:00 GMT", 1_458_639_000),
        ("Tue, 22 Mar 2016 09:30:00 +0000 (UTC)", 1_458_639_000),
        ("Mar 22 2016 09:30:00 GMT", 1_458_639_000),
        ("Tue, 22 Mar 2016 08:30:00 A", 1_458_639_000),  // military A = −1 h (RFC 822)
        ("Tue, 22 Mar 2016 10:30:00 N", 1_458_639_000),  // military N = +1 h
        ("Tue, 2 Mar 99 09:30:00 GMT", 920_367_000),  // 1999
    ]

    @Test(arguments: rfc822Cases) func rfc822(_ text: String, _ expected: TimeInterval) {
        #expect(FeedDates.parse(text)?.timeIntervalSince1970 == expected, "\(text)")
    }

    static let isoCases: [(String, TimeInterval)] = [
        ("2016-03-22T09:30:00Z", 1_458_639_000),
        ("2016-03-22T09:30:00.123Z", 1_458_639_000.123),
        ("2016-03-22T10:30:00+01:00", 1_458_639_000),
        ("2016-03-22T10:30:00+0100", 1_458_639_000),
        ("2016-03-22T10:30:00+01", 1_458_639_000),
        ("2016-03-22T04:30:00-05:00", 1_458_639_000),
        ("2016-03-22 09:30:00", 1_458_639_000),
        ("2016-03-22t09:30:00z", 1_458_639_000),
        ("2016-03-22T09:30Z", 1_458_639_000),
        ("2016-03-22", 1_458_604_800),
        ("2016-03", 1_456_790_400),
        ("2016", 1_451_606_400),
        ("20160322T093000Z", 1_458_639_000),
        ("  2016-03-22T09:30:00Z  ", 1_458_639_000),
    ]

    @Test(arguments: isoCases) func iso8601(_ text: String, _ expected: TimeInterval) throws {
        let parsed = try #require(FeedDates.parse(text), "\(text)")
        #expect(abs(parsed.timeIntervalSince1970 - expected) < 0.001, "\(text)")
    }

    @Test(arguments: ["", "soon", "32 Mar 2016 09:30:00 GMT", "2016-13-01", "Tue, 22 Foo 2016 09:30:00", "12:00"])
    func unparseable(_ text: String) {
        #expect(FeedDates.parse(text) == nil, "\(text)")
    }

    @Test func rfc3339OutputIsUTC() {
        #expect(FeedJSONEncoder.rfc3339(Date(timeIntervalSince1970: 1_458_639_000)) == "2016-03-22T09:30:00Z")
        #expect(FeedJSONEncoder.rfc3339(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(FeedJSONEncoder.rfc3339(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
        #expect(FeedJSONEncoder.rfc3339(Date(timeIntervalSince1970: -86_400)) == "1969-12-31T00:00:00Z")
    }
}

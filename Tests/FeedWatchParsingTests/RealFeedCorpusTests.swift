import FeedWatchTestSupport
import Foundation
import Testing
import FeedWatchModel
@testable import FeedWatchParsing

/// Every real-world feed parses without a crash and yields the entries it visibly holds.
@Suite struct RealFeedCorpusTests {
    /// A cheap independent count: `<item` / `<entry` start tags (optionally prefixed, not
    /// `<items>`), outside comments and CDATA sections.
    static func visibleEntryCount(_ text: [UInt8]) -> Int {
        var count = 0
        var index = 0
        func starts(_ literal: String, at position: Int) -> Bool {
            let bytes = Array(literal.utf8)
            return position + bytes.count <= text.count && Array(text[position..<position + bytes.count]) == bytes
        }
        func skip(to terminator: String, from position: Int) -> Int {
            var cursor = position
            while cursor < text.count && !starts(terminator, at: cursor) { cursor += 1 }
            return cursor + terminator.utf8.count
        }
        while index < text.count {
            guard text[index] == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            if starts("<!--", at: index) {
                index = skip(to: "-->", from: index + 4)
                continue
            }
            if starts("<![CDATA[", at: index) {
                index = skip(to: "]]>", from: index + 9)
                continue
            }
            var nameStart = index + 1
            var cursor = nameStart
            while cursor < text.count, cursor - nameStart < 20,
                  (text[cursor] >= 0x61 && text[cursor] <= 0x7A) || (text[cursor] >= 0x30 && text[cursor] <= 0x39) {
                cursor += 1
            }
            if cursor < text.count, text[cursor] == UInt8(ascii: ":") { nameStart = cursor + 1 }
            for name in ["item", "entry"] {
                let end = nameStart + name.utf8.count
                if end < text.count, starts(name, at: nameStart),
                   text[end] == UInt8(ascii: ">") || text[end].isASCIIWhitespace || text[end] == UInt8(ascii: "/") {
                    count += 1
                }
            }
            index += 1
        }
        return count
    }

    /// Files where the visible count is not the number of entries, and why.
    static let exceptions: [String: (entries: Int, reason: String)] = [
        "real-feeds/rome/rome__rome-modules__src__test__resources__xml__ep__ep1_v4a.xml":
            (17, "Simple Sharing Extensions: <sx:conflict> holds an older copy of an item, not an entry"),
        "real-feeds/rome/rome__rome-modules__src__test__resources__xml__ep__ep2_v4a.xml":
            (17, "Simple Sharing Extensions conflict copy"),
        "real-feeds/rome/rome__rome-modules__src__test__resources__xml__v__v4.xml":
            (17, "Simple Sharing Extensions conflict copy"),
        "real-feeds/rome/rome__rome-modules__src__test__resources__xml__v__v5.xml":
            (17, "Simple Sharing Extensions conflict copy"),
        "real-feeds/rome/rome__rome-modules__src__test__resources__xml__v__v6.xml":
            (17, "Simple Sharing Extensions conflict copy"),
    ]

    @Test(.requires(.sharedCorpus)) func everyRealFeedParses() throws {
        try TestRequirement.sharedCorpus.check()
        let files = Corpus.realFeeds()
        #expect(files.count == 173)
        var report: [String] = []
        for file in files {
            let bytes = try Corpus.bytes(file)
            let visible = Self.visibleEntryCount(bytes)
            let expected = Self.exceptions[file]?.entries ?? visible
            do {
                let feed = try FeedParser.parse(bytes)
                if feed.entries.count != expected {
                    report.append("\(file): parsed \(feed.entries.count), expected \(expected) \(feed.warnings.prefix(3))")
                }
                #expect(feed.entries.count == expected, "\(file)")
                #expect(feed.entries.count > 0 || visible == 0, "\(file) yields no entries")
            } catch {
                report.append("\(file): \(error) (visible \(visible))")
                Issue.record("\(file): \(error)")
            }
        }
        if !report.isEmpty { print("corpus mismatches:\n" + report.joined(separator: "\n")) }
    }
}

import Foundation
import FeedWatchDigest
import FeedWatchModel
import Testing

/// The renderers write JSON, escape text and print times by hand, for speed. Each hand-written
/// part is compared here with the plain Foundation way it replaced, on the fixtures and on
/// generated hostile values: the bytes must not change.
@Suite struct RendererEquivalenceTests {
    /// Random text drawn from what feeds send and what breaks encoders: quotes, backslashes,
    /// slashes, every C0 control, DEL, C1 controls, U+FFFE/FFFF, line separators, accents,
    /// Persian, emoji (with a ZWJ sequence), markup and Markdown.
    static func hostileText(_ random: inout some RandomNumberGenerator) -> String {
        let pieces: [String] = [
            "\"", "\\", "/", "\u{0}", "\u{1}", "\u{7}", "\u{8}", "\t", "\n", "\r", "\r\n", "\u{B}", "\u{C}", "\u{1F}", "\u{7F}",
            "\u{80}", "\u{85}", "\u{9F}", "\u{A0}", "\u{FFFE}", "\u{FFFF}", "\u{2028}", "\u{2029}", "é", "ß", "موشک‌ها", "👩‍👩‍👧",
            "\u{202E}", "\u{2066}", "\u{2069}", "\u{200F}", "\u{202A}", "<script>", "&amp;", "'", "`", "*", "_", "[x](y)", "#", "|", "~", ">", " ", "missile", "Sanctions", "1400", "]]>",
        ]
        return (0..<Int.random(in: 0...12, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    static func generatedDigest(seed: UInt64) -> (Digest, DigestContext) {
        var random = SeededRandom(seed: seed)
        func text() -> String { hostileText(&random) }
        func date() -> Date? {
            // Ordinary dates mostly, and the odd one far in the past or future.
            switch Int.random(in: 0..<10, using: &random) {
            case 0: return nil
            case 1: return Date(timeIntervalSince1970: Double(Int64.random(in: -70_000_000_000 ... 260_000_000_000, using: &random)))
            default: return Date(timeIntervalSince1970: Double(Int.random(in: 0...2_000_000_000, using: &random)) + 0.75)
            }
        }
        let sections = (0..<Int.random(in: 0...3, using: &random)).map { index in
            Digest.Section(
                topic: TopicReference(id: "t\(index)" + text(), name: text()),
                items: (0..<Int.random(in: 0...4, using: &random)).map { n in
                    Digest.Item(
                        articleID: Int64(n), title: text(), link: Bool.random(using: &random) ? "https://x.example/" + text() : nil,
                        feedName: text(), published: date(),
                        score: [0, 1, 2.5, 0.001, 1234.5678, 1e-9, 3.0000001, 1e21][Int.random(in: 0..<8, using: &random)],
                        snippets: (0..<Int.random(in: 0...2, using: &random)).map { _ in
                            Snippet(parts: (0..<Int.random(in: 1...3, using: &random)).map { _ in
                                Snippet.Part(text: text(), highlighted: Bool.random(using: &random))
                            })
                        },
                        alsoReportedBy: (0..<Int.random(in: 0...2, using: &random)).map { _ in
                            Digest.Link(feedName: text(), url: Bool.random(using: &random) ? text() : nil,
                                        title: Bool.random(using: &random) ? text() : nil)
                        },
                        storyID: Bool.random(using: &random) ? Int64(n * 7) : nil)
                },
                moreCount: Bool.random(using: &random) ? 0 : Int.random(in: 1...9, using: &random))
        }
        let digest = Digest(
            day: "2026-12-05", timeZone: "Asia/Tehran", created: Date(timeIntervalSince1970: 1_796_400_000), sections: sections)
        let context = DigestContext(
            since: date(),
            health: Bool.random(using: &random) ? nil : DigestHealth(
                failing: [DigestHealth.Failing(feedName: text(), lastSuccess: date(), errorCount: 3, error: text())],
                disabled: [DigestHealth.Disabled(feedName: text(), reason: text())],
                silent: [DigestHealth.Silent(feedName: text(), lastEntry: Date(timeIntervalSince1970: 1_700_000_000), usualGap: 3600.7)],
                pendingMatches: 2, feedCount: 9))
        return (digest, context)
    }

    @Test func theDigestJSONIsByteForByteWhatJSONEncoderWrote() throws {
        let clock = DigestClock(timeZoneIdentifier: "Asia/Tehran")!
        var cases: [(Digest, DigestContext, DigestClock)] = [
            (DigestFixtures.sample, DigestFixtures.sampleContext, DigestFixtures.berlin),
            (DigestFixtures.hostile, DigestFixtures.hostileContext, DigestFixtures.berlin),
            (DigestFixtures.sample, DigestContext(), DigestFixtures.berlin),
        ]
        for seed in 1...300 {
            let (digest, context) = Self.generatedDigest(seed: UInt64(seed))
            cases.append((digest, context, clock))
        }
        for (digest, context, clock) in cases {
            let written = JSONDigestRenderer(clock: clock).render(digest, context: context)
            let encoded = try ReferenceDigestJSON.render(digest, context: context, clock: clock)
            #expect(written == encoded)
            if written != encoded { break }
        }
    }

    @Test func timesArePrintedAsCalendarPrintsThem() {
        var random = SeededRandom(seed: 42)
        let zones = ["UTC", "Europe/Berlin", "Asia/Tehran", "America/St_Johns", "Australia/Lord_Howe", "Pacific/Kiritimati"]
        for zone in zones {
            let clock = DigestClock(timeZoneIdentifier: zone)!
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = clock.timeZone
            for _ in 0..<400 {
                let date = Date(timeIntervalSince1970: Double.random(in: -15_000_000_000 ... 250_000_000_000, using: &random))
                let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
                let expected = String(format: "%04d-%02d-%02d %02d:%02d ", c.year!, c.month!, c.day!, c.hour!, c.minute!)
                    + clock.abbreviation(at: date)
                #expect(clock.displayTime(date) == expected, "\(zone) \(date.timeIntervalSince1970)")
                #expect(clock.day(of: date) == String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!))
            }
        }
    }

    @Test func escapingKeepsWhatTheCharacterByCharacterVersionDid() {
        var random = SeededRandom(seed: 7)
        for _ in 0..<3000 {
            let text = Self.hostileText(&random)
            let page = HTMLDigestRenderer(clock: DigestFixtures.berlin).render(Self.oneItem(title: text))
            #expect(page.contains(">" + Self.referenceEscape(text) + "</h3>"), "\(Array(text.unicodeScalars))")
            let markdown = MarkdownDigestRenderer(clock: DigestFixtures.berlin).render(Self.oneItem(title: text))
            #expect(markdown.contains("### " + Self.referenceMarkdownEscape(text) + "\n"), "\(Array(text.unicodeScalars))")
        }
    }

    static func oneItem(title: String) -> Digest {
        Digest(
            day: "2026-12-05", timeZone: "UTC", created: Date(timeIntervalSince1970: 0),
            sections: [Digest.Section(
                topic: TopicReference(id: "t", name: "T"),
                items: [Digest.Item(articleID: 1, title: title, link: nil, feedName: "F", published: nil, score: 1, snippets: [])])])
    }

    /// The escaping the HTML and XML renderers used before they worked on bytes.
    static func referenceEscape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0xFFFE || v == 0xFFFF { continue }
                if (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) { continue }  // bidi controls
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The Markdown escaping, scalar by scalar (line breaks, CR LF included, become spaces).
    static func referenceMarkdownEscape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "`", "*", "_", "[", "]", "#", "|", "~": out += "\\"; out.unicodeScalars.append(scalar)
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\n", "\r": out += " "
            case "\u{202A}"..."\u{202E}", "\u{2066}"..."\u{2069}": continue  // bidi controls
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// The digest JSON as `JSONEncoder` wrote it before the renderer wrote it by hand: the schema's
/// reference layout.
enum ReferenceDigestJSON {
    static func render(_ digest: Digest, context: DigestContext, clock: DigestClock) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(Document(digest, clock: clock, context: context)), as: UTF8.self) + "\n"
    }

    static func rfc3339(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    struct Document: Encodable {
        var schema = JSONDigestRenderer.schema
        var day: String
        var time_zone: String
        var created: String
        var match_count: Int
        var topics: [TopicJSON]
        var since: String?
        var health: HealthJSON?

        init(_ digest: Digest, clock: DigestClock, context: DigestContext) {
            day = digest.day
            time_zone = digest.timeZone
            created = rfc3339(digest.created)
            match_count = digest.matchCount
            topics = digest.sections.map { TopicJSON($0, clock: clock) }
            since = context.since.map(rfc3339)
            health = context.health.map(HealthJSON.init)
        }
    }

    struct HealthJSON: Encodable {
        struct Failing: Encodable { var source: String, last_success: String?, errors: Int, error: String }
        struct Disabled: Encodable { var source: String, reason: String }
        struct Silent: Encodable { var source: String, last_entry: String, usual_gap_seconds: Int }
        var feeds: Int
        var failing: [Failing]
        var disabled: [Disabled]
        var silent: [Silent]
        var pending_matches: Int

        init(_ health: DigestHealth) {
            feeds = health.feedCount
            failing = health.failing.map {
                Failing(source: $0.feedName, last_success: $0.lastSuccess.map(rfc3339), errors: $0.errorCount, error: $0.error)
            }
            disabled = health.disabled.map { Disabled(source: $0.feedName, reason: $0.reason) }
            silent = health.silent.map { Silent(source: $0.feedName, last_entry: rfc3339($0.lastEntry), usual_gap_seconds: Int($0.usualGap)) }
            pending_matches = health.pendingMatches
        }
    }

    struct TopicJSON: Encodable {
        var id: String
        var name: String
        var items: [ItemJSON]
        var more_count: Int?
        init(_ section: Digest.Section, clock: DigestClock) {
            id = section.topic.id
            name = section.topic.name
            items = section.items.map { ItemJSON($0, clock: clock) }
            more_count = section.moreCount == 0 ? nil : section.moreCount
        }
    }

    struct ItemJSON: Encodable {
        var article_id: Int64
        var title: String
        var link: String?
        var source: String
        var published: String?
        var published_local: String?
        var story_id: Int64?
        var score: Double
        var snippets: [SnippetJSON]
        var also_reported_by: [LinkJSON]

        init(_ item: Digest.Item, clock: DigestClock) {
            article_id = item.articleID
            story_id = item.storyID
            title = item.title
            link = item.link
            source = item.feedName
            published = item.published.map(rfc3339)
            published_local = item.published.map(clock.displayTime)
            score = (item.score * 1000).rounded() / 1000
            snippets = item.snippets.map(SnippetJSON.init)
            also_reported_by = item.alsoReportedBy.map { LinkJSON(source: $0.feedName, link: $0.url, title: $0.title) }
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(article_id, forKey: .article_id)
            try c.encodeIfPresent(story_id, forKey: .story_id)
            try c.encode(title, forKey: .title)
            try c.encode(link, forKey: .link)
            try c.encode(source, forKey: .source)
            try c.encode(published, forKey: .published)
            try c.encode(published_local, forKey: .published_local)
            try c.encode(score, forKey: .score)
            try c.encode(snippets, forKey: .snippets)
            try c.encode(also_reported_by, forKey: .also_reported_by)
        }

        enum CodingKeys: String, CodingKey {
            case article_id, story_id, title, link, source, published, published_local, score, snippets, also_reported_by
        }
    }

    struct SnippetJSON: Encodable {
        var text: String
        var parts: [PartJSON]
        init(_ snippet: Snippet) {
            text = snippet.plainText
            parts = snippet.parts.map { PartJSON(text: $0.text, highlighted: $0.highlighted) }
        }
    }

    struct PartJSON: Encodable {
        var text: String
        var highlighted: Bool
    }

    struct LinkJSON: Encodable {
        var source: String
        var link: String?
        var title: String?
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(source, forKey: .source)
            try c.encode(link, forKey: .link)
            try c.encodeIfPresent(title, forKey: .title)
        }
        enum CodingKeys: String, CodingKey { case source, link, title }
    }
}

/// A small deterministic generator (SplitMix64), so a failure names a seed that reproduces it.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

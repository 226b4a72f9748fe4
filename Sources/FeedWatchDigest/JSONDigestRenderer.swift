import Foundation
public import FeedWatchModel

/// Renders a digest as JSON (`YYYY-MM-DD.json`), schema `feedwatch-digest/1`, documented in
/// `docs/digest-json.md`. Keys are sorted and the layout fixed, so the same digest always
/// gives the same bytes.
public struct JSONDigestRenderer: Sendable {
    /// The value of the document's `schema` key; bumped only for incompatible changes.
    public static let schema = "feedwatch-digest/1"

    public let clock: DigestClock

    public init(clock: DigestClock) { self.clock = clock }

    /// The digest as a JSON document, with what `context` adds (period, health).
    public func render(_ digest: Digest, context: DigestContext = DigestContext()) -> String {
        let out = DigestOutput()
        steps(context: context, to: out, flushAfter: Self.estimatedBytes(digest)).drive(digest)
        return out.contents
    }

    /// `render(_:context:)` written to `out`, handed over whenever `flushAfter` bytes are
    /// pending (between stories), so the document is never held whole.
    public func render(_ digest: Digest, context: DigestContext = DigestContext(), to out: DigestOutput, flushAfter: Int = 32 * 1024) {
        steps(context: context, to: out, flushAfter: flushAfter).drive(digest)
    }

    /// The document written as the day's stories go by (`DigestSteps`), handed to `out`
    /// whenever `flushAfter` bytes are pending.
    func steps(context: DigestContext, to out: DigestOutput, flushAfter: Int = 32 * 1024) -> some DigestSteps {
        Steps(renderer: self, context: context, out: out, flushAfter: flushAfter)
    }

    /// A first guess at the document's size, so the buffer grows once or twice, not forty times.
    static func estimatedBytes(_ digest: Digest) -> Int {
        var bytes = 1024
        for section in digest.sections {
            for item in section.items {
                bytes += 600 + item.title.utf8.count + (item.link?.utf8.count ?? 0)
                for snippet in item.snippets { for part in snippet.parts { bytes += 2 * part.text.utf8.count + 80 } }
                bytes += item.alsoReportedBy.count * 160
            }
        }
        return bytes
    }

    // The document is written key by key in sorted order, in the layout Foundation's
    // `JSONEncoder` gives with `.sortedKeys, .prettyPrinted, .withoutEscapingSlashes` (the
    // layout the schema was published in; a test compares both byte for byte). Writing it
    // directly is several times faster than encoding a tree of `Encodable` values, which for
    // a day of 40,000 matches was a tenth of a cold cycle.

    private final class Steps: DigestSteps {
        let renderer: JSONDigestRenderer
        let context: DigestContext
        let out: DigestOutput
        let flushAfter: Int
        let json: PrettyJSON
        var outline = DigestOutline(day: "", timeZone: "", created: Date(timeIntervalSince1970: 0), sections: [])

        init(renderer: JSONDigestRenderer, context: DigestContext, out: DigestOutput, flushAfter: Int) {
            self.renderer = renderer
            self.context = context
            self.out = out
            self.flushAfter = flushAfter
            json = PrettyJSON(capacity: flushAfter + 4096)
        }

        func begin(_ outline: DigestOutline) {
            self.outline = outline
            json.openObject()
            json.key("created"); json.string(DigestMarkup.rfc3339(outline.created))
            json.key("day"); json.string(outline.day)
            if let health = context.health { json.key("health"); renderer.write(health, into: json) }
            json.key("match_count"); json.int(outline.matchCount)
            json.key("schema"); json.string(JSONDigestRenderer.schema)
            if let since = context.since { json.key("since"); json.string(DigestMarkup.rfc3339(since)) }
            json.key("time_zone"); json.string(outline.timeZone)
            json.key("topics")
            json.openArray()
        }

        func beginSection(_ index: Int) {
            json.element()
            json.openObject()
            json.key("id"); json.string(outline.sections[index].topic.id)
            json.key("items")
            json.openArray()
        }

        func story(_ story: DigestStory, at position: Int) {
            json.element()
            renderer.write(story.item, into: json, flushing: (out, flushAfter))
            if json.byteCount >= flushAfter { json.flush(to: out) }
        }

        func endSection(_ index: Int) {
            let section = outline.sections[index]
            json.close("]")
            if section.moreCount != 0 { json.key("more_count"); json.int(section.moreCount) }
            json.key("name"); json.string(section.topic.name)
            json.close("}")
        }

        func end() {
            json.close("]")
            json.close("}")
            json.raw("\n")
            json.flush(to: out)
        }
    }

    /// The health report: feeds failing, disabled and silent, matches waiting.
    private func write(_ health: DigestHealth, into json: PrettyJSON) {
        json.openObject()
        json.key("disabled")
        json.openArray()
        for feed in health.disabled {
            json.element()
            json.openObject()
            json.key("reason"); json.string(feed.reason)
            json.key("source"); json.string(feed.feedName)
            json.close("}")
        }
        json.close("]")
        json.key("failing")
        json.openArray()
        for feed in health.failing {
            json.element()
            json.openObject()
            json.key("error"); json.string(feed.error)
            json.key("errors"); json.int(feed.errorCount)
            if let last = feed.lastSuccess { json.key("last_success"); json.string(DigestMarkup.rfc3339(last)) }
            json.key("source"); json.string(feed.feedName)
            json.close("}")
        }
        json.close("]")
        json.key("feeds"); json.int(health.feedCount)
        json.key("pending_matches"); json.int(health.pendingMatches)
        json.key("silent")
        json.openArray()
        for feed in health.silent {
            json.element()
            json.openObject()
            json.key("last_entry"); json.string(DigestMarkup.rfc3339(feed.lastEntry))
            json.key("source"); json.string(feed.feedName)
            json.key("usual_gap_seconds"); json.int(Int(feed.usualGap))
            json.close("}")
        }
        json.close("]")
        json.close("}")
    }

    /// One story; absent values are written as null rather than left out (except `story_id`).
    private func write(_ item: Digest.Item, into json: PrettyJSON, flushing: (DigestOutput, Int)?) {
        json.openObject()
        json.key("also_reported_by")
        json.openArray()
        for link in item.alsoReportedBy {
            json.element()
            json.openObject()
            json.key("link"); json.optionalString(link.url)
            json.key("source"); json.string(link.feedName)
            if let title = link.title { json.key("title"); json.string(title) }
            json.close("}")
            // A story carried by a thousand feeds is handed over a few links at a time.
            if let (out, limit) = flushing, json.byteCount >= limit { json.flush(to: out) }
        }
        json.close("]")
        if item.alsoReportedMore > 0 { json.key("also_reported_more"); json.int(item.alsoReportedMore) }
        json.key("article_id"); json.int(item.articleID)
        json.key("link"); json.optionalString(item.link)
        json.key("published"); json.optionalString(item.published.map(DigestMarkup.rfc3339))
        json.key("published_local"); json.optionalString(item.published.map(clock.displayTime))
        // Rounded so the text does not depend on how a platform prints binary fractions.
        json.key("score"); json.double((item.score * 1000).rounded() / 1000)
        json.key("snippets")
        json.openArray()
        for snippet in item.snippets {
            json.element()
            json.openObject()
            json.key("parts")
            json.openArray()
            for part in snippet.parts {
                json.element()
                json.openObject()
                json.key("highlighted"); json.bool(part.highlighted)
                json.key("text"); json.string(part.text)
                json.close("}")
            }
            json.close("]")
            json.key("text"); json.joinedString(snippet.parts.lazy.map(\.text))
            json.close("}")
        }
        json.close("]")
        json.key("source"); json.string(item.feedName)
        if let story = item.storyID { json.key("story_id"); json.int(story) }
        json.key("title"); json.string(item.title)
        json.close("}")
    }
}

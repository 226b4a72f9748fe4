import Foundation
import FeedWatchModel

/// A format a digest is written in, and the one place that says which renderers make its files.
///
/// Adding a format is a new case here plus its renderer (a `DigestRenderer`): the daemon, the
/// configuration and the command line list the cases and never switch over them.
public enum DigestFormat: String, Sendable, Hashable, CaseIterable {
    /// `YYYY-MM-DD.md`.
    case markdown
    /// `YYYY-MM-DD.html` and `index.html`.
    case html
    /// `YYYY-MM-DD.json`.
    case json
    /// `digests.atom`, the latest digests as a feed, and `topics/<id>.atom` per topic.
    case atom

    /// The file extension of this format.
    public var fileExtension: String {
        switch self {
        case .markdown: return "md"
        case .html: return "html"
        case .json: return "json"
        case .atom: return "atom"
        }
    }

    /// Whether each day has a file of its own in this format (a command notifier gets the
    /// first such file); `atom` is one feed across days.
    public var isDaily: Bool { self != .atom }

    /// The short name the command line shows (`md`, `html`, `json`, `atom`).
    public var shortName: String { fileExtension }

    /// The format called `name`: its configuration name (`markdown`) or its short name (`md`).
    public init?(name: String) {
        guard let format = Self(rawValue: name) ?? Self.allCases.first(where: { $0.shortName == name }) else { return nil }
        self = format
    }

    /// The renderers of this format's files, the day's own file first.
    func renderers(_ context: DigestRenderContext) -> [any DigestRenderer] {
        switch self {
        case .markdown:
            return [MarkdownDigestRenderer(
                clock: context.dayClock, maxStoriesPerTopic: context.settings.maxStoriesPerTopic,
                linksHTML: context.settings.formats.contains(.html))]
        case .html:
            return [HTMLDigestRenderer(clock: context.dayClock, foldAfter: context.settings.maxStoriesPerTopic),
                    DigestIndexRenderer(clock: context.clock, linksAtomFeed: context.settings.formats.contains(.atom))]
        case .json: return [JSONDigestRenderer(clock: context.dayClock)]
        case .atom:
            let settings = context.settings
            var renderers: [any DigestRenderer] = [
                AtomDigestRenderer(
                    clock: context.clock, feedID: settings.feedID, baseURL: settings.baseURL, entries: settings.atomEntries,
                    maxStoriesPerTopic: settings.maxStoriesPerTopic, linksHTML: settings.formats.contains(.html))
            ]
            for topic in settings.topics {
                renderers.append(TopicAtomRenderer(
                    clock: context.clock, topic: topic, feedID: settings.feedID, baseURL: settings.baseURL, entries: settings.atomEntries))
            }
            return renderers
        }
    }
}

/// What building a format's renderers takes: the publishing settings and the two clocks.
struct DigestRenderContext: Sendable {
    var settings: DigestPublisher.Settings
    /// The digest time zone of the configuration: lists and feeds across days.
    var clock: DigestClock
    /// The time zone the digest being rendered was made in: the pages of one day.
    var dayClock: DigestClock
}

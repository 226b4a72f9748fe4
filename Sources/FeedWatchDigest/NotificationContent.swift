import Foundation
public import FeedWatchModel

/// What a message says, whatever shows it: a title, one summary line, the stories and a link
/// to the whole. Every webhook format renders from this value only, so a digest, an alert or
/// any later event shape (several stories per alert, say) renders without a change there.
public struct NotificationContent: Sendable, Hashable {
    /// One story of the message.
    public struct Item: Sendable, Hashable {
        /// The headline.
        public var title: String
        /// Where to read it.
        public var link: String?
        /// The name of the topic it matched.
        public var topic: String
        /// The feed it came from.
        public var source: String
        /// The evidence, as plain text; nil when there is none.
        public var snippet: String?

        public init(title: String, link: String?, topic: String, source: String, snippet: String? = nil) {
            self.title = title
            self.link = link
            self.topic = topic
            self.source = source
            self.snippet = snippet
        }
    }

    /// One line: the notification's subject.
    public var title: String
    /// One line saying what the message holds ("3 matches in 2 topics: Sanctions, Missile tests").
    public var summary: String
    /// The stories, most relevant first within each topic.
    public var items: [Item]
    /// Where the whole message can be read (the digest page under `base_url`), if anywhere.
    public var link: String?

    public init(title: String, summary: String, items: [Item], link: String? = nil) {
        self.title = title
        self.summary = summary
        self.items = items
        self.link = link
    }

    /// The content of `digest` (a day's digest or an alert's frozen one), titled `title`.
    public init(digest: Digest, event: NotifierEvent, title: String, link: String?) {
        let topics = digest.sections.filter { !$0.items.isEmpty }.map(\.topic.name)
        let count = digest.matchCount
        let matches = "\(count) \(count == 1 ? "match" : "matches")"
        let summary: String
        switch event {
        case .digest:
            summary = topics.isEmpty
                ? "Digest \(digest.day): no matches"
                : "Digest \(digest.day): \(matches) in \(topics.count) \(topics.count == 1 ? "topic" : "topics"): \(topics.joined(separator: ", "))"
        case .alert:
            summary = "Alert for \(topics.joined(separator: ", ")): \(count == 1 ? "a new match" : "\(matches), new")"
        }
        let items = digest.sections.flatMap { section in
            section.items.map { item in
                Item(
                    title: item.title.isEmpty ? "(untitled)" : item.title, link: item.link, topic: section.topic.name,
                    source: item.feedName, snippet: item.snippets.first.map(\.plainText))
            }
        }
        self.init(title: title, summary: summary, items: items, link: link)
    }
}

/// A subject template: text with the fields `{topic}`, `{count}`, `{date}` and `{title}`
/// (`{{` and `}}` are literal braces), checked when the configuration is read.
public struct TitleTemplate: Sendable, Hashable, CustomStringConvertible {
    /// The fields a template may use.
    public static let fields = ["topic", "count", "date", "title"]

    private enum Piece: Sendable, Hashable {
        case text(String)
        case field(String)
    }

    private let pieces: [Piece]
    /// The template as written.
    public let description: String

    /// Parses `text`; the error names the first problem in plain words.
    public init(_ text: String) throws(TitleTemplateError) {
        var pieces: [Piece] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if character == "{" {
                if next < text.endIndex, text[next] == "{" {
                    literal.append("{")
                    index = text.index(after: next)
                    continue
                }
                guard let close = text[next...].firstIndex(of: "}") else {
                    throw TitleTemplateError("a { without a closing } (write {{ for a brace)")
                }
                let name = String(text[next..<close])
                guard Self.fields.contains(name) else {
                    throw TitleTemplateError("unknown field {\(name)} (available: \(Self.fields.map { "{\($0)}" }.joined(separator: ", ")))")
                }
                if !literal.isEmpty { pieces.append(.text(literal)) }
                literal = ""
                pieces.append(.field(name))
                index = text.index(after: close)
            } else if character == "}" {
                guard next < text.endIndex, text[next] == "}" else { throw TitleTemplateError("a } without an opening { (write }} for a brace)") }
                literal.append("}")
                index = text.index(after: next)
            } else {
                literal.append(character)
                index = next
            }
        }
        if !literal.isEmpty { pieces.append(.text(literal)) }
        guard !pieces.isEmpty else { throw TitleTemplateError("is empty") }
        self.pieces = pieces
        self.description = text
    }

    /// The title for these values, on one line.
    public func render(topic: String, count: Int, date: String, title: String) -> String {
        let values = ["topic": topic, "count": "\(count)", "date": date, "title": title]
        let text = pieces.map { piece -> String in
            switch piece {
            case .text(let text): text
            case .field(let name): values[name] ?? ""
            }
        }.joined()
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

/// Why a title template is refused.
public struct TitleTemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What one notifier receives of a message: only its topics (nil: all) and its own title.
public struct NotificationRoute: Sendable, Hashable {
    /// Topic ids; nil takes every topic.
    public var topics: Set<String>?
    /// The subject template; nil keeps feedwatch's own subjects.
    public var title: TitleTemplate?

    public init(topics: Set<String>? = nil, title: TitleTemplate? = nil) {
        self.topics = topics
        self.title = title
    }

    /// Every topic, the default subjects.
    public static let all = NotificationRoute()

    /// `digest` with only the sections of this route's topics.
    public func filter(_ digest: Digest) -> Digest {
        guard let topics else { return digest }
        var filtered = digest
        filtered.sections = digest.sections.filter { topics.contains($0.topic.id) }
        return filtered
    }

    /// Whether a message about these topic ids is for this route.
    public func takes(topicIDs: some Sequence<String>) -> Bool {
        guard let topics else { return true }
        return topicIDs.contains(where: topics.contains)
    }
}

import ArgumentParser
import Foundation
import FeedWatchDaemon
import FeedWatchMatching
import FeedWatchModel
import FeedWatchParsing
import Logging

struct MatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Match topics against feeds, HTML pages or text files, and explain each match.",
        discussion: """
            Each FILE may be a feed (every entry is matched), an HTML page (its text) or a plain \
            text file (the first line is the title). Topics come from the configuration, or from \
            --topic 'ID=QUERY' (repeatable), which replaces them. Prints topic, title, score and \
            the snippets with the matched words in «…»; --json prints one JSON object per match.
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("The configuration file whose topics to use.", valueName: "path"))
    var config: String = ConfigurationLoader.defaultPath

    @Option(name: .long, help: ArgumentHelp("A topic as ID=QUERY; replaces the configured topics.", valueName: "id=query"))
    var topic: [String] = []

    @Flag(help: "Print one JSON object per (article, topic) match.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: String = "warning"

    @Argument(help: ArgumentHelp("Feeds, HTML pages or text files.", valueName: "file"))
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one FILE to match") }
        guard Logger.Level(rawValue: logLevel.lowercased()) != nil else {
            throw ValidationError("unknown log level \"\(logLevel)\" (use trace, debug, info, notice, warning, error or critical)")
        }
    }

    func run() async throws {
        // The level applies to everything logged on the way (fetching a URL, the matcher).
        let level = Logger.Level(rawValue: logLevel.lowercased()) ?? .warning
        LoggingSystem.bootstrap { label in FeedWatchLogHandler(label: label, level: level) }
        let topics = try loadTopics()
        let matcher: TopicMatcher
        do {
            matcher = try TopicMatcher(topics: topics)
        } catch {
            Terminal.error(error.description)
            throw ExitStatus.usage.error
        }
        for file in files {
            let loaded = try await DocumentLoader.load(file, configPath: config)
            for document in Self.documents(from: loaded) {
                for hit in matcher.matches(MatchDocument(title: document.title, body: document.body, language: document.language)) {
                    if json {
                        print(MatchJSON.line(hit: hit, title: document.title, link: document.link, source: file))
                    } else {
                        print("\(hit.topicID)  \(String(format: "%.2f", hit.score))  \(document.title)")
                        if let link = document.link { print("    \(link)") }
                        for snippet in hit.snippets { print("    \(snippet.markedText)") }
                    }
                }
            }
        }
    }

    func loadTopics() throws -> [Topic] {
        if topic.isEmpty {
            return try ConfigOptions.load(path: config).topics
        }
        return try topic.map { spec in
            guard let eq = spec.firstIndex(of: "="), eq != spec.startIndex else {
                throw ValidationError("--topic takes ID=QUERY, got \(spec)")
            }
            let id = String(spec[..<eq])
            return Topic(id: id, name: id, query: String(spec[spec.index(after: eq)...]))
        }
    }

    struct Document {
        var title: String
        var link: String?
        var body: String
        /// The language the feed declares for the entry (nil for pages and text files).
        var language: String? = nil
    }

    /// A feed gives one document per entry; anything else is one document.
    static func documents(from loaded: DocumentLoader.Loaded) -> [Document] {
        if let feed = try? FeedParser.parse(loaded.bytes, documentURL: loaded.url, httpContentType: loaded.contentType) {
            return feed.entries.map {
                Document(title: $0.title ?? "", link: $0.link, body: $0.bodyText, language: LanguageTag.normalised($0.language))
            }
        }
        let text = String(decoding: loaded.bytes, as: UTF8.self)
        let head = text.prefix(2048).lowercased()
        if head.contains("<html") || head.contains("<!doctype html") || head.contains("<body") || head.contains("<p>") {
            let title = Self.htmlTitle(text) ?? ""
            return [Document(title: title, link: nil, body: HTMLText.plainText(fromHTML: text))]
        }
        let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        let title = lines.first.map { String($0).trimmingASCIIWhitespace() } ?? ""
        let body = lines.count > 1 ? String(lines[1]) : ""
        return [Document(title: title, link: nil, body: body)]
    }

    static func htmlTitle(_ html: String) -> String? {
        guard let start = html.range(of: "<title", options: .caseInsensitive),
              let open = html[start.upperBound...].firstIndex(of: ">"),
              let end = html.range(of: "</title>", options: .caseInsensitive, range: open..<html.endIndex)
        else { return nil }
        return HTMLText.plainText(fromHTML: String(html[html.index(after: open)..<end.lowerBound]))
    }
}

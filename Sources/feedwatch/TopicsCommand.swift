import ArgumentParser
import Foundation
import FeedWatchDaemon
import FeedWatchDigest
import FeedWatchStore
import FeedWatchMatching
import FeedWatchModel

struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Work with topics: list them, or backtest one over stored articles.",
        subcommands: [List.self, Test.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the configured topics and their queries.",
            discussion: "--json prints one object (schema: docs/schemas/topics-list.json).")

        @OptionGroup var options: ConfigOptions

        @Flag(help: "Print the list as one JSON object.")
        var json = false

        func run() throws {
            let configuration = try options.load()
            if json {
                let alerts = Set(configuration.digest.alertTopicIDs)
                try Terminal.printJSON(["topics": configuration.topics.map { topic -> [String: Any] in
                    [
                        "id": topic.id, "name": topic.name, "query": topic.query, "languages": topic.languages,
                        "feeds": topic.feeds, "tags": topic.tags, "min_score": topic.minScore, "alert": alerts.contains(topic.id),
                        "notifiers": configuration.digest.notifiers.filter { $0.route.takes(topicIDs: [topic.id]) }.map(\.name),
                    ]
                }])
                return
            }
            let rows = configuration.topics.map { [$0.id, $0.name, $0.languages.joined(separator: ","), $0.query] }
            print(Terminal.table(["ID", "NAME", "LANGUAGES", "QUERY"], rows))
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Run one topic over the stored articles and list what it would have flagged.",
            discussion: """
                Matches the topic against every article discovered in the last --since (default \
                30d), newest first, and prints each hit with its score and snippets, so a query \
                can be tuned before the next digest. --query tries a different query for the \
                topic without editing the configuration. Nothing is stored. Each stored article is \
                analysed in the language its feed declared, as the daemon does. --text shows instead how \
                the topic's query words and a trial text are analysed (the tokens each side produced, \
                with the keys they meet on) and whether the text matches; --language analyses the text \
                as an article its feed declares in that language (e.g. fa or ar).
                """)

        @OptionGroup var options: ConfigOptions

        @Argument(help: ArgumentHelp("The topic's id.", valueName: "id"))
        var id: String

        @Option(help: ArgumentHelp("How far back to look, e.g. 7d or 12h.", valueName: "duration"))
        var since: String = "30d"

        @Option(help: ArgumentHelp("A query to try instead of the configured one.", valueName: "query"))
        var query: String?

        @Option(help: ArgumentHelp("A trial text to analyse and match instead of the stored articles.", valueName: "text"))
        var text: String?

        @Option(help: ArgumentHelp(
            "With --text: the language the text's feed declares (e.g. fa, ar, de-AT).", valueName: "language"))
        var language: String?

        @Option(help: "Stored articles to look at, at most.")
        var limit: Int = 100_000

        func run() async throws {
            guard let span = TimeSpan(parsing: since) else {
                throw ValidationError("--since takes a duration such as 7d, 12h or 30m, not \(since)")
            }
            // A trial text needs only the configuration, not the store.
            let configuration = try options.load()
            guard var topic = configuration.topics.first(where: { $0.id == id }) else {
                Terminal.error("feedwatch topics test: no topic has id \(id) (configured: \(configuration.topics.map(\.id).joined(separator: ", ")))")
                throw ExitStatus.usage.error
            }
            if let query { topic.query = query }
            let matcher: TopicMatcher
            do {
                matcher = try TopicMatcher(topics: [topic])
            } catch {
                Terminal.error(error.description)
                throw ExitStatus.usage.error
            }
            if let text {
                printAnalysis(matcher, topicID: topic.id, text: text, language: language.map { LanguageTag.normalised($0) ?? $0 })
                return
            }
            if language != nil {
                throw ValidationError("--language applies to a trial --text; stored articles use the language their feed declared")
            }
            let runtime = try await options.runtime(.readOnly)
            let articles = try await runtime.store.articles(since: Date().addingTimeInterval(-span.timeInterval), limit: limit)
            let feeds = Dictionary(try await runtime.store.activeFeeds().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            var hits = 0
            let progress = CountProgress(total: articles.count, what: "articles", enabled: Terminal.stderrIsTerminal)
            for article in articles {
                progress.step()
                let feed = feeds[article.feedID]
                for hit in matcher.matches(MatchDocument(article), feedURL: feed?.url, feedTags: feed?.tags ?? []) {
                    hits += 1
                    progress.clear()
                    print("\(String(format: "%.2f", hit.score))  \(article.title)")
                    print("    \(feed?.displayName ?? "feed \(article.feedID)") · \(Terminal.rfc3339(article.published ?? article.discovered))")
                    if let link = article.link { print("    \(link)") }
                    for snippet in hit.snippets { print("    \(snippet.markedText)") }
                }
            }
            progress.done()
            print("\(topic.id): \(hits) of \(articles.count) stored articles from the last \(span) match")
            let dismissed = try await runtime.store.dismissals().filter { $0.topicID == topic.id || $0.topicID == Dismissal.everyTopic }
            if !dismissed.isEmpty {
                print("dismissed from \(topic.id) (left out of its digests and alerts made since):")
                for dismissal in dismissed {
                    let scope = dismissal.topicID == Dismissal.everyTopic ? " (every topic)" : ""
                    print("    story \(dismissal.storyID)  \(Terminal.rfc3339(dismissal.created))  \(dismissal.title)\(scope)")
                }
            }
        }

        /// Prints the tokens of the query and of the trial text, one word a line, then the match.
        private func printAnalysis(_ matcher: TopicMatcher, topicID: String, text: String, language: String?) {
            guard let analysis = matcher.analysis(ofTopic: topicID, text: text, language: language) else { return }
            func rows(_ words: [AnalysedWord]) -> [[String]] {
                words.map { [$0.written, $0.folded + ($0.isJoined ? " (joined)" : ""), $0.keys.joined(separator: " ")] }
            }
            print("query tokens:")
            print(Terminal.table(["WRITTEN", "FOLDED", "KEYS"], rows(analysis.query)))
            print("text tokens:")
            print(Terminal.table(["WRITTEN", "FOLDED", "KEYS"], rows(analysis.text)))
            let hits = matcher.matches(MatchDocument(title: "", body: text, language: language))
            if let hit = hits.first {
                print("\(topicID): matches, score \(String(format: "%.2f", hit.score))")
                for snippet in hit.snippets { print("    \(snippet.markedText)") }
            } else {
                print("\(topicID): no match")
            }
        }
    }
}

/// "[1200/50000 articles]" on standard error while a long loop runs, only on a terminal and
/// only once the loop has taken a while; redrawn at most ten times a second.
final class CountProgress {
    private let total: Int
    private let what: String
    private let enabled: Bool
    private let started = Date()
    private var count = 0
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(total: Int, what: String, enabled: Bool) {
        self.total = total
        self.what = what
        self.enabled = enabled
    }

    func step() {
        count += 1
        guard enabled, count % 64 == 0 || count == total else { return }
        let now = Date()
        guard now.timeIntervalSince(started) >= FetchProgress.delay, now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        drawn = true
        FileHandle.standardError.write(Data("\r\u{1B}[K[\(count)/\(total) \(what)]".utf8))
    }

    /// Erases the line before something else is printed; the next step draws it again.
    func clear() {
        guard drawn else { return }
        drawn = false
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    func done() { clear() }
}

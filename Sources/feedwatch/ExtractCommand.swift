import ArgumentParser
import Foundation
import FeedWatchDaemon
import FeedWatchParsing

struct ExtractCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extract the article from one web page (URL or file) and show what feedwatch finds.",
        discussion: """
            Runs the full-text extraction the daemon uses for feeds with full_text = "always" or \
            "candidates": title, byline, publication time, canonical URL, language and the clean \
            article text with paragraph breaks. --json prints the same as one JSON object. Exit \
            status 3 with the reason when the page cannot be fetched, is not HTML, too large, or \
            holds no article.
            """)

    @Argument(help: ArgumentHelp("An http(s) URL, or an HTML file.", valueName: "url-or-file"))
    var source: String

    @Flag(help: "Print the extraction as JSON.")
    var json = false

    @Option(help: "Refuse pages larger than this many bytes.")
    var maxBytes: Int = ExtractionLimits().maxInputBytes

    @Option(name: .shortAndLong, help: ArgumentHelp("The configuration whose [fetch] settings fetch a URL.", valueName: "path"))
    var config: String = ConfigurationLoader.defaultPath

    func run() async throws {
        let loaded = try await DocumentLoader.load(source, configPath: config)
        let article: ExtractedArticle
        do {
            article = try ArticleExtractor.extract(
                loaded.bytes, url: loaded.url, contentType: loaded.contentType, limits: ExtractionLimits(maxInputBytes: maxBytes))
        } catch {
            Terminal.error("\(source): \(error.message)")
            throw ExitStatus.remote.error
        }
        if json {
            var object: [String: Any] = ["text": article.text, "truncated": article.truncated]
            if let v = article.title { object["title"] = v }
            if let v = article.byline { object["byline"] = v }
            if let v = article.published { object["published"] = Terminal.rfc3339(v) }
            if let v = article.canonicalURL { object["canonical_url"] = v }
            if let v = article.language { object["language"] = v }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("title:      \(article.title ?? "-")")
        print("byline:     \(article.byline ?? "-")")
        print("published:  \(article.published.map { Terminal.rfc3339($0) } ?? "-")")
        print("canonical:  \(article.canonicalURL ?? "-")")
        print("language:   \(article.language ?? "-")")
        print("words:      \(article.text.split(whereSeparator: { $0.isWhitespace }).count)\(article.truncated ? " (truncated)" : "")")
        print("")
        print(article.text)
    }
}

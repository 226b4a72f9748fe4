import ArgumentParser
import Foundation
import FeedWatchDaemon
import FeedWatchFetching
import FeedWatchModel
import FeedWatchParsing
import FeedWatchStore

struct FeedsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feeds",
        abstract: "List, add, remove, import and export the feeds feedwatch watches.",
        discussion: """
            add, remove and import edit the [[feed]] tables of the configuration file in place \
            (comments and layout are kept) and validate the whole file before saving. A running \
            daemon picks the change up on its next reload (systemctl reload feedwatch). enable \
            and disable change only the stored state: a feed disabled by 410 Gone or by hand is \
            fetched again from the next cycle, no reload needed.
            """,
        subcommands: [List.self, Add.self, Remove.self, Enable.self, Disable.self, Import.self, Export.self])

    /// Printed after the configuration file changed.
    static let reloadReminder = "a running feedwatch applies this on reload: sudo systemctl reload feedwatch"

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List configured feeds with their interval, tags and stored article count.",
            discussion: "--json prints one object (schema: docs/schemas/feeds-list.json).")

        @OptionGroup var options: ConfigOptions

        @Flag(help: "Print the list as one JSON object.")
        var json = false

        func run() async throws {
            // Read-only: the configured feeds, with what the store knows of them. Syncing the
            // feed list is the daemon's job (a synced feed is claimed by every daemon sharing
            // the database, configured there or not).
            let configuration = try options.load()
            let statuses: [FeedStatus]
            if FeedsCommand.hasDatabase(configuration) {
                let runtime = try await options.runtime(.readOnly)
                statuses = try await runtime.store.feedStatuses()
            } else {
                statuses = []
            }
            let stored = Dictionary(statuses.map { ($0.feed.url, $0) }, uniquingKeysWith: { a, _ in a })
            if json {
                try Terminal.printJSON(["feeds": configuration.feeds.map { source -> [String: Any] in
                    let status = stored[source.url]
                    return [
                        "name": status?.feed.displayName ?? source.name ?? LogRedaction.url(source.url), "url": LogRedaction.url(source.url),
                        "interval_seconds": Int(configuration.interval(for: source).timeInterval), "tags": source.tags,
                        "articles": status.map { $0.articleCount as Any } ?? NSNull(),
                        "disabled_reason": status?.state.disabledReason.map { $0 as Any } ?? NSNull(),
                    ]
                }])
                return
            }
            let rows = configuration.feeds.map { source in
                [stored[source.url]?.feed.displayName ?? source.name ?? source.url, source.url,
                 configuration.interval(for: source).description, source.tags.joined(separator: ","),
                 stored[source.url].map { "\($0.articleCount)" } ?? "-"]
            }
            print(Terminal.table(["NAME", "URL", "INTERVAL", "TAGS", "ARTICLES"], rows))
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a feed; given a web page, add the feed it advertises.",
            discussion: """
                Fetches URL first. If it is a feed, it is added. If it is an HTML page that \
                advertises feeds (<link rel="alternate">), the first advertised feed is checked \
                and added, and the others are listed.
                """)

        @OptionGroup var options: ConfigOptions

        @Argument(help: ArgumentHelp("The feed's or the web page's URL.", valueName: "url"))
        var url: String

        @Option(help: "A display name.")
        var name: String?

        @Option(help: "A tag (repeatable).")
        var tag: [String] = []

        func run() async throws {
            let configuration = try options.load()
            if let reason = FeedURLRules.problem(with: url) {
                Terminal.error("feedwatch feeds add: \(url): \(reason)")
                throw ExitStatus.usage.error
            }
            let fetcher = try FeedWatchRuntime.makeFetcher(configuration.fetch)
            defer { fetcher.shutdown() }
            var feedURL = url
            var parsed: ParsedFeed
            do {
                do {
                    parsed = try await Self.fetchFeed(url, fetcher: fetcher)
                } catch let error as ParseError where !error.advertisedFeeds.isEmpty {
                    print("\(Terminal.safe(URLRedaction.display(url))) is a web page; it advertises:")
                    for link in error.advertisedFeeds { print("  \(Terminal.safe(URLRedaction.display(link)))") }
                    // A remote page never leads to a local file (file:, or /dev/zero and FIFOs through it).
                    let local = url.lowercased().hasPrefix("file:")
                    guard let advertised = error.advertisedFeeds.first(where: { local || Self.isWebURL($0) }) else {
                        Terminal.error("feedwatch feeds add: \(Terminal.safe(URLRedaction.display(url))): the page advertises no http or https feed")
                        throw ExitStatus.remote.error
                    }
                    feedURL = advertised
                    parsed = try await Self.fetchFeed(feedURL, fetcher: fetcher)
                }
            } catch let error as ExitCode {
                throw error
            } catch let error as ParseError {
                Terminal.error("feedwatch feeds add: \(URLRedaction.display(feedURL)): \(error.message)")
                throw ExitStatus.remote.error
            } catch let error as FetchError {
                Terminal.error("feedwatch feeds add: \(URLRedaction.display(feedURL)): \(error.message)")
                throw ExitStatus.remote.error
            } catch {
                Terminal.error("feedwatch feeds add: \(URLRedaction.display(feedURL)): \(error)")
                throw ExitStatus.remote.error
            }
            if configuration.feeds.contains(where: { $0.url == feedURL }) {
                Terminal.error("feedwatch feeds add: \(URLRedaction.display(feedURL)) is already configured")
                throw ExitStatus.usage.error
            }
            var editor = try FeedsCommand.editor(configuration.path)
            editor.addFeed(FeedSource(url: feedURL, name: name, tags: tag))
            try FeedsCommand.save(editor)
            print("added \(URLRedaction.display(feedURL)) (\(parsed.title ?? "untitled"), \(parsed.format.rawValue), \(parsed.entries.count) entries) to \(configuration.path)")
            print(FeedsCommand.reloadReminder)
        }

        /// A feed's answer that is not 2xx, as the error `feeds add` reports.
        struct HTTPStatusError: Error, CustomStringConvertible {
            var status: Int
            var description: String { "HTTP \(status)\(status == 404 ? " (not found: check the URL)" : status == 401 || status == 403 ? " (the server refuses access)" : "")" }
        }

        static func isWebURL(_ url: String) -> Bool {
            let lower = url.lowercased()
            return lower.hasPrefix("http://") || lower.hasPrefix("https://")
        }

        static func fetchFeed(_ url: String, fetcher: Fetcher) async throws -> ParsedFeed {
            let result = try await fetcher.fetch(FetchRequest(url: url, allowFileScheme: url.lowercased().hasPrefix("file:")))
            guard (200..<300).contains(result.status) else {
                throw HTTPStatusError(status: result.status)
            }
            return try FeedParser.parse(result.body, documentURL: URLRedaction.linkBase(result.effectiveURL), httpContentType: result.contentType)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove a feed's [[feed]] table from the configuration (its stored articles stay).")

        @OptionGroup var options: ConfigOptions

        @Argument(help: ArgumentHelp("The feed's URL or name.", valueName: "feed"))
        var feed: String

        func run() async throws {
            let configuration = try options.load()
            var editor = try FeedsCommand.editor(configuration.path)
            guard editor.removeFeed(feed) else {
                Terminal.error("feedwatch feeds remove: no [[feed]] table in \(configuration.path) has url or name \(feed)")
                throw ExitStatus.usage.error
            }
            try FeedsCommand.save(editor)
            print("removed \(feed) from \(configuration.path)")
            print(FeedsCommand.reloadReminder)
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Add every feed of an OPML subscription list; folders become tags.")

        @OptionGroup var options: ConfigOptions

        @Argument(help: ArgumentHelp("The OPML file.", valueName: "file.opml"))
        var file: String

        func run() async throws {
            let configuration = try options.load()
            guard let data = FileManager.default.contents(atPath: file) else {
                Terminal.error("feedwatch feeds import: cannot read \(Permission.problem(path: file, writing: false) ?? file)")
                throw ExitStatus.usage.error
            }
            let outlines: [OPMLOutline]
            do {
                outlines = try OPML.parse(Array(data), documentURL: URL(fileURLWithPath: file).absoluteString)
            } catch {
                Terminal.error("feedwatch feeds import: \(file): \(error.message)")
                throw ExitStatus.usage.error
            }
            var editor = try FeedsCommand.editor(configuration.path)
            var known = Set(configuration.feeds.map(\.url))
            var added = 0
            var skipped: [String] = []
            for outline in outlines {
                if let reason = FeedURLRules.problem(with: outline.xmlURL) {
                    skipped.append("\(outline.xmlURL): \(reason)")
                    continue
                }
                guard known.insert(outline.xmlURL).inserted else { continue }
                editor.addFeed(FeedSource(url: outline.xmlURL, name: outline.title, tags: outline.tags))
                added += 1
            }
            try FeedsCommand.save(editor)
            print("imported \(added) of \(outlines.count) feeds from \(file) into \(configuration.path)")
            for line in skipped { print("  skipped \(line)") }
            if added > 0 { print(FeedsCommand.reloadReminder) }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Print the configured feeds as an OPML 2.0 subscription list.",
            discussion: """
                A feed's first tag is its folder; every tag is in its category attribute \
                (comma-separated), which `feeds import` reads back.
                """)

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let configuration = try options.load()
            let outlines = configuration.feeds.map {
                OPMLOutline(xmlURL: $0.url, title: $0.name, folders: Array($0.tags.prefix(1)), categories: Array($0.tags.dropFirst()))
            }
            print(OPML.export(title: "feedwatch subscriptions", outlines: outlines, created: Date()), terminator: "")
        }
    }

    /// Saves an edited configuration; a validation or write error is printed, exit status 1.
    /// Whether there is a database to read: an SQLite file exists (the daemon creates it on
    /// first start), or PostgreSQL (whose reachability the open reports).
    static func hasDatabase(_ configuration: FeedWatchConfiguration) -> Bool {
        if case .sqlite(let path) = configuration.storage.database { return FileManager.default.fileExists(atPath: path) }
        return true
    }

    static func save(_ editor: ConfigurationEditor) throws {
        if let denied = Permission.problem(path: editor.path, writing: true) {
            Terminal.error("feedwatch: cannot save the configuration: \(denied)")
            throw ExitStatus.usage.error
        }
        do {
            _ = try editor.save()
        } catch {
            Terminal.error("\(error)")
            throw ExitStatus.usage.error
        }
    }

    /// An editor of the configuration at `path`; a read error is printed, exit status 1.
    static func editor(_ path: String) throws -> ConfigurationEditor {
        do {
            return try ConfigurationEditor(path: path)
        } catch {
            Terminal.error("\(error)")
            throw ExitStatus.usage.error
        }
    }
}

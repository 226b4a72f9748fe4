import Foundation
import FeedWatchDaemon
import GRDB
import FeedWatchTestSupport
import Logging
import Synchronization

/// Requests a loopback receiver got, in arrival order.
final class RequestRecorder: Sendable {
    private let requests = Mutex<[LoopbackRequest]>([])
    func append(_ request: LoopbackRequest) { requests.withLock { $0.append(request) } }
    var all: [LoopbackRequest] { requests.withLock { $0 } }
}

/// An RSS 2.0 document with these items (titles double as guids), published in the hours
/// before `now`: news, not backfill, whenever the test runs.
func rssFeed(_ items: [(title: String, body: String)], now: Date = Date()) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
    var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Loopback News</title><link>https://news.example/</link>\n"
    for (index, item) in items.enumerated() {
        let published = formatter.string(from: now.addingTimeInterval(-Double(index + 1) * 3600))
        xml += "<item><title>\(item.title)</title><link>https://news.example/\(index)</link><guid>\(item.title)</guid>"
        xml += "<pubDate>\(published)</pubDate><description>\(item.body)</description></item>\n"
    }
    return xml + "</channel></rss>\n"
}

/// The articles every digest test reads: two match "missiles", two "sanctions" (one both), one neither.
let worldItems: [(title: String, body: String)] = [
    ("Missile test over the Sea of Japan", "North Korea fired a ballistic missile early on Monday."),
    ("New sanctions on shipping firms", "The council agreed new sanctions against three companies."),
    ("Missile parts smuggled despite sanctions", "Investigators found missile guidance parts in a container."),
    ("Football results of the weekend", "The home side won three to one."),
]

/// A state directory, a feed server serving `worldItems`, and a config pointing at both. The
/// directory is removed when the last copy of the world goes.
struct DigestWorld {
    private let temporary: TemporaryDirectory
    var directory: String { temporary.path }
    let configPath: String
    let feedServer: LoopbackHTTPServer

    /// - Parameters:
    ///   - digest: extra `[digest]` keys. Without a `time`, the digest's slot is twelve hours
    ///     from now: the tests tick at `Date()` and a minute later, and with the default 07:00
    ///     a run a minute before seven saw two digests instead of one (seen in CI).
    ///   - tables: extra tables (`[[notify]]`…), appended at the end.
    ///   - missilesAlert: whether the missiles topic has `alert = true`.
    static func make(digest: String = "", tables: String = "", missilesAlert: Bool = false) async throws -> DigestWorld {
        let temporary = try TemporaryDirectory(prefix: "fw-digest")
        let directory = temporary.path
        let feed = rssFeed(worldItems)
        let server = try await LoopbackHTTPServer.start { _ in .ok(feed) }
        let text = """
            [storage]
            state_directory = "\(directory)"

            [fetch]
            timeout = "10s"

            [[feed]]
            url = "\(server.url("/feed.xml"))"
            name = "Loopback News"

            [[topic]]
            id = "missiles"
            name = "Raketentests – Übersicht"
            query = "missile"
            alert = \(missilesAlert)

            [[topic]]
            id = "sanctions"
            name = "Sanctions"
            query = "sanctions"

            [digest]
            timezone = "UTC"
            \(digest.contains("time =") ? "" : "time = \"\(slotFarFromNow)\"")
            \(digest)

            \(tables)
            """
        let configPath = directory + "/feedwatch.toml"
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        return DigestWorld(temporary: temporary, configPath: configPath, feedServer: server)
    }

    /// A digest time (HH:MM, UTC) twelve hours from now.
    static var slotFarFromNow: String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let later = calendar.dateComponents([.hour, .minute], from: Date().addingTimeInterval(12 * 3600))
        return String(format: "%02d:%02d", later.hour ?? 19, later.minute ?? 0)
    }

    func runtime() throws -> FeedWatchRuntime {
        let configuration = try ConfigurationLoader.load(path: configPath)
        return try FeedWatchRuntime(configuration: configuration, logger: quietLogger)
    }

    /// Fetches the feed once and records the matches, as the daemon's refresh does. The feed
    /// counts as watched since `watchedSince`: the tests drive the schedule with times of
    /// their own, and neither backfill nor a new installation's first digest must hide those.
    func refresh(_ runtime: FeedWatchRuntime, watchedSince: Date = Date(timeIntervalSince1970: 1_700_000_000)) async throws {
        let feeds = try await runtime.store.syncFeeds(runtime.configuration.feeds)
        try backdateFeeds(to: watchedSince)
        _ = await runtime.pipeline.refresh(feeds)
    }

    /// Sets when every feed was added (`feeds.created_at`) in the world's SQLite file.
    func backdateFeeds(to date: Date) throws {
        let database = try DatabaseQueue(path: directory + "/feedwatch.sqlite")
        try database.write { db in
            try db.execute(sql: "UPDATE feeds SET created_at = ?", arguments: [date.timeIntervalSince1970])
        }
    }

    func shutdown() async {
        try? await feedServer.shutdown()
    }
}

import Foundation
import FeedWatchDaemon
import FeedWatchMatching
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import GRDB
import Testing

/// The feed's declared language (RSS `<language>`, Atom `xml:lang`, JSON Feed `language`, per
/// entry where the format allows) read, bounded, stored on SQLite and PostgreSQL, and used to
/// analyse the articles' words: through the real pipeline, loopback HTTP and a real database.
@Suite struct DeclaredLanguagePipelineTests {
    enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
        /// Both, or SQLite alone without a PostgreSQL server (as `StoreKind.tested`).
        static var tested: [Backend] { TestRequirement.postgres.shouldRun ? allCases : [.sqlite] }
    }

    // Persian news writes plurals without a ZWNJ as often as with one: `تحریمهای` is `تحریم` +
    // `های` for the Persian stemmer, `تحریمها` for the Arabic one. Arabic prefixes the article:
    // `العقوبات` is `عقوب` for the Arabic stemmer, `العقوب` for the Persian one. (Sentences in the
    // style of BBC Persian, IRNA, Al Jazeera and Asharq Al-Awsat, written for these tests.)
    static let persian: [(title: String, body: String)] = [
        ("تحریمهای تازه آمریکا علیه صنعت پهپادی ایران",
         "وزارت خزانه‌داری آمریکا روز سه‌شنبه از وضع تحریمهای تازه علیه شش شرکت سازنده قطعات پهپاد خبر داد."),
        ("اتحادیه اروپا تحریمهای نفتی را تمدید کرد",
         "شورای اتحادیه اروپا با تمدید تحریمهای نفتی موافقت کرد و گفت این تصمیم تا پایان سال آینده معتبر است."),
        ("واکنش تهران به تحریمهای جدید", "سخنگوی وزارت امور خارجه ایران تحریمهای جدید را غیرقانونی خواند."),
        ("بانک مرکزی: تحریمهای بانکی اثر محدودی داشت",
         "رئیس کل بانک مرکزی گفت تحریمهای بانکی بر ذخایر ارزی کشور اثر محدودی داشته است."),
        ("تحریمهای کشتیرانی و بنادر جنوبی", "مدیران بنادر جنوبی از اثر تحریمهای کشتیرانی بر صادرات غیرنفتی گزارش دادند."),
        ("سفر هیئت ایرانی به مسکو پس از تحریمهای اخیر", "هیئتی از وزارت نفت پس از تحریمهای اخیر برای گفت‌وگو به مسکو رفت."),
        ("تحریمهای دارویی و بیماران خاص", "انجمن بیماران خاص از کمبود دارو در پی تحریمهای بانکی و دارویی خبر داد."),
    ]
    static let arabic: [(title: String, body: String)] = [
        ("واشنطن تفرض العقوبات على شركات الطائرات المسيرة",
         "أعلنت وزارة الخزانة الأمريكية فرض العقوبات على ست شركات إيرانية تصنع مكونات الطائرات المسيرة."),
        ("الاتحاد الأوروبي يمدد العقوبات النفطية", "وافق مجلس الاتحاد الأوروبي على تمديد العقوبات النفطية حتى نهاية العام المقبل."),
        ("طهران ترفض العقوبات الجديدة", "وصف المتحدث باسم وزارة الخارجية الإيرانية العقوبات الجديدة بأنها غير قانونية."),
        ("البنك المركزي: العقوبات المصرفية محدودة الأثر", "قال محافظ البنك المركزي إن العقوبات المصرفية كان لها أثر محدود على الاحتياطيات."),
        ("الموانئ الجنوبية تحت وطأة العقوبات", "أفاد مديرو الموانئ الجنوبية بأن صادراتهم تأثرت بالعقوبات البحرية."),
        ("وفد إيراني في موسكو بعد العقوبات الأخيرة", "توجه وفد من وزارة النفط إلى موسكو بعد العقوبات الأخيرة لإجراء محادثات."),
    ]

    static let topic = """
        [[topic]]
        id = "sanctions"
        name = "Sanctions"
        languages = ["fa", "ar"]
        query = 'تحریم OR عقوبات'

        """

    static func rss(language: String, _ items: [(id: String, text: (title: String, body: String))]) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>خبرگزاری</title>"
            + "<link>https://news.example/</link><language>\(language)</language>"
        for item in items {
            xml += "<item><guid>\(item.id)</guid><title>\(item.text.title)</title><link>https://news.example/\(item.id)</link>"
                + "<description>\(item.text.body)</description></item>"
        }
        return xml + "</channel></rss>"
    }

    /// An Atom feed declared Arabic, whose last entry declares itself Persian.
    /// Its entries are an hour old: a fixed date aged out of a new feed's backfill window two
    /// days after it was written, and the test failed from then on.
    static func atom() -> String {
        let updated = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-3600))
        func entry(_ id: String, _ text: (title: String, body: String), lang: String? = nil) -> String {
            "<entry\(lang.map { " xml:lang=\"\($0)\"" } ?? "")><id>urn:x:\(id)</id><title>\(text.title)</title>"
                + "<link href=\"https://atom.example/\(id)\"/><updated>\(updated)</updated>"
                + "<summary>\(text.body)</summary></entry>"
        }
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"ar\">"
            + "<title>الأخبار</title><id>urn:x:feed</id><updated>\(updated)</updated>"
            + entry("p3", persian[2]) + entry("a2", arabic[1]) + entry("a3", arabic[2]) + entry("p4", persian[3], lang: "fa")
            + "</feed>"
    }

    /// A JSON Feed declared Arabic, one of whose items declares itself Persian.
    static func json() throws -> String {
        func item(_ id: String, _ text: (title: String, body: String), language: String? = nil) -> [String: String] {
            var item = ["id": id, "url": "https://json.example/\(id)", "title": text.title, "content_text": text.body]
            if let language { item["language"] = language }
            return item
        }
        let feed: [String: Any] = [
            "version": "https://jsonfeed.org/version/1.1", "title": "الأخبار", "language": "ar",
            "items": [item("a4", arabic[3]), item("a5", arabic[4]), item("p5", persian[4], language: "fa-IR"), item("p6", persian[5])],
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: feed), as: UTF8.self)
    }

    /// A declared language of 450 KB: stored bounded, still read as Persian.
    static let hostileLanguage = "fa-" + String(repeating: "abcdefgh-", count: 50_000) + "x"

    static func server() async throws -> LoopbackHTTPServer {
        let atom = atom(), json = try json()
        return try await LoopbackHTTPServer.start { request in
            switch request.path {
            case "/fa.xml":
                return .ok(rss(language: "fa-IR", [("p1", persian[0]), ("p2", persian[1]), ("a1", arabic[0])]))
            case "/ar.atom": return .ok(atom, contentType: "application/atom+xml")
            case "/ar.json": return .ok(json, contentType: "application/feed+json")
            case "/hostile.xml": return .ok(rss(language: hostileLanguage, [("p7", persian[6]), ("a6", arabic[5])]))
            default: return .status(404)
            }
        }
    }

    static func configuration(_ state: TemporaryDirectory, server: LoopbackHTTPServer, database: String?) throws -> String {
        var text = "[storage]\nstate_directory = \"\(state.path)\"\n"
        if let database { text += "database = \"\(database)\"\n" }
        text += "\n[fetch]\ntimeout = \"10s\"\n\n\(topic)\n[digest]\ntimezone = \"UTC\"\nformats = [\"markdown\"]\n\n"
        for path in ["/fa.xml", "/ar.atom", "/ar.json", "/hostile.xml"] { text += "[[feed]]\nurl = \"\(server.url(path))\"\n\n" }
        let path = state.path + "/feedwatch.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs one cycle on `backend` and checks what each feed stored and matched.
    @Test(arguments: Backend.tested)
    func eachFormatsDeclaredLanguageIsStoredAndChoosesTheAnalysis(backend: Backend) async throws {
        let server = try await Self.server()
        let state = try TemporaryDirectory(prefix: "fw-language")
        switch backend {
        case .sqlite:
            try await Self.check(try Self.configuration(state, server: server, database: nil), server: server)
        case .postgres:
            try await PostgresTestServer.withDatabase { url in
                try await Self.check(try Self.configuration(state, server: server, database: url), server: server)
            }
        }
        try await server.shutdown()
    }

    static func check(_ configPath: String, server: LoopbackHTTPServer) async throws {
        let runtime = try await FeedWatchRuntime.open(configuration: try ConfigurationLoader.load(path: configPath), logger: quietLogger)
        let report = try await runtime.runOnce()
        let matches = Dictionary(uniqueKeysWithValues: report.feeds.map { ($0.feed.url, $0.newMatches) })
        #expect(report.failedFeeds == 0, "\(report.feeds.compactMap(\.error))")
        // Declared Persian: both Persian items, not the Arabic one (undeclared, all three would match).
        #expect(matches[server.url("/fa.xml")] == 2)
        // Declared Arabic, one entry Persian: both Arabic items and that entry (all Arabic: 2, undeclared: 4).
        #expect(matches[server.url("/ar.atom")] == 3)
        #expect(matches[server.url("/ar.json")] == 3)
        #expect(matches[server.url("/hostile.xml")] == 1)

        let feeds = Dictionary(uniqueKeysWithValues: try await runtime.store.activeFeeds().map { ($0.id, $0.url) })
        let articles = try await runtime.store.articles(since: .distantPast, limit: 100)
        #expect(articles.count == 13)
        func languages(_ path: String) -> [String: String?] {
            Dictionary(uniqueKeysWithValues: articles.filter { feeds[$0.feedID] == server.url(path) }.map {
                (String($0.link?.split(separator: "/").last ?? ""), $0.language)
            })
        }
        #expect(languages("/fa.xml") == ["p1": "fa-IR", "p2": "fa-IR", "a1": "fa-IR"])
        #expect(languages("/ar.atom") == ["p3": "ar", "a2": "ar", "a3": "ar", "p4": "fa"])
        #expect(languages("/ar.json") == ["a4": "ar", "a5": "ar", "p5": "fa-IR", "p6": "ar"])
        #expect(languages("/hostile.xml") == ["p7": "fa-abcdefgh-abcdefgh-abcdefgh", "a6": "fa-abcdefgh-abcdefgh-abcdefgh"])
        #expect(articles.allSatisfy { ($0.language?.count ?? 0) <= LanguageTag.maxLength })

        // Backtesting (`topics test`) matches a stored article in its stored language, as the daemon did.
        let matcher = try TopicMatcher(topics: runtime.configuration.topics)
        #expect(articles.filter { !matcher.matches(MatchDocument($0)).isEmpty }.count == 9)
        #expect(articles.filter { !matcher.matches(MatchDocument(title: $0.title, body: $0.bestText)).isEmpty }.count == 13,
                "undeclared, every item matches")
        await runtime.store.close()
    }

    /// `topics test` reads the stored language; `--text` takes `--language`.
    @Test(.requires(.feedwatchBinary)) func topicsTestUsesTheStoredLanguageAndTheTrialTextTakesOne() async throws {
        let server = try await Self.server()
        let state = try TemporaryDirectory(prefix: "fw-language-cli")
        let config = try Self.configuration(state, server: server, database: nil)
        let run = try FeedWatchBinary.run(["run", "--once", "--config", config])
        #expect(run.status == 0, "\(run.stderr)")
        let backtest = try FeedWatchBinary.run(["topics", "test", "sanctions", "--config", config])
        #expect(backtest.status == 0, "\(backtest.stderr)")
        #expect(backtest.stdout.contains("sanctions: 9 of 13 stored articles"), "\(backtest.stdout)")

        let text = Self.persian[0].body
        let persian = try FeedWatchBinary.run(["topics", "test", "sanctions", "--text", text, "--language", "fa", "--config", config])
        #expect(persian.stdout.contains("fa:تحریم") && !persian.stdout.contains("ar:تحریمها"), "\(persian.stdout)")
        #expect(persian.stdout.contains("sanctions: matches"))
        let arabic = try FeedWatchBinary.run(["topics", "test", "sanctions", "--text", text, "--language", "ar", "--config", config])
        #expect(arabic.stdout.contains("ar:تحریمها"), "\(arabic.stdout)")
        #expect(arabic.stdout.contains("sanctions: no match"))
        let misplaced = try FeedWatchBinary.run(["topics", "test", "sanctions", "--language", "fa", "--config", config])
        #expect(misplaced.status != 0 && misplaced.stderr.contains("--language"))

        // `feedwatch match FILE` reads a feed file's declared language too: the Persian items, not the Arabic one.
        let file = state.path + "/fa.xml"
        try Self.rss(language: "fa", [("p1", Self.persian[0]), ("p2", Self.persian[1]), ("a1", Self.arabic[0])])
            .write(toFile: file, atomically: true, encoding: .utf8)
        let matched = try FeedWatchBinary.run(["match", file, "--config", config])
        #expect(matched.status == 0, "\(matched.stderr)")
        #expect(matched.stdout.contains(Self.persian[0].title) && matched.stdout.contains(Self.persian[1].title))
        #expect(!matched.stdout.contains(Self.arabic[0].title), "\(matched.stdout)")
        try await server.shutdown()
    }

    static let migration = "Keep each article's declared language"

    /// A database from before the migration (the column and its migration record removed) keeps
    /// its articles when the new version opens it; new articles get their language.
    @Test func theMigrationKeepsTheArticlesOfAnExistingSQLiteDatabase() async throws {
        let state = try TemporaryDirectory(prefix: "fw-language-migrate")
        let path = state.path + "/feedwatch.sqlite"
        var store = try SQLiteStore(path: path)
        let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://news.example/feed")]).first)
        _ = try await store.storeEntries(feedID: feed.id, entries: Self.entries(1...3), discovered: Date(), maxNew: 100)
        await store.close()
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "ALTER TABLE articles DROP COLUMN language")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = ?", arguments: [Self.migration])
        }
        #expect(try await queue.read { db in try db.columns(in: "articles").map(\.name) }.contains("language") == false)
        try queue.close()

        store = try SQLiteStore(path: path)
        try await Self.checkMigrated(store, feedID: feed.id)
        #expect(try await store.integrityCheck() == ["ok"])
        await store.close()
    }

    @Test(.requires(.postgres)) func theMigrationKeepsTheArticlesOfAnExistingPostgreSQLDatabase() async throws {
        try await PostgresTestServer.withDatabase { url in
            let configuration = try PostgresStore.Configuration(url: url)
            var store = try await PostgresStore.open(configuration, logger: quietLogger)
            let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://news.example/feed")]).first)
            _ = try await store.storeEntries(feedID: feed.id, entries: Self.entries(1...3), discovered: Date(), maxNew: 100)
            await store.close()
            try await PostgresTestServer.execute("ALTER TABLE articles DROP COLUMN language", on: configuration)
            try await PostgresTestServer.execute(
                "DELETE FROM schema_migrations WHERE name = '\(Self.migration.replacingOccurrences(of: "'", with: "''"))'", on: configuration)
            #expect(try await PostgresTestServer.count("SELECT COUNT(*) FROM schema_migrations", url: url) == 13)

            store = try await PostgresStore.open(configuration, logger: quietLogger)
            try await Self.checkMigrated(store, feedID: feed.id)
            #expect(try await PostgresTestServer.count("SELECT COUNT(*) FROM schema_migrations", url: url) == 14)
            await store.close()
        }
    }

    static func entries(_ range: ClosedRange<Int>, language: String = "fa") -> [Entry] {
        range.map { n in
            Entry(id: "guid-\(n)", title: persian[n % persian.count].title, link: "https://news.example/\(n)",
                  summary: FeedText(plain: persian[n % persian.count].body), language: language)
        }
    }

    /// The three articles stored before the migration are kept (without a language); new ones have
    /// theirs, and a kept one gets its feed's language when the feed lists it again (not an update).
    static func checkMigrated(_ store: any Store, feedID: Int64) async throws {
        let before = try await store.articles(since: .distantPast, limit: 100)
        #expect(before.count == 3)
        #expect(before.allSatisfy { $0.language == nil })
        let stored = try await store.storeEntries(feedID: feedID, entries: entries(1...5, language: "AR_eg"), discovered: Date(), maxNew: 100)
        #expect(stored.new.map(\.language) == ["ar-EG", "ar-EG"])
        #expect(stored.updated.isEmpty)
        let after = try await store.articles(since: .distantPast, limit: 100)
        #expect(after.count == 5)
        #expect(Set(after.map(\.title)).isSuperset(of: before.map(\.title)))
        #expect(after.allSatisfy { $0.language == "ar-EG" })
    }
}

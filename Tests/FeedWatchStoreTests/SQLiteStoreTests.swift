import Foundation
import FeedWatchModel
import FeedWatchStore
import Testing

/// A fresh database file in its own temporary directory.
func makeStore(function: String = #function) throws -> (SQLiteStore, String) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fw-store-\(UUID().uuidString)").path
    let path = dir + "/feedwatch.sqlite"
    return (try SQLiteStore(path: path), path)
}

func entry(_ n: Int, feedTag: String = "a") -> Entry {
    Entry(id: "guid-\(feedTag)-\(n)", title: "Title \(n)", link: "https://example.org/\(n)",
          summary: FeedText(plain: "Summary \(n)"))
}

@Suite struct SQLiteStoreTests {
    @Test func insertNewReturnsOnlyEntriesNotSeenBefore() async throws {
        let (store, _) = try makeStore()
        let feeds = try await store.syncFeeds([FeedSource(url: "https://example.org/feed.xml")])
        let feed = try #require(feeds.first)
        let first = try await store.insertNew(feedID: feed.id, entries: (1...3).map { entry($0) }, discovered: Date())
        #expect(first.map(\.title) == ["Title 1", "Title 2", "Title 3"])
        #expect(Set(first.map(\.id)).count == 3)
        let second = try await store.insertNew(feedID: feed.id, entries: (2...5).map { entry($0) }, discovered: Date())
        #expect(second.map(\.title) == ["Title 4", "Title 5"])
        let again = try await store.insertNew(feedID: feed.id, entries: (1...5).map { entry($0) }, discovered: Date())
        #expect(again.isEmpty)
    }

    @Test func duplicateFingerprintsWithinOneDocumentCountOnce() async throws {
        let (store, _) = try makeStore()
        let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
        let inserted = try await store.insertNew(feedID: feed.id, entries: [entry(1), entry(1), entry(2)], discovered: Date())
        #expect(inserted.count == 2)
    }

    @Test func concurrentInsertsOfTheSameEntriesReturnEachOnce() async throws {
        let (store, _) = try makeStore()
        let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
        let entries = (1...50).map { entry($0) }
        let results = await withTaskGroup(of: [Article].self) { group in
            for _ in 0..<8 {
                group.addTask { (try? await store.insertNew(feedID: feed.id, entries: entries, discovered: Date())) ?? [] }
            }
            var all: [[Article]] = []
            for await r in group { all.append(r) }
            return all
        }
        let titles = results.flatMap { $0 }.map(\.title)
        #expect(titles.count == 50)
        #expect(Set(titles).count == 50)
    }

    @Test func sameGuidInTwoFeedsIsTwoArticles() async throws {
        let (store, _) = try makeStore()
        let feeds = try await store.syncFeeds([FeedSource(url: "https://a.example/f"), FeedSource(url: "https://b.example/f")])
        let a = try await store.insertNew(feedID: feeds[0].id, entries: [entry(1)], discovered: Date())
        let b = try await store.insertNew(feedID: feeds[1].id, entries: [entry(1)], discovered: Date())
        #expect(a.count == 1 && b.count == 1)
    }

    @Test func syncFeedsKeepsIdsAndDeactivatesRemovedFeeds() async throws {
        let (store, _) = try makeStore()
        let first = try await store.syncFeeds([
            FeedSource(url: "https://a.example/f", name: "A"), FeedSource(url: "https://b.example/f"),
        ])
        _ = try await store.insertNew(feedID: first[1].id, entries: [entry(1)], discovered: Date())
        let second = try await store.syncFeeds([FeedSource(url: "https://a.example/f", name: "A renamed", tags: ["x"])])
        #expect(second.count == 1)
        #expect(second[0].id == first[0].id)
        #expect(second[0].name == "A renamed")
        #expect(second[0].tags == ["x"])
        // A feed that comes back keeps its id and its articles: nothing stored is lost.
        let third = try await store.syncFeeds([FeedSource(url: "https://b.example/f")])
        #expect(third[0].id == first[1].id)
        let again = try await store.insertNew(feedID: third[0].id, entries: [entry(1)], discovered: Date())
        #expect(again.isEmpty)
    }

    @Test func fetchStateRoundTrips() async throws {
        let (store, _) = try makeStore()
        let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
        let initial = try await store.fetchState(feedID: feed.id)
        #expect(initial == FetchState())
        let next = Date(timeIntervalSince1970: 1_800_000_000)
        let state = FetchState(
            etag: "\"abc\"", lastModified: "Tue, 22 Mar 2016 09:30:00 GMT", lastFetched: next, lastSuccess: next,
            nextCheck: next.addingTimeInterval(1800), errorCount: 2, lastError: "HTTP 503 from example.org",
            lastStatus: 503, disabledReason: nil, movedTo: "https://example.org/new", lastFullFetch: next)
        try await store.saveFetchState(feedID: feed.id, state)
        #expect(try await store.fetchState(feedID: feed.id) == state)
        await #expect(throws: StoreError.self) { try await store.fetchState(feedID: 999) }
    }

    @Test func matchesAreRecordedOnceAndCollectedIntoExactlyOneDigest() async throws {
        let (store, _) = try makeStore()
        let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f", name: "Example")]).first)
        let articles = try await store.insertNew(feedID: feed.id, entries: (1...3).map { entry($0) }, discovered: Date())
        let snippet = Snippet(parts: [.init(text: "a ", highlighted: false), .init(text: "missile", highlighted: true)])
        let matches = articles.map { TopicMatch(topicID: "missiles", articleID: $0.id, score: 1.5, snippets: [snippet], matched: Date()) }
        #expect(try await store.recordMatches(matches, topicNames: ["missiles": "Missile tests"]) == 3)
        #expect(try await store.recordMatches(matches, topicNames: ["missiles": "Missile tests"]) == 0)
        #expect(try await store.pendingMatchCount() == 3)

        let day1 = try await store.collectDigest(day: "2026-11-28", timeZone: "Europe/Berlin", now: Date())
        #expect(day1.matchCount == 3)
        #expect(try await store.pendingMatchCount() == 0)
        // Collecting again, or into another day, never moves or repeats a match.
        let day1Again = try await store.collectDigest(day: "2026-11-28", timeZone: "Europe/Berlin", now: Date())
        #expect(day1Again.id == day1.id && day1Again.matchCount == 3)
        let day2 = try await store.collectDigest(day: "2026-11-29", timeZone: "Europe/Berlin", now: Date())
        #expect(day2.matchCount == 0)

        let digest = try #require(try await store.digest(day: "2026-11-28"))
        #expect(digest.sections.count == 1)
        #expect(digest.sections[0].topic.name == "Missile tests")
        #expect(digest.sections[0].items.count == 3)
        #expect(digest.sections[0].items[0].feedName == "Example")
        #expect(digest.sections[0].items[0].snippets == [snippet])
        #expect(try await store.digest(day: "2000-01-01") == nil)
        #expect(try await store.digests().map(\.day) == ["2026-11-29", "2026-11-28"])
    }

    @Test func reopeningKeepsEverythingAndPassesIntegrityCheck() async throws {
        let (store, path) = try makeStore()
        let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
        _ = try await store.insertNew(feedID: feed.id, entries: [entry(1), entry(2)], discovered: Date())
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.articles(since: .distantPast, limit: 10).count == 2)
        #expect(try await reopened.integrityCheck() == ["ok"])
    }

    @Test func aFileThatIsNotADatabaseGivesAClearError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fw-bad-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/feedwatch.sqlite"
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try SQLiteStore(path: path)
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("not a valid feedwatch database")
        }
    }

    @Test func aLockedDatabaseGivesAClearErrorAndLosesNothing() async throws {
        let (store, path) = try makeStore()
        let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
        _ = try await store.insertNew(feedID: feed.id, entries: [entry(1)], discovered: Date())
        // Another process holds the write lock (a real sqlite3 process, not a mock).
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        holder.arguments = [path]
        let input = Pipe()
        let output = Pipe()
        holder.standardInput = input
        holder.standardOutput = output
        try holder.run()
        defer { kill(holder.processIdentifier, SIGKILL); holder.waitUntilExit() }
        input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE; SELECT 'locked';\n".utf8))
        // Wait until the other process reports that it holds the lock.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("locked") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        let impatient = try SQLiteStore(path: path, busyTimeout: 0.2)
        await #expect {
            _ = try await impatient.insertNew(feedID: feed.id, entries: [entry(2)], discovered: Date())
        } throws: { error in
            (error as? StoreError)?.code == .locked && "\(error)".contains("locked by another process")
        }
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        #expect(try await impatient.articles(since: .distantPast, limit: 10).count == 1)
        let inserted = try await impatient.insertNew(feedID: feed.id, entries: [entry(2)], discovered: Date())
        #expect(inserted.count == 1)
    }
}

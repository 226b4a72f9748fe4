import Foundation
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Testing

/// What only the SQLite store does: files, integrity checks, other processes' locks. What
/// every store does is in StoreContractTests.
@Suite struct SQLiteStoreTests {
    @Test func reopeningKeepsEverythingAndPassesIntegrityCheck() async throws {
        let directory = try TemporaryDirectory(prefix: "fw-store")
        let (store, path) = try makeStore(in: directory)
        let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
        _ = try await store.insertNew(feedID: feed.id, entries: [entry(1), entry(2)], discovered: Date())
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.articles(since: .distantPast, limit: 10).count == 2)
        #expect(try await reopened.integrityCheck() == ["ok"])
    }

    @Test func aFileThatIsNotADatabaseGivesAClearError() throws {
        let directory = try TemporaryDirectory(prefix: "fw-bad")
        let path = directory.path + "/feedwatch.sqlite"
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try SQLiteStore(path: path)
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("not a valid feedwatch database")
        }
    }

    @Test func aLockedDatabaseGivesAClearErrorAndLosesNothing() async throws {
        let directory = try TemporaryDirectory(prefix: "fw-store")
        let (store, path) = try makeStore(in: directory)
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

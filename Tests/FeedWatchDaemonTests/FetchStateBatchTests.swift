@testable import FeedWatchDaemon
import FeedWatchModel
import FeedWatchStore
import FeedWatchTestSupport
import Foundation
import Synchronization
import Testing

/// Group commits of routine fetch states (`FetchStateBatch`, `[storage] state_batch`): a 304 of
/// a feed that is not failing waits for its group, everything else is saved at once, and a
/// refresh wave never returns with a state unsaved.
@Suite struct FetchStateBatchTests {
    /// Feeds `/feed/N` answer 200 with ETag "v1", and 304 to a request that sends it; `/fail` answers 500.
    static func startServer() async throws -> LoopbackHTTPServer {
        try await LoopbackHTTPServer.start { request in
            if request.path == "/fail" { return .status(500) }
            if request.header("If-None-Match") == "\"v1\"" { return .status(304) }
            return LoopbackResponse.ok(
                "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>\(request.path)</title>"
                    + "<item><guid>\(request.path)-1</guid><title>A missile test</title></item></channel></rss>"
            ).adding(header: "ETag", "\"v1\"")
        }
    }

    static func configuration(
        directory: String, database: String? = nil, feeds: [String], stateBatch: Int, delay: String = "1h"
    ) throws -> FeedWatchConfiguration {
        var text = """
            [storage]
            state_directory = "\(directory)"
            \(database.map { "database = \"\($0)\"\nlease = \"60s\"" } ?? "")
            state_batch = \(stateBatch)
            state_batch_delay = "\(delay)"

            [[topic]]
            id = "missiles"
            query = "missile"


            """
        for url in feeds { text += "[[feed]]\nurl = \"\(url)\"\n\n" }
        return try ConfigurationLoader.parse(text, path: directory + "/feedwatch.toml")
    }

    /// Whether a stored time is `expected` (stores keep microseconds at best).
    static func same(_ stored: Date?, _ expected: Date) -> Bool {
        stored.map { abs($0.timeIntervalSince(expected)) < 0.001 } ?? false
    }

    /// Ten feeds answer 304 in groups of four (two full groups and a rest the wave's end
    /// commits), a failing feed is saved at once: when the wave returns, every state is stored.
    @Test func aWaveReturnsWithEveryStateStored() async throws {
        let server = try await Self.startServer()
        let directory = try TemporaryDirectory(prefix: "fw-state-batch")
        let urls = (0..<10).map { server.url("/feed/\($0)") } + [server.url("/fail")]
        let runtime = try FeedWatchRuntime(
            configuration: try Self.configuration(directory: directory.path, feeds: urls, stateBatch: 4), logger: quietLogger)
        let feeds = try await runtime.store.syncFeeds(runtime.configuration.feeds)
        let first = await runtime.pipeline.refresh(feeds)
        #expect(first.filter { $0.status == 200 }.count == 10 && first.filter { $0.error != nil }.count == 1)

        let later = Date().addingTimeInterval(3600)
        let second = await runtime.pipeline.refresh(feeds, now: { later })
        #expect(second.filter { $0.status == 304 }.count == 10, "\(second.map(\.status))")
        let states = try await runtime.store.fetchStates(feedIDs: feeds.map(\.id))
        for feed in feeds.prefix(10) {
            let state = try #require(states[feed.id])
            #expect(state.lastStatus == 304 && Self.same(state.lastFetched, later) && Self.same(state.lastSuccess, later), "\(feed.url): \(state)")
            #expect(state.etag == "\"v1\"" && state.errorCount == 0 && state.nextCheck.map { $0 > later } == true)
        }
        let failing = try #require(states[feeds[10].id])
        #expect(failing.errorCount == 2 && failing.lastStatus == 500 && Self.same(failing.lastFetched, later))
        await runtime.store.close()
        try await server.shutdown()
    }

    /// A routine state waits for its group; any other is stored at once; the group commits at
    /// its size, and `finish` commits the rest.
    @Test func routineStatesWaitForTheirGroupOthersAreSavedAtOnce() async throws {
        let directory = try TemporaryDirectory(prefix: "fw-state-batch")
        let store = try SQLiteStore(path: directory.path + "/feedwatch.sqlite")
        let feeds = try await store.syncFeeds((0..<5).map { FeedSource(url: "https://example.org/\($0)") })
        let batch = FetchStateBatch(store: store, limit: 3, delay: .seconds(3600), logger: quietLogger)
        func state(_ status: Int, errors: Int = 0) -> FetchState {
            FetchState(lastFetched: Date(timeIntervalSince1970: 1_800_000_000), nextCheck: Date(timeIntervalSince1970: 1_800_001_800),
                       errorCount: errors, lastStatus: status)
        }
        func stored(_ index: Int) async throws -> Int? { try await store.fetchState(feedID: feeds[index].id).lastStatus }

        await batch.save(feedID: feeds[0].id, state(304), routine: true, feedURL: feeds[0].url)
        #expect(try await stored(0) == nil && batch.buffered == 1, "a routine state waits")
        await batch.save(feedID: feeds[1].id, state(503, errors: 1), routine: false, feedURL: feeds[1].url)
        #expect(try await stored(1) == 503, "a failure is saved at once")
        await batch.save(feedID: feeds[2].id, state(304), routine: true, feedURL: feeds[2].url)
        #expect(try await stored(2) == nil && batch.buffered == 2)
        await batch.save(feedID: feeds[3].id, state(304), routine: true, feedURL: feeds[3].url)
        #expect(batch.buffered == 0)
        let group = [try await stored(0), try await stored(2), try await stored(3)]
        #expect(group == [304, 304, 304], "the third routine state commits the group")
        await batch.save(feedID: feeds[4].id, state(304), routine: true, feedURL: feeds[4].url)
        #expect(try await stored(4) == nil)
        await batch.finish()
        #expect(try await stored(4) == 304 && batch.buffered == 0, "finish commits the rest")
        await store.close()
    }

    /// A routine state is committed `delay` after it was buffered, without waiting for a group
    /// or the end of the wave (a wave of slow hosts may last long).
    @Test func aBufferedStateIsCommittedAfterTheDelay() async throws {
        let directory = try TemporaryDirectory(prefix: "fw-state-batch")
        let store = try SQLiteStore(path: directory.path + "/feedwatch.sqlite")
        let feed = try #require(try await store.syncFeeds([FeedSource(url: "https://example.org/f")]).first)
        let batch = FetchStateBatch(store: store, limit: 64, delay: .seconds(1), logger: quietLogger)
        await batch.save(feedID: feed.id, FetchState(nextCheck: Date(), lastStatus: 304), routine: true, feedURL: feed.url)
        #expect(try await eventually(timeout: .seconds(30)) { try await store.fetchState(feedID: feed.id).lastStatus == 304 })
        #expect(batch.buffered == 0)
        await batch.finish()
        await store.close()
    }

    /// Only a renewal of a healthy feed is routine: anything a crash must not lose is not.
    @Test func onlyARenewalOfAHealthyFeedIsRoutine() {
        let before = FetchState(
            etag: "\"v1\"", lastModified: "Tue, 22 Mar 2016 09:30:00 GMT", lastFetched: Date(timeIntervalSince1970: 1),
            nextCheck: Date(timeIntervalSince1970: 2), lastStatus: 200, lastFullFetch: Date(timeIntervalSince1970: 1))
        var renewed = before
        renewed.lastFetched = Date(timeIntervalSince1970: 100)
        renewed.lastSuccess = renewed.lastFetched
        renewed.nextCheck = Date(timeIntervalSince1970: 1900)
        renewed.nextCheckReason = "every 30m"
        renewed.lastStatus = 304
        #expect(FeedPipeline.isRoutine(renewed, after: before))

        var recovered = before
        recovered.errorCount = 3
        recovered.lastError = "HTTP 503"
        #expect(!FeedPipeline.isRoutine(renewed, after: recovered), "the error count going back to zero is saved at once")
        var failed = renewed
        failed.errorCount = 1
        #expect(!FeedPipeline.isRoutine(failed, after: before))
        var validators = renewed
        validators.etag = "\"v2\""
        #expect(!FeedPipeline.isRoutine(validators, after: before))
        var moved = renewed
        moved.movedTo = "https://example.org/new"
        #expect(!FeedPipeline.isRoutine(moved, after: before))
        var disabled = renewed
        disabled.disabledReason = "HTTP 410 Gone"
        #expect(!FeedPipeline.isRoutine(disabled, after: before))
        var full = renewed
        full.lastFullFetch = renewed.lastFetched
        #expect(!FeedPipeline.isRoutine(full, after: before))
    }

    /// PostgreSQL: a claimed batch of ten 304s is one round trip per group (the claim read the
    /// states), and every state is stored when the wave returns.
    @Test(.requires(.postgres)) func postgresCommitsA304GroupInOneRoundTrip() async throws {
        try TestRequirement.postgres.check()
        let server = try await Self.startServer()
        for (stateBatch, expectedTrips) in [(64, 1), (4, 3)] {
            _ = try await PostgresTestServer.withDatabase { url in
                let directory = try TemporaryDirectory(prefix: "fw-state-batch")
                let configuration = try Self.configuration(
                    directory: directory.path, database: url, feeds: (0..<10).map { server.url("/feed/\($0)") }, stateBatch: stateBatch)
                let runtime = try await FeedWatchRuntime.open(configuration: configuration, logger: quietLogger)
                do {
                    let postgres = try #require(runtime.store as? PostgresStore)
                    let feeds = try await runtime.store.syncFeeds(runtime.configuration.feeds)
                    func wave(at now: Date) async throws -> ([FeedRefreshReport], Int) {
                        let claimed = try await runtime.store.claimDueFeeds(owner: "batch", now: now, lease: 60, limit: 100)
                        #expect(claimed.count == 10)
                        let before = postgres.roundTrips
                        let reports = await runtime.pipeline.refresh(runtime.pipeline.schedule(claimed).scheduled, now: { now })
                        let trips = postgres.roundTrips - before
                        try await runtime.store.releaseLeases(feedIDs: claimed.map(\.id), owner: "batch")
                        return (reports, trips)
                    }
                    _ = try await wave(at: Date())
                    // Past the 30-minute interval, within the 12 hours after which a fetch is unconditional.
                    let later = Date().addingTimeInterval(3600)
                    let (reports, trips) = try await wave(at: later)
                    #expect(reports.allSatisfy { $0.status == 304 && $0.error == nil }, "\(reports.map(\.status))")
                    #expect(trips == expectedTrips, "state_batch = \(stateBatch)")
                    let states = try await runtime.store.fetchStates(feedIDs: feeds.map(\.id))
                    #expect(states.count == 10)
                    #expect(states.values.allSatisfy { $0.lastStatus == 304 && $0.etag == "\"v1\"" && $0.nextCheck.map { $0 > later } == true })
                    #expect(states.values.allSatisfy { Self.same($0.lastFetched, later) })
                } catch {
                    await runtime.store.close()
                    throw error
                }
                await runtime.store.close()
            }
        }
        try await server.shutdown()
    }
}

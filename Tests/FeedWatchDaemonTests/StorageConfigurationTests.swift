import FeedWatchDaemon
import FeedWatchModel
import FeedWatchStore
import Foundation
import Testing

/// `[storage]` for several daemons: the PostgreSQL URL, node names, leases and their bounds.
@Suite struct StorageConfigurationTests {
    func problems(_ text: String, environment: [String: String] = [:]) -> [String] {
        do {
            _ = try ConfigurationLoader.parse(text, path: "f.toml", environment: environment)
            return []
        } catch {
            return error.lines
        }
    }

    @Test func aPostgresURLIsAcceptedAndShownWithoutItsPassword() throws {
        let config = try ConfigurationLoader.parse("""
            [storage]
            database = "postgresql://watch:hunter2@db.example:5433/feeds?sslmode=require"
            node_name = "watcher-1"
            lease = "2m"
            claim_batch = 10
            password_file = "/etc/feedwatch/pw"
            pool_size = 3
            timeout = "15s"
            connect_timeout = "5s"
            startup_wait = "3m"
            """, path: "f.toml")
        #expect(config.storage.database == .postgres(url: "postgresql://watch:hunter2@db.example:5433/feeds?sslmode=require"))
        #expect(config.storage.database.description == "postgresql://watch@db.example:5433/feeds")
        #expect(config.storage.nodeName == "watcher-1")
        #expect(config.storage.lease == .minutes(2))
        #expect(config.storage.claimBatch == 10)
        let postgres = config.storage.postgres
        #expect(postgres.passwordFile == "/etc/feedwatch/pw" && postgres.poolSize == 3)
        #expect(postgres.timeout == TimeSpan(seconds: 15) && postgres.connectTimeout == TimeSpan(seconds: 5))
        #expect(config.storage.startupWait == .minutes(3))
        #expect(try ConfigurationLoader.parse("", path: "f.toml").storage.startupWait == .minutes(10))
    }

    @Test func routineFetchStatesAreGroupedUpToStateBatchAndStateBatchDelay() throws {
        let given = try ConfigurationLoader.parse("[storage]\nstate_batch = 200\nstate_batch_delay = \"10s\"", path: "f.toml")
        #expect(given.storage.stateBatch == 200 && given.storage.stateBatchDelay == TimeSpan(seconds: 10))
        let byDefault = try ConfigurationLoader.parse("", path: "f.toml")
        #expect(byDefault.storage.stateBatch == 64 && byDefault.storage.stateBatchDelay == TimeSpan(seconds: 2))
    }

    @Test func theNodeNameDefaultsToTheEnvironmentThenHostAndPid() throws {
        let fromEnvironment = try ConfigurationLoader.parse("", path: "f.toml", environment: ["FEEDWATCH_NODE_NAME": "east-2"])
        #expect(fromEnvironment.storage.nodeName == "east-2")
        let byDefault = try ConfigurationLoader.parse("", path: "f.toml", environment: [:])
        #expect(byDefault.storage.nodeName == "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)")
    }

    @Test(arguments: [
        ("[storage]\ndatabase = \"postgres://db.example/feeds\"", "storage.database: the PostgreSQL URL names no user"),
        ("[storage]\ndatabase = \"postgres://u@db.example/feeds?sslmode=often\"", "storage.database: sslmode must be one of"),
        ("[storage]\nlease = \"20s\"\n[fetch]\ntimeout = \"30s\"", "storage.lease: 20s must be longer than fetch.timeout (30s)"),
        ("[storage]\nlease = \"2s\"", "storage.lease: \"2s\" is shorter than the minimum of 5s"),
        ("[storage]\npool_size = 0", "storage.pool_size: must be between 1 and 100"),
        ("[storage]\nclaim_batch = 0", "storage.claim_batch: must be between 1 and 10000"),
        ("[storage]\nstate_batch = 0", "storage.state_batch: must be between 1 and 10000"),
        ("[storage]\nstate_batch_delay = \"0s\"", "storage.state_batch_delay: \"0s\" is shorter than the minimum of 1s"),
        ("[storage]\nstate_batch_delay = \"2h\"", "storage.state_batch_delay: \"2h\" is longer than the maximum of 1h"),
        ("[storage]\nstartup_wait = \"2d\"", "storage.startup_wait: \"2d\" is longer than the maximum of 1d"),
        ("[storage]\nstartup_wait = \"soon\"", "storage.startup_wait: \"soon\" is not a duration"),
        ("[fetch]\ninterval = \"10s\"", "fetch.interval: \"10s\" is shorter than the minimum of 1m"),
        ("[fetch]\nminimum_interval = \"1s\"", "fetch.minimum_interval: \"1s\" is shorter than the minimum of 5s"),
    ])
    func badStorageValuesAreReported(text: String, expected: String) {
        let lines = problems(text)
        #expect(lines.contains { $0.hasPrefix("f.toml: \(expected)") }, "\(lines)")
    }

    @Test func aLowerMinimumIntervalAllowsShortIntervalsForTests() throws {
        let config = try ConfigurationLoader.parse("""
            [fetch]
            minimum_interval = "5s"
            interval = "10s"
            timeout = "3s"

            [[feed]]
            url = "http://127.0.0.1:8080/feed"
            interval = "5s"
            """, path: "f.toml")
        #expect(config.fetch.interval == TimeSpan(seconds: 10))
        #expect(config.feeds.first?.interval == TimeSpan(seconds: 5))
    }
}

import FeedWatchTestSupport
import Foundation
import Testing

/// Several `feedwatch run` processes (the built binary) sharing one database, each with its own
/// state directory, node name (`node-N`) and User-Agent (`feedwatch-test node-N`).
final class DaemonFleet {
    let directory: String
    let configs: [String]
    private(set) var processes: [ChildProcess] = []

    /// `$FEEDWATCH_BINARY` (e.g. a release build for benchmarks), else
    /// `<repository>/.build/debug/feedwatch`, built by `swift build --build-tests`.
    static var binary: String {
        if let given = ProcessInfo.processInfo.environment["FEEDWATCH_BINARY"], !given.isEmpty { return given }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/feedwatch").path
    }

    init(
        count: Int, directory: String, databaseURL: String, feeds: [String], interval: String, lease: String,
        claimBatch: Int = 50, poolSize: Int = 4, extraFetch: String = "", topics: String = ""
    ) throws {
        self.directory = directory
        var configs: [String] = []
        for node in 1...count {
            let state = "\(directory)/node-\(node)"
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            var text = """
                [storage]
                state_directory = "\(state)"
                database = "\(databaseURL)"
                node_name = "node-\(node)"
                lease = "\(lease)"
                claim_batch = \(claimBatch)
                pool_size = \(poolSize)

                [fetch]
                minimum_interval = "5s"
                interval = "\(interval)"
                timeout = "5s"
                user_agent = "feedwatch-test node-\(node)"
                \(extraFetch)
                \(topics)

                [digest]
                time = "00:00"
                timezone = "UTC"


                """
            for url in feeds { text += "[[feed]]\nurl = \"\(url)\"\n\n" }
            let path = "\(state)/feedwatch.toml"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            configs.append(path)
        }
        self.configs = configs
    }

    /// Starts every daemon; each one's log goes to `node-N.log` in the directory.
    func start() throws {
        try TestRequirement.feedwatchBinary.check()
        for (index, config) in configs.enumerated() {
            let log = "\(directory)/node-\(index + 1).log"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            processes.append(try ChildProcess(
                executable: Self.binary, arguments: ["run", "--config", config, "--log-level", "warning"], stderr: log))
        }
    }

    /// SIGKILLs daemon `index` (0-based) and waits for it to be gone.
    func kill(_ index: Int) {
        processes[index].signal(SIGKILL)
        processes[index].wait()
    }

    func killAll() {
        for index in processes.indices { kill(index) }
    }

    deinit { killAll() }
}

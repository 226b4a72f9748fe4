import FeedWatchDaemon
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

// A whole `run --once` cycle over FEEDS loopback feeds × ITEMS items, cold (empty database,
// every item new, every item matching one topic) and warm (the same feeds again: every
// server answers 304), next to a plain reference (Python's ElementTree + sqlite3, WAL, one
// transaction per feed, unique (feed, guid)) over the same files, all in one run. Each cycle
// runs in its own child process, so CPU (user + system) and peak RSS come from wait4's
// rusage of that process alone; the HTTP server is another process.
//
//   swift run -c release CycleBenchmark [--feeds 2000] [--items 20] [--vocabulary near-duplicate|realistic|both]
//       [--no-reference] [--runs N] [--isolate-server] [--server python|nginx] [--server-rate BYTES]
//
// --server chooses the HTTP server that stands in for the feeds' hosts: nginx (the default when
// /usr/sbin/nginx exists; `nginx-light` in scripts/install-deps.sh test) as one process with no
// access log and no keep-alive, so each fetch opens its own connection as it would to feeds on
// different hosts; or `python3 -m http.server` (the default before session 12, and the fallback).
// Python's server starts a thread per request and spends about 0.2 ms of CPU on each (0.4–0.5 s
// a cold cycle) on the same CPUs as the cycle, and its latency paces the cycle (4.3 s wall
// against 3.1 s with nginx); the feeds' real hosts are other machines. --server-rate has nginx
// send each response at BYTES a second (`limit_rate`), so the feeds trickle in as from far or slow
// hosts while the server stays cheap: a paced cycle's wake-ups cost CPU of their own. nginx sends
// the first second's worth at once, so only a rate below a feed's size (about 10 KB here) paces.
//
// --isolate-server runs the HTTP server on the last CPU and the reference and the cycles on the
// others (`taskset`): the server stands in for the Internet, and sharing CPUs with it makes the
// measured process pay for its cache and scheduling traffic. On a machine of two CPUs this also
// keeps each cycle on one CPU, so the default (nothing pinned) stays the figure of record.
//
// --runs N (5 unless given) repeats reference, cold and warm N times, interleaved (each cold on
// an empty database), and prints each figure's median with its range and the ratio of the
// medians: on a shared machine one run's CPU varies by ±15 %, and a ratio of two single runs by
// more (in one nine-run series the realistic cold cycles took 2.60–2.91 s, the reference
// 0.70–0.86 s).
//
// near-duplicate: every text is drawn from one 12-word vocabulary and shares a 40-word lead, so
// every article is a near duplicate of every other (the worst case for clustering: every
// bucket full, every candidate similar; syndicated wire copy looks like it).
// realistic: a 20,000-word Zipf vocabulary; a third of the stories are carried by three feeds.

var arguments = CommandLine.arguments.dropFirst()
if arguments.first == "--cycle", let path = arguments.dropFirst().first {
    // Child: one `run --once` cycle over the configuration at `path`, started as `feedwatch` starts.
    MallocArenas.limit()
    var logger = Logger(label: "cycle-benchmark")
    logger.logLevel = .error
    let configuration = try ConfigurationLoader.load(path: path)
    let runtime = try await FeedWatchRuntime.open(configuration: configuration, logger: logger)
    // The peak so far when the last feed's refresh reports, so the refreshes' share of the
    // peak and the digest publication's (which comes after) are told apart.
    var refreshed = 0
    var atRefreshEnd = (peak: 0.0, resident: 0.0, cpu: 0.0)
    let report = try await runtime.runOnce(onReport: { _ in
        refreshed += 1
        if refreshed == configuration.feeds.count { atRefreshEnd = (memoryStatus("VmHWM"), memoryStatus("VmRSS"), processCPUSeconds()) }
    })
    await runtime.store.close()
    // Every generated item mentions the topic's word, so a cold cycle that matches fewer items
    // than it stores measured less than a cycle's work (items aged out of the backfill window).
    if report.newArticles > 0, report.newMatches != report.newArticles {
        print("cycle: \(report.newArticles) new articles but \(report.newMatches) new matches; every item should match")
        exit(3)
    }
    print("cycle: \(report.feeds.count) feeds, \(report.failedFeeds) failed, \(report.newArticles) new articles, "
          + "\(report.newMatches) new matches, \(report.digestFiles.count) digest files written")
    print(String(format: "memory: peak %.1f MB by the end of the refreshes (%.1f MB resident then), %.1f MB over the whole cycle",
                 atRefreshEnd.peak, atRefreshEnd.resident, memoryStatus("VmHWM")))
    print(String(format: "cpu: %.2f s by the end of the refreshes, %.2f s over the whole cycle (the rest is the digest's publication)",
                 atRefreshEnd.cpu, processCPUSeconds()))
    exit(0)
}

/// The process's CPU time so far (user and system, every thread).
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// A field of /proc/self/status in MB (VmHWM: the peak resident set so far; VmRSS: now).
func memoryStatus(_ field: String) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
    }
    return 0
}

var feedCount = 2_000
var itemCount = 20
var vocabularies = ["near-duplicate", "realistic"]
var runReference = true
var runs = 5
var isolateServer = false
/// The HTTP server that serves the feed files.
enum ServerKind: String { case python, nginx }
let nginxPath = ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
var serverKind = nginxPath == nil ? ServerKind.python : .nginx
/// nginx's `limit_rate` in bytes a second; nil: unlimited.
var serverRate: Int?
while let argument = arguments.popFirst() {
    switch argument {
    case "--feeds": feedCount = Int(arguments.popFirst() ?? "") ?? feedCount
    case "--items": itemCount = Int(arguments.popFirst() ?? "") ?? itemCount
    case "--vocabulary":
        let value = arguments.popFirst() ?? "both"
        vocabularies = value == "both" ? ["near-duplicate", "realistic"] : [value]
    case "--no-reference": runReference = false
    case "--runs": runs = max(1, Int(arguments.popFirst() ?? "") ?? runs)
    case "--isolate-server": isolateServer = true
    case "--server":
        let value = arguments.popFirst() ?? ""
        guard let kind = ServerKind(rawValue: value) else {
            FileHandle.standardError.write(Data("--server is python or nginx, not \(value)\n".utf8))
            exit(2)
        }
        if kind == .nginx, nginxPath == nil {
            FileHandle.standardError.write(Data("--server nginx: no nginx in /usr/sbin or /usr/bin (apt-get install nginx-light)\n".utf8))
            exit(2)
        }
        serverKind = kind
    case "--server-rate":
        guard let rate = Int(arguments.popFirst() ?? ""), rate > 0 else {
            FileHandle.standardError.write(Data("--server-rate takes bytes a second, more than 0\n".utf8))
            exit(2)
        }
        serverRate = rate
    default:
        FileHandle.standardError.write(Data(
            "usage: CycleBenchmark [--feeds N] [--items N] [--vocabulary near-duplicate|realistic|both] [--no-reference] [--runs N] [--isolate-server] [--server python|nginx] [--server-rate BYTES]\n".utf8))
        exit(2)
    }
}

/// `taskset` prefixes for `--isolate-server`: the server on the last CPU, the measured processes on the rest.
let (serverPinning, measuredPinning): ([String], [String]) = {
    let cpus = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    guard isolateServer else { return ([], []) }
    guard cpus >= 2 else {
        FileHandle.standardError.write(Data("--isolate-server needs two CPUs or more; nothing is pinned\n".utf8))
        return ([], [])
    }
    return (["taskset", "-c", "\(cpus - 1)"], ["taskset", "-c", cpus == 2 ? "0" : "0-\(cpus - 2)"])
}()

/// Deterministic generator so runs are comparable.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}

/// Generates the feed files of one vocabulary.
struct FeedGenerator {
    let vocabulary: String
    let items: Int
    /// The items' publication dates, one minute apart back from an hour ago: recent enough to
    /// be matched (not backfill) whenever the benchmark runs.
    let dates: [String] = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let newest = Date().addingTimeInterval(-3_600)
        return (0..<60).map { formatter.string(from: newest.addingTimeInterval(-60 * Double($0))) }
    }()
    static let nearDuplicateWords = [
        "missile", "test", "launch", "officials", "said", "region", "report", "new", "statement", "forces", "today", "coast",
    ]
    static let zipfWords: [String] = {
        var random = SplitMix64(state: 2026)
        let syllables = ["ka", "ro", "mi", "ten", "sa", "vo", "lu", "dre", "pa", "nim", "ost", "er", "al", "qui", "zen", "bor"]
        return (0..<20_000).map { _ in
            (0..<(2 + random.below(3))).map { _ in syllables[random.below(syllables.count)] }.joined()
        }
    }()

    /// The near-duplicate lead every article shares (wire copy), drawn once.
    static let lead: String = {
        var random = SplitMix64(state: 12)
        return (0..<40).map { _ in nearDuplicateWords[random.below(nearDuplicateWords.count)] }.joined(separator: " ")
    }()

    func words(_ random: inout SplitMix64, count: Int) -> String {
        var parts: [String] = []
        for _ in 0..<count {
            if vocabulary == "near-duplicate" {
                parts.append(Self.nearDuplicateWords[random.below(Self.nearDuplicateWords.count)])
            } else {
                let rank = Int(Double(Self.zipfWords.count) * pow(Double(random.below(10_000)) / 10_000, 3))
                parts.append(Self.zipfWords[min(rank, Self.zipfWords.count - 1)])
            }
        }
        return parts.joined(separator: " ")
    }

    /// Feed `number`'s document. Every item mentions the benchmark topic's word ("missile").
    func document(_ number: Int) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Feed \(number)</title>"
            + "<link>http://example.org/\(number)</link><description>Generated feed \(number)</description>"
        for item in 0..<items {
            // Realistic: the feeds of each group of three carry the same third of their stories
            // (own boilerplate around the shared text); the rest are their own.
            let shared = vocabulary == "realistic" && item % 3 == 0
            var story = SplitMix64(state: shared ? UInt64((number / 3) * 1_000 + item) : UInt64(number * 1_000 + item) &+ 7_777_777)
            var own = SplitMix64(state: UInt64(number * 1_000 + item) &+ 99)
            let title = words(&story, count: 7)
            let text = vocabulary == "realistic"
                ? words(&own, count: 6) + " missile " + words(&story, count: 60)
                : "missile " + Self.lead + " " + words(&story, count: 20)
            xml += "<item><guid>feed\(number)-item\(item)</guid><title>\(title)</title>"
                + "<link>http://example.org/\(number)/\(item)</link><description>\(text)</description>"
                + "<pubDate>\(dates[item % dates.count])</pubDate></item>"
        }
        return xml + "</channel></rss>"
    }
}

/// What wait4 reports about one child process.
struct ChildFigures {
    var wall: Double
    var cpu: Double
    var peakRSSMiB: Double
    var status: Int32
    var output: String

    /// Each figure's median over `runs` (of an even count, the upper of the middle two); the
    /// first failed run's status and output, else the last run's.
    static func median(_ runs: [ChildFigures]) -> ChildFigures {
        func middle(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        let shown = runs.first { $0.status != 0 } ?? runs[runs.count - 1]
        return ChildFigures(
            wall: middle(runs.map(\.wall)), cpu: middle(runs.map(\.cpu)), peakRSSMiB: middle(runs.map(\.peakRSSMiB)),
            status: shown.status, output: shown.output)
    }
}

/// Runs `argv` as a child process (stdout to `outputPath`) and measures it with wait4.
func measure(_ argv: [String], outputPath: String) -> ChildFigures {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    var cEnvironment: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for pointer in cArguments + cEnvironment { free(pointer) } }
    var pid: pid_t = 0
    let started = DispatchTime.now().uptimeNanoseconds
    let spawned = posix_spawnp(&pid, argv[0], &actions, nil, &cArguments, &cEnvironment)
    posix_spawn_file_actions_destroy(&actions)
    guard spawned == 0 else {
        print("cannot start \(argv[0]): \(String(cString: strerror(spawned)))")
        exit(1)
    }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let wall = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    return ChildFigures(wall: wall, cpu: cpu, peakRSSMiB: Double(usage.ru_maxrss) / 1024, status: status, output: output)
}

/// A free loopback TCP port.
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The command line of the feed server `kind` on `port`, serving `feeds` (nginx at `rate` bytes
/// a second a response, when given); nginx gets a configuration of its own in `work`.
func serverCommand(_ kind: ServerKind, port: Int, feeds: String, work: String, rate: Int?) throws -> [String] {
    switch kind {
    case .python:
        return ["python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory", feeds, "\(port)"]
    case .nginx:
        // Only chosen when found (the default, or `--server nginx`, checked with the arguments).
        let nginx = nginxPath ?? "nginx"
        try FileManager.default.createDirectory(atPath: work + "/nginx", withIntermediateDirectories: true)
        let configuration = """
            daemon off;
            master_process off;
            pid \(work)/nginx/nginx.pid;
            error_log \(work)/nginx/error.log;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path \(work)/nginx/body;
                proxy_temp_path \(work)/nginx/proxy;
                fastcgi_temp_path \(work)/nginx/fastcgi;
                uwsgi_temp_path \(work)/nginx/uwsgi;
                scgi_temp_path \(work)/nginx/scgi;
                types { text/xml xml; }
                sendfile on;
                keepalive_timeout 0;
                \(rate.map { "limit_rate \($0);" } ?? "")
                server { listen 127.0.0.1:\(port); root \(feeds); }
            }
            """
        try configuration.write(toFile: work + "/nginx/nginx.conf", atomically: true, encoding: .utf8)
        return [nginx, "-p", work + "/nginx", "-c", work + "/nginx/nginx.conf", "-e", work + "/nginx/error.log"]
    }
}

/// Waits until something accepts connections on `port`.
func waitForServer(port: Int) {
    for _ in 0..<200 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        close(fd)
        if connected == 0 { return }
        usleep(50_000)
    }
    print("the feed server did not start")
    exit(1)
}

let executable = URL(fileURLWithPath: CommandLine.arguments[0]).path.hasPrefix("/")
    ? CommandLine.arguments[0] : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
let selfPath = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? executable

func padded(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

func row(_ label: String, _ figures: ChildFigures, reference: ChildFigures?) -> String {
    let ratio = reference.map { String(format: "%6.1f×", figures.cpu / max($0.cpu, 0.001)) } ?? "      –"
    return padded(label, 28) + String(format: "%8.2f s %8.2f s %9.1f MB   ", figures.cpu, figures.wall, figures.peakRSSMiB) + ratio
}

print("CycleBenchmark: \(feedCount) loopback feeds × \(itemCount) items, one topic matching every item, SQLite, release build, "
      + "served by \(serverKind == .python ? "python3 -m http.server" : "nginx")\(nginxPath == nil ? " (no nginx found)" : "")"
      + (serverRate.map { serverKind == .nginx ? " at \($0) bytes/s a response" : " (--server-rate ignored: nginx only)" } ?? "")
      + (serverPinning.isEmpty ? "" : "; server pinned (\(serverPinning.joined(separator: " "))), measured processes pinned (\(measuredPinning.joined(separator: " ")))"))
for vocabulary in vocabularies {
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("fw-cycle-\(getpid())-\(vocabulary)").path
    try? FileManager.default.removeItem(atPath: work)
    let feedsDirectory = work + "/feeds"
    try FileManager.default.createDirectory(atPath: feedsDirectory, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: work + "/state", withIntermediateDirectories: true)
    let generator = FeedGenerator(vocabulary: vocabulary, items: itemCount)
    for number in 0..<feedCount {
        try generator.document(number).write(toFile: "\(feedsDirectory)/feed\(number).xml", atomically: false, encoding: .utf8)
    }
    // Files dated in the past, so If-Modified-Since of the warm cycle gets 304 at once.
    let port = freePort()
    let server = Process()
    server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    server.arguments = serverPinning + (try serverCommand(serverKind, port: port, feeds: feedsDirectory, work: work, rate: serverRate))
    server.standardOutput = FileHandle.nullDevice
    server.standardError = FileHandle.nullDevice
    try server.run()
    waitForServer(port: port)
    defer { kill(server.processIdentifier, SIGKILL) }

    var config = """
        [storage]
        state_directory = "\(work)/state"

        [fetch]
        concurrency = 16
        per_host_concurrency = 16

        [digest]
        directory = "\(work)/digests"
        formats = ["markdown", "html", "atom", "json"]

        [[topic]]
        id = "missile"
        name = "Missile"
        query = 'missile'


        """
    for number in 0..<feedCount {
        config += "[[feed]]\nurl = \"http://127.0.0.1:\(port)/feed\(number).xml\"\n\n"
    }
    try config.write(toFile: work + "/feedwatch.toml", atomically: true, encoding: .utf8)
    try referenceScript.write(toFile: work + "/reference.py", atomically: true, encoding: .utf8)

    // CYCLE_BENCH_WRAP="perf record -g -o /tmp/%.data" profiles each cycle (% becomes cold-/warm-VOCABULARY;
    // the figures then include perf's own cost).
    let wrap = ProcessInfo.processInfo.environment["CYCLE_BENCH_WRAP"].map { $0.split(separator: " ").map(String.init) } ?? []
    var references: [ChildFigures] = []
    var colds: [ChildFigures] = []
    var warms: [ChildFigures] = []
    for run in 0..<runs {
        if run > 0 {
            // Each cold cycle starts from an empty database and no digests, the reference from no database.
            for path in [work + "/state", work + "/digests", work + "/reference.sqlite", work + "/reference.sqlite-wal"] {
                try? FileManager.default.removeItem(atPath: path)
            }
            try FileManager.default.createDirectory(atPath: work + "/state", withIntermediateDirectories: true)
        }
        if runReference {
            references.append(measure(
                measuredPinning + ["python3", work + "/reference.py", feedsDirectory, work + "/reference.sqlite"], outputPath: work + "/reference.log"))
        }
        colds.append(measure(
            measuredPinning + wrap.map { $0.replacingOccurrences(of: "%", with: "cold-\(vocabulary)") } + [selfPath, "--cycle", work + "/feedwatch.toml"],
            outputPath: work + "/cold.log"))
        warms.append(measure(
            measuredPinning + wrap.map { $0.replacingOccurrences(of: "%", with: "warm-\(vocabulary)") } + [selfPath, "--cycle", work + "/feedwatch.toml"],
            outputPath: work + "/warm.log"))
    }
    let reference = references.isEmpty ? nil : ChildFigures.median(references)
    let cold = ChildFigures.median(colds)
    let warm = ChildFigures.median(warms)

    print("\n\(vocabulary) vocabulary" + (runs > 1 ? " (medians of \(runs) interleaved runs)" : ""))
    print(padded("", 28) + "     CPU       wall     peak RSS   CPU vs reference")
    if let reference { print(row("reference (Python+sqlite3)", reference, reference: reference)) }
    print(row("feedwatch cold cycle", cold, reference: reference))
    print(row("feedwatch warm cycle (304)", warm, reference: reference))
    if runs > 1 {
        for (label, all) in [("reference", references), ("cold", colds), ("warm", warms)] where !all.isEmpty {
            let cpus = all.map(\.cpu).sorted()
            let peaks = all.map(\.peakRSSMiB).sorted()
            print("  \(label): CPU \(cpus.map { String(format: "%.2f", $0) }.joined(separator: " ")) s; "
                  + String(format: "peak RSS %.1f–%.1f MB", peaks.first ?? 0, peaks.last ?? 0))
        }
    }
    for (label, figures) in [("reference", references.last), ("cold", colds.last), ("warm", warms.last)] {
        guard let figures else { continue }
        let lines = figures.output.split(separator: "\n").filter { $0.hasPrefix("cycle:") || $0.hasPrefix("reference:") }
        print("  \(label): \(lines.last.map(String.init) ?? "exit status \(figures.status): \(figures.output.suffix(400))")")
        for line in figures.output.split(separator: "\n") where line.hasPrefix("memory:") || line.hasPrefix("cpu:") {
            print("  \(label) \(line)")
        }
    }
    try? FileManager.default.removeItem(atPath: work)
    if let failed = (references + colds + warms).first(where: { $0.status != 0 }) {
        print("a measured run failed (exit status \(failed.status)); its figures are not a cycle's")
        exit(1)
    }
}

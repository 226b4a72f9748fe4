// Fetch benchmark: feedwatch's Fetcher over many loopback feeds; Benchmarks/fetch/run.sh drives it.
//
//   FetchBenchmark generate DIR COUNT        writes DIR/feeds/0.xml … (COUNT feeds of 20 items)
//   FetchBenchmark fetch BASE COUNT PARALLEL [WINDOW]
//       one full cycle, then a conditional cycle (all 304), over BASE/feeds/N.xml; prints wall times and
//       peak RSS. WINDOW bounds the fetch tasks alive at once; without it all COUNT are submitted at once.
import FeedWatchFetching
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

/// One RSS 2.0 feed of 20 items, about 7 KB, varied by `index`.
func feedDocument(_ index: Int) -> String {
    var xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <rss version="2.0"><channel><title>Benchmark feed \(index)</title>
        <link>https://feeds.example.org/\(index)</link><description>Feed \(index) for the fetch benchmark</description>

        """
    for item in 0..<20 {
        xml += """
            <item><title>Item \(item) of feed \(index): sanctions, missile tests and weather</title>
            <link>https://feeds.example.org/\(index)/items/\(item)</link><guid>urn:bench:\(index):\(item)</guid>
            <pubDate>Sat, 28 Nov 2026 \(String(format: "%02d", item)):00:00 GMT</pubDate>
            <description>Paragraph \(item) of feed \(index). Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.</description></item>

            """
    }
    return xml + "</channel></rss>\n"
}

func generate(directory: String, count: Int) {
    let feeds = URL(fileURLWithPath: directory).appendingPathComponent("feeds")
    do {
        try FileManager.default.createDirectory(at: feeds, withIntermediateDirectories: true)
        for index in 0..<count {
            try Data(feedDocument(index).utf8).write(to: feeds.appendingPathComponent("\(index).xml"))
        }
    } catch {
        fail("generate: \(error)")
    }
}

/// Peak (`VmHWM`) or current (`VmRSS`) resident set of this process, in MiB.
func residentMiB(_ field: String = "VmHWM:") -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
        let kilobytes = line.split(separator: " ").compactMap({ Int($0) }).first
    else { return 0 }
    return Double(kilobytes) / 1024
}

struct CycleReport: Sendable {
    var statuses: [Int: Int] = [:]
    var errors: [String: Int] = [:]
    var bytes = 0
}

/// Fetches every URL once, keeping only validators. `window` bounds the fetch tasks alive at once
/// (nil: all submitted at once, and the engine queues them).
func cycle(
    _ fetcher: Fetcher, urls: [String], validators: [(etag: String?, lastModified: String?)]?, window: Int?
) async -> (CycleReport, [(etag: String?, lastModified: String?)]) {
    await withTaskGroup(of: (Int, Result<FetchResult, FetchError>).self) { group in
        var next = 0
        func addNext() {
            guard next < urls.count else { return }
            let index = next
            next += 1
            let request = FetchRequest(
                url: urls[index], etag: validators?[index].etag, lastModified: validators?[index].lastModified)
            group.addTask {
                // An untyped catch: `do throws(FetchError)` in this closure crashed in -c release (Swift 6.3.1).
                let outcome: Result<FetchResult, FetchError>
                do {
                    outcome = .success(try await fetcher.fetch(request))
                } catch let error as FetchError {
                    outcome = .failure(error)
                } catch {
                    outcome = .failure(FetchError(code: .other, message: "\(error)"))
                }
                return (index, outcome)
            }
        }
        for _ in 0..<min(window ?? urls.count, urls.count) { addNext() }
        var report = CycleReport()
        var found = [(etag: String?, lastModified: String?)](repeating: (nil, nil), count: urls.count)
        for await (index, outcome) in group {
            addNext()
            switch outcome {
            case .success(let result):
                report.statuses[result.status, default: 0] += 1
                report.bytes += result.body.count
                found[index] = (result.etag, result.lastModified)
            case .failure(let error):
                report.errors[error.code.rawValue, default: 0] += 1
            }
        }
        return (report, found)
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func describe(_ report: CycleReport) -> String {
    let statuses = report.statuses.sorted { $0.key < $1.key }.map { "\($0.key)x\($0.value)" }.joined(separator: ",")
    let errors = report.errors.sorted { $0.key < $1.key }.map { "\($0.key)x\($0.value)" }.joined(separator: ",")
    return "statuses=\(statuses) errors=\(errors.isEmpty ? "none" : errors) body_bytes=\(report.bytes)"
}

func runFetch(base: String, count: Int, parallel: Int, window: Int?) async {
    let configuration = FetcherConfiguration(maxConcurrent: parallel, maxPerHost: parallel)
    let fetcher: Fetcher
    do throws(FetchError) {
        fetcher = try Fetcher(configuration: configuration)
    } catch {
        fail("fetcher: \(error)")
    }
    defer { fetcher.shutdown() }
    let urls = (0..<count).map { "\(base)/feeds/\($0).xml" }
    let baseline = residentMiB("VmRSS:")
    let clock = ContinuousClock()

    var start = clock.now
    let (full, validators) = await cycle(fetcher, urls: urls, validators: nil, window: window)
    let fullSeconds = seconds(clock.now - start)
    let label = window.map { "feedwatch_window\($0)" } ?? "feedwatch"
    print(String(format: "%@_full_cycle_s=%.3f ", label, fullSeconds) + describe(full))

    start = clock.now
    let (conditional, _) = await cycle(fetcher, urls: urls, validators: validators, window: window)
    let conditionalSeconds = seconds(clock.now - start)
    print(String(format: "%@_304_cycle_s=%.3f ", label, conditionalSeconds) + describe(conditional))
    print(String(format: "%@_peak_rss_mib=%.1f (%.1f before the first cycle)", label, residentMiB(), baseline))
}

let arguments = CommandLine.arguments
switch arguments.count > 1 ? arguments[1] : "" {
case "generate" where arguments.count == 4:
    guard let count = Int(arguments[3]), count > 0 else { fail("COUNT must be a positive number") }
    generate(directory: arguments[2], count: count)
case "fetch" where arguments.count == 5 || arguments.count == 6:
    guard let count = Int(arguments[3]), count > 0, let parallel = Int(arguments[4]), parallel > 0 else {
        fail("COUNT and PARALLEL must be positive numbers")
    }
    let window = arguments.count == 6 ? Int(arguments[5]) : nil
    if arguments.count == 6, (window ?? 0) <= 0 { fail("WINDOW must be a positive number") }
    await runFetch(base: arguments[2], count: count, parallel: parallel, window: window)
default:
    fail("usage: FetchBenchmark generate DIR COUNT | fetch BASE COUNT PARALLEL [WINDOW]")
}

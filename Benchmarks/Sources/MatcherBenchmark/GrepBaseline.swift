import Foundation

/// Runs `LC_ALL=C grep -F -i -o -f topics.txt articles.txt` and times it: wall clock, and the CPU
/// time of the child processes (grep, plus a negligible `sh` and `wc -l` counting its output).
enum GrepBaseline {
    struct Result {
        var seconds: Double
        var cpuSeconds: Double
        var matches: Int
    }

    static func run(patterns: URL, text: URL) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "LC_ALL=C grep -F -i -o -f '\(patterns.path)' '\(text.path)' | wc -l"]
        let output = Pipe()
        process.standardOutput = output
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = CPUTime.children()
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let elapsed = clock.now - start
        let cpu = CPUTime.children() - cpuStart
        let count = Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        return Result(seconds: elapsed.seconds, cpuSeconds: cpu, matches: count)
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// CPU time, which other processes on a shared machine do not inflate (unlike wall time).
enum CPUTime {
    /// CPU seconds used by the calling thread.
    static func thread() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// User + system CPU seconds of all waited-for child processes so far.
    static func children() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        func seconds(_ value: timeval) -> Double { Double(value.tv_sec) + Double(value.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

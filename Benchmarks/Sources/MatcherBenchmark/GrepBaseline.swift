import Foundation

/// Runs `LC_ALL=C grep -F -i -o -f topics.txt articles.txt` and times it (wall clock, output discarded).
enum GrepBaseline {
    struct Result {
        var seconds: Double
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
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let elapsed = clock.now - start
        let count = Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        return Result(seconds: elapsed.seconds, matches: count)
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

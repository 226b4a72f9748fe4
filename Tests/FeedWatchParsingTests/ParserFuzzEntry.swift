import FeedWatchModel
import FeedWatchParsing

// The libFuzzer entry point for `make fuzz-parser` (Makefile.parser compiles this file with
// `swiftc -sanitize=fuzzer`). It lives in the test target so `swift test` keeps it compiling
// and `FuzzRegressionTests` runs it over known inputs. Public API only.

/// Parses one fuzzer input and exercises everything downstream code touches.
@_cdecl("LLVMFuzzerTestOneInput")
public func parserFuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Small limits make the depth and text bounds reachable by the fuzzer.
    let limits = ParseLimits(maxBytes: 1 << 20, maxDepth: 64, maxTextBytes: 64 * 1024)
    if let feed = try? FeedParser.parse(bytes, documentURL: "https://fuzz.example/feed/", limits: limits) {
        _ = FeedJSONEncoder.encode(feed)
        for entry in feed.entries { precondition(!entry.fingerprint.isEmpty) }
    }
    _ = HTMLText.plainText(fromHTML: String(decoding: bytes, as: UTF8.self))
    return 0
}

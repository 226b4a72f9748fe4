import FeedWatchModel
import FeedWatchParsing

// The libFuzzer entry point for `make fuzz-parser` (Makefile.parser compiles this file with
// `swiftc -sanitize=fuzzer`). It lives in the test target so `swift test` keeps it compiling
// and `FuzzRegressionTests` runs it over known inputs. Public API only.

/// Parses one fuzzer input and exercises everything downstream code touches.
@_cdecl("LLVMFuzzerTestOneInput")
public func parserFuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Small limits make every bound reachable by the fuzzer within its 64 KiB inputs (the
    // hostile seeds in FuzzSeeds/ cross them). With and without a document URL: items
    // without a base of their own wait for the channel link.
    let limits = ParseLimits(maxBytes: 1 << 20, maxDepth: 64, maxTextBytes: 64 * 1024, maxEntries: 200,
                             maxAttributes: 32, maxNamespaces: 16, maxNames: 1000)
    for documentURL in ["https://fuzz.example/feed/", nil] as [String?] {
        let parsed = Result(catching: { () throws(ParseError) -> ParsedFeed in
            try FeedParser.parse(bytes, documentURL: documentURL, limits: limits)
        })
        guard case .success(let feed) = parsed else { continue }
        _ = FeedJSONEncoder.encode(feed)
        // Strings made from parser bytes without validation must hold valid UTF-8.
        var texts = [feed.title, feed.subtitle, feed.link, feed.language]
        for entry in feed.entries {
            texts += [entry.id, entry.title, entry.link, entry.summary?.value, entry.summary?.plainText,
                      entry.content?.value, entry.content?.plainText, entry.commentsURL, entry.language]
            texts += entry.categories.map { Optional($0) } + entry.authors.map(\.name)
        }
        for case let text? in texts {
            precondition(String(validating: Array(text.utf8), as: UTF8.self) != nil, "invalid UTF-8 in a parsed feed")
        }
        precondition(feed.entries.count <= limits.maxEntries)
        for entry in feed.entries { precondition(!entry.fingerprint.isEmpty) }
    }
    _ = HTMLText.plainText(fromHTML: String(decoding: bytes, as: UTF8.self))
    return 0
}

import CLibXML2Raw
import FeedWatchParsing
import FeedWatchModel
import Foundation

// Parser throughput next to libxml2's raw SAX rate over the same bytes, in the same run.
//
//   swift run -c release ParserBenchmark [path/to/shared]
//
// Two inputs: every file of the real-world corpus (173 feeds, 3.3 MB), and a generated
// 12 MB RSS 2.0 document with 20,000 items. "raw libxml2" is a SAX2 push parse with the
// parser's options and callbacks that do nothing: the physical limit of this design.

let arguments = CommandLine.arguments.filter { !$0.hasPrefix("--") }
/// `--parser-only` skips the libxml2 baseline (for profiling the parser alone).
let parserOnly = CommandLine.arguments.contains("--parser-only")
let sharedPath = arguments.count > 1 ? arguments[1]
    : (ProcessInfo.processInfo.environment["FEEDWATCH_SHARED"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared").path)

func loadCorpus() -> [[UInt8]] {
    let root = URL(fileURLWithPath: sharedPath).appendingPathComponent("corpus/real-feeds")
    guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { return [] }
    var documents: [[UInt8]] = []
    for case let path as String in enumerator {
        let name = (path as NSString).lastPathComponent
        guard !name.hasPrefix("LICENSE"), !name.hasSuffix(".md"),
              let data = FileManager.default.contents(atPath: root.appendingPathComponent(path).path),
              !data.isEmpty else { continue }
        documents.append([UInt8](data))
    }
    return documents
}

/// A 12 MB RSS 2.0 document with 20,000 items of typical news-feed shape.
func generatedRSS(items: Int = 20_000) -> [UInt8] {
    var text = """
        <?xml version="1.0" encoding="UTF-8"?>
        <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
        <channel><title>Generated</title><link>https://bench.example/</link><description>Benchmark feed</description>

        """
    for index in 0..<items {
        let minute = index % 60
        text += """
            <item><title>Item \(index): sanctions &amp; missile tests reported in region \(index % 97)</title>
            <link>https://bench.example/news/\(index).html</link>
            <guid isPermaLink="false">bench-\(index)</guid>
            <pubDate>Tue, 22 Mar 2016 09:\(minute < 10 ? "0" : "")\(minute):00 +0000</pubDate>
            <dc:creator>Reporter \(index % 13)</dc:creator><category>World</category><category>Politics</category>
            <description>&lt;p&gt;Officials said on Tuesday that the latest round of \(index) measures would take effect
            immediately, according to a statement. &lt;a href="/related/\(index)"&gt;Related coverage&lt;/a&gt;.&lt;/p&gt;
            &lt;p&gt;Analysts expect further steps in the coming weeks as talks continue.&lt;/p&gt;</description>
            </item>

            """
    }
    text += "</channel></rss>\n"
    return Array(text.utf8)
}

// MARK: Raw libxml2 SAX loop

private func rawStart(_ context: UnsafeMutableRawPointer?, _ localname: UnsafePointer<xmlChar>?,
                      _ prefix: UnsafePointer<xmlChar>?, _ uri: UnsafePointer<xmlChar>?, _ namespaceCount: Int32,
                      _ namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, _ attributeCount: Int32,
                      _ defaulted: Int32, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {}
private func rawEnd(_ context: UnsafeMutableRawPointer?, _ localname: UnsafePointer<xmlChar>?,
                    _ prefix: UnsafePointer<xmlChar>?, _ uri: UnsafePointer<xmlChar>?) {}
private func rawCharacters(_ context: UnsafeMutableRawPointer?, _ characters: UnsafePointer<xmlChar>?, _ length: Int32) {}
private func rawError(_ context: UnsafeMutableRawPointer?, _ error: xmlErrorPtr?) {}

func rawSAXParse(_ bytes: [UInt8]) {
    var handler = xmlSAXHandler()
    handler.initialized = UInt32(XML_SAX2_MAGIC)
    handler.startElementNs = rawStart
    handler.endElementNs = rawEnd
    handler.characters = rawCharacters
    handler.serror = rawError
    guard let context = xmlCreatePushParserCtxt(&handler, nil, nil, 0, nil) else { return }
    defer { xmlFreeParserCtxt(context) }
    _ = xmlCtxtUseOptions(context, Int32(XML_PARSE_RECOVER.rawValue | XML_PARSE_NONET.rawValue
        | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue))
    bytes.withUnsafeBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        var offset = 0
        while offset < buffer.count {
            let length = min(256 * 1024, buffer.count - offset)
            _ = xmlParseChunk(context, UnsafeRawPointer(base + offset).assumingMemoryBound(to: CChar.self),
                              Int32(length), 0)
            offset += length
        }
        _ = xmlParseChunk(context, nil, 0, 1)
    }
}

// MARK: Measurement

/// Runs `body` over all documents repeatedly for at least `seconds`, returns MB/s (10^6 bytes).
func throughput(_ documents: [[UInt8]], seconds: Double = 3, _ body: ([UInt8]) -> Void) -> (rate: Double, runs: Int) {
    let bytes = documents.reduce(0) { $0 + $1.count }
    for document in documents { body(document) }  // warm-up
    let clock = ContinuousClock()
    var runs = 0
    let start = clock.now
    var elapsed = 0.0
    repeat {
        for document in documents { body(document) }
        runs += 1
        let duration = clock.now - start
        elapsed = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    } while elapsed < seconds
    return (Double(bytes * runs) / elapsed / 1e6, runs)
}

xmlInitParser()

/// `--dump=DIR` writes every corpus feed's full `ParsedFeed` (without and with a document
/// URL) to DIR and exits: diff two such directories to check that a parser change keeps
/// every behaviour.
if let flag = CommandLine.arguments.first(where: { $0.hasPrefix("--dump=") }) {
    let directory = String(flag.dropFirst("--dump=".count))
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let root = URL(fileURLWithPath: sharedPath).appendingPathComponent("corpus")
    var files: [String] = []
    if let enumerator = FileManager.default.enumerator(atPath: root.path) {
        for case let path as String in enumerator { files.append(path) }
    }
    files.sort()
    for path in files where !path.hasSuffix(".md") {
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(path).path) else { continue }
        var text = ""
        for documentURL in [nil, "https://dump.example/feeds/feed.xml"] as [String?] {
            do {
                dump(try FeedParser.parse([UInt8](data), documentURL: documentURL), to: &text)
            } catch {
                text += "error: \(error)\n"
            }
        }
        let name = path.replacingOccurrences(of: "/", with: "__")
        _ = FileManager.default.createFile(atPath: directory + "/" + name + ".txt", contents: Data(text.utf8))
    }
    var generatedText = ""
    dump(try? FeedParser.parse(generatedRSS(items: 200), documentURL: "https://bench.example/feed"), to: &generatedText)
    _ = FileManager.default.createFile(atPath: directory + "/generated.txt", contents: Data(generatedText.utf8))
    exit(0)
}
/// `--generated-only` skips the corpus (for profiling one shape of input).
let corpus = CommandLine.arguments.contains("--generated-only") ? [] : loadCorpus()
if corpus.isEmpty { print("note: no corpus at \(sharedPath)/corpus/real-feeds; only the generated feed is measured") }
let generated = generatedRSS()

var entriesSeen = 0
let inputs: [(String, [[UInt8]])] = (corpus.isEmpty ? [] : [("real-world corpus (\(corpus.count) files)", corpus)])
    + (CommandLine.arguments.contains("--corpus-only") ? [] : [("generated RSS 2.0, 20,000 items", [generated])])
/// `--rounds=N` (default 5): the parser and the raw loop take turns, a second each, N times;
/// the best second of each is reported, so a slow spell of the shared machine does not land
/// on one side only.
let rounds = CommandLine.arguments.first { $0.hasPrefix("--rounds=") }.flatMap { Int($0.dropFirst("--rounds=".count)) } ?? 5
print("input                                   size       FeedParser   raw libxml2 SAX   ratio")
for (name, documents) in inputs {
    let bytes = documents.reduce(0) { $0 + $1.count }
    var best = (parser: 0.0, raw: 0.0)
    for _ in 0..<rounds {
        best.parser = max(best.parser, throughput(documents, seconds: 1) { document in
            if let feed = try? FeedParser.parse(document) { entriesSeen &+= feed.entries.count }
        }.rate)
        if parserOnly { continue }
        best.raw = max(best.raw, throughput(documents, seconds: 1) { rawSAXParse($0) }.rate)
    }
    if parserOnly { best.raw = .nan }
    let label = name.padding(toLength: 38, withPad: " ", startingAt: 0)
    let size = String(format: "%6.2f MB", Double(bytes) / 1e6)
    print("\(label)  \(size)   \(String(format: "%7.1f MB/s", best.parser))     \(String(format: "%7.1f MB/s", best.raw))"
        + "      \(String(format: "%.2f", best.parser / best.raw))")
}
print("(entries parsed, to keep the work observable: \(entriesSeen))")

// MARK: Hostile inputs: wall time of one parse each (release build)

/// `--no-hostile` stops here (profiling under valgrind, where the 200 MB input takes minutes).
if CommandLine.arguments.contains("--no-hostile") { exit(0) }

func milliseconds(_ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    let duration = clock.measure(body)
    return Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) * 1e-15
}

func outcome(_ body: () throws(ParseError) -> ParsedFeedSummary) -> String {
    do { return try body().text } catch { return error.description }
}

struct ParsedFeedSummary { let text: String }

var laughs = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY lol0 \"lol\">"
for level in 1...9 { laughs += "<!ENTITY lol\(level) \"\(String(repeating: "&lol\(level - 1);", count: 10))\">" }
laughs += "]><rss><channel><item><title>&lol9;</title></item></channel></rss>"
let xxe = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><rss><channel><item><title>&xxe;</title></item></channel></rss>"
var nested = Array("<rss><channel><item>".utf8)
for _ in 0..<100_000 { nested += Array("<a>".utf8) }
for _ in 0..<100_000 { nested += Array("</a>".utf8) }
var hugeText = Array("<rss><channel><item><title>".utf8)
hugeText += [UInt8](repeating: UInt8(ascii: "a"), count: 200 * 1024 * 1024)
hugeText += Array("</title></item></channel></rss>".utf8)

var hostile: [(String, [UInt8], ParseLimits)] = [
    ("billion laughs", Array(laughs.utf8), ParseLimits()),
    ("XXE to /etc/passwd", Array(xxe.utf8), ParseLimits()),
    ("100,000 nested elements", nested, ParseLimits()),
    ("200 MB text node, default limits", hugeText, ParseLimits()),
    ("200 MB text node, maxBytes 300 MB", hugeText, ParseLimits(maxBytes: 300 * 1024 * 1024)),
]
/// `--hostile-dir=DIR`: also every `*.xml` there (`scripts/hostile-documents.py full DIR` writes
/// the documents of issue 16), each timed with the parser and with the raw libxml2 loop, which
/// shows what each bound saves.
var rawTimes: [String: Double] = [:]
if let flag = CommandLine.arguments.first(where: { $0.hasPrefix("--hostile-dir=") }) {
    let directory = String(flag.dropFirst("--hostile-dir=".count))
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".xml") }.sorted()
    for name in names {
        guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { continue }
        hostile.append((name, [UInt8](data), ParseLimits()))
        rawTimes[name] = milliseconds { rawSAXParse([UInt8](data)) }
    }
}
print("\nhostile input                           time      raw libxml2   result")
for (name, bytes, limits) in hostile {
    var result = ""
    let time = milliseconds {
        result = outcome { () throws(ParseError) -> ParsedFeedSummary in
            let feed = try FeedParser.parse(bytes, limits: limits)
            let title = feed.entries.first?.title ?? ""
            return ParsedFeedSummary(text: "ok: \(feed.entries.count) entry, title \(title.utf8.count) bytes")
        }
    }
    let raw = rawTimes[name].map { String(format: "%9.1f ms", $0) } ?? "            "
    print("\(name.padding(toLength: 38, withPad: " ", startingAt: 0))  \(String(format: "%7.1f ms", time))  \(raw)   \(result.prefix(70))")
}

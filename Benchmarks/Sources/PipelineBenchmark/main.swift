import FeedWatchClustering
import FeedWatchModel
import FeedWatchParsing
import Foundation

// Article pipeline benchmark: full-text extraction on generated news pages
// (navigation, header, asides, share widgets, comments around a 10–25 paragraph article) and
// story clustering on generated articles where each story is carried by 1–4 feeds with their
// own headline and boilerplate. One thread, release build.
//
//   swift run -c release PipelineBenchmark [--pages N] [--articles N] [--file PAGE.html]
//       [--cycle-data near-duplicate|realistic|both] [--feeds N] [--evict MB]
//
// --cycle-data also clusters CycleBenchmark's articles (2,000 feeds × 20 items by default).
// --evict MB writes that many megabytes of other memory between feeds (untimed), as a cycle's
// fetching, parsing and storing do between two refreshes' clustering: the index is then read
// from memory, not from a cache it had to itself.

var arguments = CommandLine.arguments.dropFirst()
var pageCount = 2_000
var articleCount = 20_000
var realPage: String?
var cycleVocabularies: [String] = []
var cycleFeeds = 2_000
var evictMegabytes = 0
while let argument = arguments.popFirst() {
    switch argument {
    case "--file": realPage = arguments.popFirst()
    case "--pages": pageCount = Int(arguments.popFirst() ?? "") ?? pageCount
    case "--articles": articleCount = Int(arguments.popFirst() ?? "") ?? articleCount
    case "--cycle-data":
        let value = arguments.popFirst() ?? "both"
        cycleVocabularies = value == "both" ? ["near-duplicate", "realistic"] : [value]
    case "--feeds": cycleFeeds = Int(arguments.popFirst() ?? "") ?? cycleFeeds
    case "--evict": evictMegabytes = Int(arguments.popFirst() ?? "") ?? evictMegabytes
    default:
        FileHandle.standardError.write(Data("usage: PipelineBenchmark [--pages N] [--articles N] [--file PAGE.html] [--cycle-data near-duplicate|realistic|both] [--feeds N] [--evict MB]\n".utf8))
        exit(2)
    }
}

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

var random = SplitMix64(state: 2026)
let syllables = ["ka", "ro", "mi", "ten", "sa", "vo", "lu", "dre", "pa", "nim", "ost", "er", "al", "qui", "zen", "bor"]
let vocabulary: [String] = (0..<20_000).map { _ in
    (0..<(2 + random.below(3))).map { _ in syllables[random.below(syllables.count)] }.joined()
}
func sentence(_ random: inout SplitMix64, words: Int) -> String {
    var parts: [String] = []
    for index in 0..<words {
        // Zipf-ish: common words far more often than rare ones.
        let rank = Int(Double(vocabulary.count) * pow(Double(random.below(10_000)) / 10_000, 3))
        parts.append(vocabulary[min(rank, vocabulary.count - 1)] + (index % 9 == 8 ? "," : ""))
    }
    return parts.joined(separator: " ").capitalized + "."
}
func paragraph(_ random: inout SplitMix64) -> String {
    (0..<(2 + random.below(4))).map { _ in sentence(&random, words: 8 + random.below(18)) }.joined(separator: " ")
}

// MARK: Extraction

/// A generated page and its article's first and last paragraph and first comment, to check that
/// extraction kept the body and only the body.
func page(_ random: inout SplitMix64, index: Int) -> (html: [UInt8], ends: (first: String, last: String, comment: String?)) {
    var html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Story \(index) - Daily</title>"
    html += "<meta property=\"og:title\" content=\"Story \(index)\"><meta name=\"author\" content=\"Staff\">"
    html += "<link rel=\"canonical\" href=\"https://daily.example/\(index)\"><script>var x = \(index);</script></head><body>"
    html += "<header class=\"site-header\"><nav><ul>" + (0..<12).map { "<li><a href=\"/s\($0)\">Section \($0)</a></li>" }.joined() + "</ul></nav></header>"
    html += "<div class=\"layout\"><main><article><h1>Story \(index)</h1><div class=\"meta\"><time datetime=\"2026-11-2\(index % 9)T08:00:00Z\">Nov</time></div>"
    html += "<div class=\"article-body\">"
    var paragraphs: [String] = []
    for _ in 0..<(10 + random.below(16)) { paragraphs.append(paragraph(&random)) }
    html += paragraphs.map { "<p>\($0)</p>" }.joined()
    html += "</div><div class=\"share\">Share this <a href=\"#\">Twitter</a> <a href=\"#\">Facebook</a></div></article>"
    let comments = (0..<(random.below(10))).map { _ in paragraph(&random) }
    html += "<section id=\"comments\">" + comments.map { "<div class=\"comment\"><p>\($0)</p></div>" }.joined() + "</section>"
    html += "</main><aside class=\"sidebar\"><h3>Most read</h3><ul>" + (0..<10).map { "<li><a href=\"/r\($0)\">Read \($0)</a></li>" }.joined() + "</ul></aside></div>"
    html += "<footer><p>Copyright Daily</p></footer></body></html>"
    return (Array(html.utf8), (paragraphs[0], paragraphs[paragraphs.count - 1], comments.first))
}

let clock = ContinuousClock()
var pages: [[UInt8]] = []
var bodyEnds: [(first: String, last: String, comment: String?)] = []
for index in 0..<pageCount {
    let generated = page(&random, index: index)
    pages.append(generated.html)
    bodyEnds.append(generated.ends)
}
let totalBytes = pages.reduce(0) { $0 + $1.count }
var extractedCharacters = 0
var failures = 0
var texts: [String] = []
texts.reserveCapacity(pageCount)
let extractionTime = clock.measure {
    for body in pages {
        do {
            let text = try ArticleExtractor.extract(body, url: "https://daily.example/x", contentType: "text/html").text
            extractedCharacters += text.utf8.count
            texts.append(text)
        } catch {
            failures += 1
            texts.append("")
        }
    }
}
// Outside the timing: every page must keep its whole body and drop its chrome and comments.
let wrong = zip(texts, bodyEnds).filter { text, ends in
    !text.hasPrefix(ends.first) || !text.hasSuffix(ends.last) || text.contains("Share this") || text.contains("Most read")
        || text.contains("Copyright") || text.contains("Section 1") || (ends.comment.map { text.contains($0) } ?? false)
}.count
let extractionSeconds = Double(extractionTime.components.seconds) + Double(extractionTime.components.attoseconds) / 1e18
print(String(format: "extraction: %d pages (%.1f MB, avg %.0f KB) in %.2f s = %.0f pages/s, %.1f MB/s; %d failed, %d wrong; %.0f%% of bytes kept as text",
             pageCount, Double(totalBytes) / 1e6, Double(totalBytes) / Double(max(pageCount, 1)) / 1e3, extractionSeconds,
             Double(pageCount) / extractionSeconds, Double(totalBytes) / 1e6 / extractionSeconds, failures, wrong,
             100 * Double(extractedCharacters) / Double(max(totalBytes, 1))))

// A real page, e.g. the seed article: extracted `pageCount` times.
if let realPage, let data = FileManager.default.contents(atPath: realPage) {
    let bytes = Array(data)
    var ok = 0
    let time = clock.measure {
        for _ in 0..<pageCount where (try? ArticleExtractor.extract(bytes, contentType: "text/html")) != nil { ok += 1 }
    }
    let seconds = Double(time.components.seconds) + Double(time.components.attoseconds) / 1e18
    print(String(format: "extraction of %@ (%d bytes): %.0f pages/s, %.1f MB/s (%d/%d extracted)", (realPage as NSString).lastPathComponent,
                 bytes.count, Double(pageCount) / seconds, Double(bytes.count * pageCount) / 1e6 / seconds, ok, pageCount))
}

// MARK: Clustering

var documents: [ClusterDocument] = []
var truth: [Int64: Int] = [:]
let start = Date(timeIntervalSince1970: 1_790_000_000)
var story = 0
var previousBackground: String?
let feeds: Int64 = 50
while documents.count < articleCount {
    story += 1
    var paragraphs = (0..<(3 + random.below(4))).map { _ in paragraph(&random) }
    // One story in four is a follow-up repeating a background paragraph of the previous one:
    // same topic, shared text, still a different story.
    if random.below(4) == 0, let background = previousBackground { paragraphs.insert(background, at: paragraphs.count / 2) }
    previousBackground = paragraphs.last
    let body = paragraphs.joined(separator: " ")
    let headline = sentence(&random, words: 7)
    let copies = 1 + random.below(4)
    let base = start.addingTimeInterval(Double(documents.count) * 30)  // ~2,900 articles a day
    var used = Set<Int64>()
    for _ in 0..<copies where documents.count < articleCount {
        var feed = Int64(random.below(Int(feeds)))
        while used.contains(feed) { feed = Int64(random.below(Int(feeds))) }
        used.insert(feed)
        let id = Int64(documents.count + 1)
        // Each outlet: own headline words, own lead-in and sign-off boilerplate around the shared wire text.
        let title = random.below(2) == 0 ? headline : sentence(&random, words: 6)
        // Outlets edit wire copy: each drops about one sentence in six and adds its own lead.
        let edited = body.components(separatedBy: ". ").filter { _ in random.below(6) != 0 }.joined(separator: ". ")
        let text = "Outlet \(feed) report. " + sentence(&random, words: 12) + " " + edited + " " + sentence(&random, words: 10)
        documents.append(ClusterDocument(articleID: id, feedID: feed, title: title, text: text,
                                         date: base.addingTimeInterval(Double(random.below(6 * 3600)))))
        truth[id] = story
    }
}
var clusterer = StoryClusterer()
var assigned: [Int64: Int64] = [:]
let clusteringTime = clock.measure {
    for document in documents { assigned[document.articleID] = clusterer.assign(document) }
}
let clusteringSeconds = Double(clusteringTime.components.seconds) + Double(clusteringTime.components.attoseconds) / 1e18
// Pairwise precision/recall over articles of the same (true or found) story.
var truePairs = 0, foundPairs = 0, correctPairs = 0
var byTruth: [Int: [Int64]] = [:]
var byFound: [Int64: [Int64]] = [:]
for document in documents {
    byTruth[truth[document.articleID] ?? 0, default: []].append(document.articleID)
    byFound[assigned[document.articleID] ?? 0, default: []].append(document.articleID)
}
for members in byTruth.values { truePairs += members.count * (members.count - 1) / 2 }
for members in byFound.values {
    foundPairs += members.count * (members.count - 1) / 2
    for i in members.indices { for j in members.indices where j > i && truth[members[i]] == truth[members[j]] { correctPairs += 1 } }
}
print(String(format: "clustering: %d articles (%d stories, %d feeds) in %.2f s = %.0f articles/s; pair precision %.3f, recall %.3f; %d indexed at the end",
             documents.count, story, feeds, clusteringSeconds, Double(documents.count) / clusteringSeconds,
             Double(correctPairs) / Double(max(foundPairs, 1)), Double(correctPairs) / Double(max(truePairs, 1)), clusterer.count))

for vocabulary in cycleVocabularies { clusterCycleArticles(vocabulary: vocabulary, feeds: cycleFeeds, items: 20, evictMegabytes: evictMegabytes) }

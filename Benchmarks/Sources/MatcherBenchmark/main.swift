import FeedWatchMatching
import FeedWatchModel
import Foundation

// Topic matcher benchmark: synthetic ~3 KB articles with planted phrases,
// 100 / 1,000 / 10,000 phrase topics, one thread, release build; grep -F on the same text.
//
//   swift run -c release MatcherBenchmark [--articles N] [--bytes B] [--sets 100,1000,10000] [--passes P]
//                                         [--no-check] [--persian] [--language TAG]
// --passes P reports the fastest of P timed passes (CPU time of this thread, and wall time); --no-check skips the ground truth and grep;
// --persian writes the same synthetic text in Persian letters (exercises the non-ASCII path);
// --language TAG declares every article in that language, as its feed would (`en`, `fa`).

var arguments = CommandLine.arguments.dropFirst()
var articleCount = 10_000
var articleBytes = 3_000
var setSizes = [100, 1_000, 10_000]
var checkGroundTruth = true
var timedPasses = 1
var persianScript = false
var declaredLanguage: String?
while let argument = arguments.popFirst() {
    switch argument {
    case "--articles": articleCount = Int(arguments.popFirst() ?? "") ?? articleCount
    case "--bytes": articleBytes = Int(arguments.popFirst() ?? "") ?? articleBytes
    case "--no-check": checkGroundTruth = false
    case "--persian": persianScript = true
    case "--language": declaredLanguage = arguments.popFirst()
    case "--passes": timedPasses = max(1, Int(arguments.popFirst() ?? "") ?? 1)
    case "--sets": setSizes = (arguments.popFirst() ?? "").split(separator: ",").compactMap { Int($0) }
    default:
        FileHandle.standardError.write(Data("usage: MatcherBenchmark [--articles N] [--bytes B] [--sets 100,1000] [--passes P] [--no-check] [--persian] [--language TAG]\n".utf8))
        exit(2)
    }
}

let clock = ContinuousClock()
let corpus = SyntheticCorpus(vocabularySize: 20_000, seed: 42, persian: persianScript)
let maxTopics = setSizes.max() ?? 0
let phrases = corpus.phrases(count: maxTopics, seed: 7)

// Every article gets 0–3 planted phrases: half from the first 100 topics (present in every set), half from all.
var random = SplitMix64(seed: 2026)
var documents: [MatchDocument] = []
var planted: [Set<Int>] = []
for _ in 0..<articleCount {
    var chosen = Set<Int>()
    for _ in 0..<random.below(4) {
        chosen.insert(random.below(2) == 0 ? random.below(min(100, maxTopics)) : random.below(maxTopics))
    }
    let text = corpus.article(bytes: articleBytes, planting: chosen.map { phrases[$0] }, random: &random)
    documents.append(MatchDocument(title: text.title, body: text.body, language: declaredLanguage))
    planted.append(chosen)
}
let totalBytes = documents.reduce(0) { $0 + $1.title.utf8.count + 1 + $1.body.utf8.count + 1 }
let megabytes = Double(totalBytes) / 1_000_000

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("feedwatch-matcher-bench-\(getpid())")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let textFile = directory.appendingPathComponent("articles.txt")
try documents.map { $0.title + "\n" + $0.body + "\n" }.joined().write(to: textFile, atomically: true, encoding: .utf8)

print("Matcher benchmark: \(articleCount) articles, \(String(format: "%.1f", megabytes)) MB "
    + "(\(totalBytes / max(articleCount, 1)) bytes/article), one thread, release build")
print("")
print("CPU = this thread's CPU time (grep: its process CPU time), insensitive to other load; wall = elapsed time.")
print("")
print("| topics | compile ms | articles/s (CPU) | MB/s (CPU) | articles/s (wall) | candidates/article | verified/article | hits/article | ground truth | grep MB/s (CPU) | grep MB/s (wall) |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")

var failed = false
for size in setSizes {
    let topicPhrases = Array(phrases.prefix(size))
    let topics = topicPhrases.enumerated().map { index, words in
        Topic(id: "p\(index)", name: "phrase \(index)", query: "\"" + words.joined(separator: " ") + "\"")
    }
    let compileStart = clock.now
    let matcher = try TopicMatcher(topics: topics)
    let compileSeconds = (clock.now - compileStart).seconds

    // Warm-up pass (fills the word cache, as in a running daemon) that also checks the ground truth.
    let reference = PhraseReference(topicPhrases)
    var mismatches = 0
    var missedPlants = 0
    for (index, document) in documents.enumerated() where checkGroundTruth {
        let found = Set(matcher.matches(document).map { Int($0.topicID.dropFirst())! })
        let expected = reference.topics(in: document.title).union(reference.topics(in: document.body))
        if found != expected { mismatches += 1 }
        missedPlants += planted[index].filter { $0 < size && !found.contains($0) }.count
    }

    if !checkGroundTruth { for document in documents { _ = matcher.matches(document) } }
    // Timed passes; the fastest is reported (the machine is shared, slower passes measure the neighbours).
    let before = matcher.statistics
    var hits = 0
    var seconds = Double.infinity, cpuSeconds = Double.infinity
    for _ in 0..<timedPasses {
        hits = 0
        let start = clock.now, cpuStart = CPUTime.thread()
        for document in documents { hits += matcher.matches(document).count }
        seconds = min(seconds, (clock.now - start).seconds)
        cpuSeconds = min(cpuSeconds, CPUTime.thread() - cpuStart)
    }
    let after = matcher.statistics
    let perArticle = Double(articleCount * timedPasses)

    let patterns = directory.appendingPathComponent("topics-\(size).txt")
    try topicPhrases.map { $0.joined(separator: " ") + "\n" }.joined().write(to: patterns, atomically: true, encoding: .utf8)
    // grep gets the same treatment: the fastest of the same number of runs.
    var grep = GrepBaseline.Result(seconds: .nan, cpuSeconds: .nan, matches: 0)
    if checkGroundTruth {
        for _ in 0..<timedPasses {
            let run = try GrepBaseline.run(patterns: patterns, text: textFile)
            if !(grep.cpuSeconds <= run.cpuSeconds) { grep.cpuSeconds = run.cpuSeconds }
            if !(grep.seconds <= run.seconds) { grep.seconds = run.seconds }
        }
    }

    let truth = !checkGroundTruth ? "not checked"
        : mismatches == 0 && missedPlants == 0 ? "exact" : "\(mismatches) wrong, \(missedPlants) missed"
    if mismatches > 0 || missedPlants > 0 { failed = true }
    let matcherColumns = String(format: "| %d | %.1f | %.0f | %.1f | %.0f | %.2f | %.2f | %.2f |",
                                size, compileSeconds * 1000, Double(articleCount) / cpuSeconds, megabytes / cpuSeconds,
                                Double(articleCount) / seconds, Double(after.candidates - before.candidates) / perArticle,
                                Double(after.verified - before.verified) / perArticle, Double(hits) / Double(articleCount))
    let grepColumns = String(format: " %.1f | %.1f |", megabytes / grep.cpuSeconds, megabytes / grep.seconds)
    print(matcherColumns + " \(truth) |" + grepColumns)
}
exit(failed ? 1 : 0)

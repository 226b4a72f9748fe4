/// A deterministic generator (SplitMix64), so every run measures the same text.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// Synthetic news-like text: Zipf-distributed words, sentences with capitals and punctuation,
/// and planted topic phrases as ground truth.
///
/// Words are consonant–vowel syllables ending in a, o or u, which the English Snowball stemmer
/// leaves unchanged: an exact-word reference scan then knows exactly which phrases occur.
struct SyntheticCorpus {
    let vocabulary: [String]
    /// Cumulative Zipf weights over `vocabulary` ranks.
    private let cumulative: [Double]

    /// Latin syllable letters → Persian letters (none of them changed by folding), for `--script persian`.
    static let persian: [Character: Character] = [
        "b": "ب", "d": "د", "f": "ف", "g": "گ", "k": "ک", "l": "ل", "m": "م", "n": "ن", "p": "پ", "r": "ر",
        "s": "س", "t": "ت", "v": "و", "z": "ز", "a": "ا", "o": "ه", "u": "ی",
    ]

    init(vocabularySize: Int, seed: UInt64, persian: Bool = false) {
        var random = SplitMix64(seed: seed)
        let consonants = Array("bdfgklmnprstvz"), vowels = Array("aou")
        var seen = Set<String>()
        var words: [String] = []
        while words.count < vocabularySize {
            let syllables = 1 + random.below(4)
            var word = ""
            for _ in 0..<syllables {
                word.append(consonants[random.below(consonants.count)])
                word.append(vowels[random.below(vowels.count)])
            }
            if persian { word = String(word.map { Self.persian[$0] ?? $0 }) }
            if word.count >= 3, seen.insert(word).inserted { words.append(word) }
        }
        vocabulary = words
        var total = 0.0
        cumulative = (1...vocabularySize).map { rank in
            total += 1.0 / Double(rank)
            return total
        }
    }

    /// A Zipf-distributed word.
    func word(_ random: inout SplitMix64) -> String {
        let target = random.unit() * cumulative[cumulative.count - 1]
        var low = 0, high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] < target { low = mid + 1 } else { high = mid }
        }
        return vocabulary[low]
    }

    /// `count` distinct phrases of 2–3 words from the less common ranks (like real topics, no stop words).
    func phrases(count: Int, seed: UInt64) -> [[String]] {
        var random = SplitMix64(seed: seed)
        var seen = Set<[String]>()
        var result: [[String]] = []
        let commonRanks = 200
        while result.count < count {
            let length = 2 + random.below(2)
            let phrase = (0..<length).map { _ in vocabulary[commonRanks + random.below(vocabulary.count - commonRanks)] }
            if seen.insert(phrase).inserted { result.append(phrase) }
        }
        return result
    }

    /// An article of about `bytes` bytes of body text with the given phrases planted at random sentence positions.
    func article(bytes: Int, planting planted: [[String]], random: inout SplitMix64) -> (title: String, body: String) {
        var title = (0..<8).map { _ in word(&random) }.joined(separator: " ")
        title = title.prefix(1).uppercased() + title.dropFirst()
        var body = ""
        body.reserveCapacity(bytes + 200)
        var pending = planted.shuffled(using: &random)
        var sentenceLength = 0
        var startOfSentence = true
        while body.utf8.count < bytes || !pending.isEmpty {
            var next: String
            if !pending.isEmpty, random.below(40) == 0 || body.utf8.count >= bytes {
                next = pending.removeLast().joined(separator: " ")
            } else {
                next = word(&random)
            }
            if startOfSentence { next = next.prefix(1).uppercased() + next.dropFirst() }
            body += startOfSentence && !body.isEmpty ? " " + next : (body.isEmpty ? next : " " + next)
            sentenceLength += 1
            startOfSentence = false
            if sentenceLength > 6, random.below(12) == 0 {
                body += "."
                sentenceLength = 0
                startOfSentence = true
            } else if random.below(15) == 0 {
                body += ","
            }
        }
        return (title, body + ".")
    }
}

extension Array {
    func shuffled(using random: inout SplitMix64) -> [Element] {
        var result = self
        guard result.count > 1 else { return result }
        for index in stride(from: result.count - 1, to: 0, by: -1) {
            result.swapAt(index, random.below(index + 1))
        }
        return result
    }
}

/// The exact-word reference: which phrases occur as consecutive words in a text.
struct PhraseReference {
    private var byFirstWord: [Substring: [(topic: Int, rest: [Substring])]] = [:]

    init(_ phrases: [[String]]) {
        for (topic, phrase) in phrases.enumerated() {
            byFirstWord[Substring(phrase[0]), default: []].append((topic, phrase.dropFirst().map { Substring($0) }))
        }
    }

    func topics(in text: String) -> Set<Int> {
        let words = text.lowercased().split { !$0.isLetter }
        var found = Set<Int>()
        for (index, word) in words.enumerated() {
            guard let candidates = byFirstWord[word] else { continue }
            for (topic, rest) in candidates where index + rest.count < words.count {
                if rest.indices.allSatisfy({ words[index + 1 + $0] == rest[$0] }) { found.insert(topic) }
            }
        }
        return found
    }
}

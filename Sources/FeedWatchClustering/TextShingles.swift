/// Text → words → hashed word shingles, the sets near-duplicate detection compares.
///
/// Words are runs of letters and digits, lower-cased; everything else separates them, so
/// punctuation, markup remnants and whitespace differences between outlets do not matter.
enum TextShingles {
    /// Lower-cased words of `text`, at most `maxWords` of them.
    static func words(_ text: String, maxWords: Int) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.append(scalar)
            } else if !current.isEmpty {
                words.append(String(current))
                current = String.UnicodeScalarView()
                if words.count >= maxWords { return words }
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words
    }

    /// The FNV-1a hash of each lower-cased word of `text` (as `fnv1a(words(text)[i])` would give),
    /// at most `maxWords`: the hot path of clustering, so no word strings are built.
    static func wordHashes(_ text: String, maxWords: Int) -> [UInt64] {
        var hashes: [UInt64] = []
        hashes.reserveCapacity(min(maxWords, text.utf8.count / 5 + 1))
        var hash: UInt64 = fnvOffset
        var inWord = false
        func add(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* fnvPrime
        }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                let byte = UInt8(value)
                if byte >= 0x41 && byte <= 0x5A {
                    add(byte | 0x20)
                    inWord = true
                    continue
                }
                if (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) {
                    add(byte)
                    inWord = true
                    continue
                }
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                for byte in scalar.properties.lowercaseMapping.utf8 { add(byte) }
                inWord = true
                continue
            }
            // Any other scalar ends the word in progress.
            if inWord {
                hashes.append(hash)
                if hashes.count >= maxWords { return hashes }
                hash = fnvOffset
            }
            inWord = false
        }
        if inWord { hashes.append(hash) }
        return hashes
    }

    /// The distinct 64-bit hashes of every run of `size` consecutive words (fewer words: one shingle of all).
    static func shingles(_ words: [String], size: Int) -> Set<UInt64> {
        shingles(hashes: words.map(fnv1a), size: size)
    }

    /// `shingles` over word hashes from `wordHashes`.
    static func shingles(hashes: [UInt64], size: Int) -> Set<UInt64> {
        guard !hashes.isEmpty else { return [] }
        let width = min(size, hashes.count)
        var result = Set<UInt64>()
        result.reserveCapacity(hashes.count)
        for start in 0...(hashes.count - width) {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for offset in 0..<width { hash = mix(hash ^ hashes[start + offset]) }
            result.insert(hash)
        }
        return result
    }

    /// The hash of every run of `size` consecutive words, as `shingles(hashes:size:)` but as a
    /// list that may repeat a shingle: MinHash takes minimums, so repeats change nothing, and
    /// building a `Set` (hashing each shingle once more) is skipped.
    static func shingleList(hashes: [UInt64], size: Int) -> [UInt64] {
        guard !hashes.isEmpty else { return [] }
        let width = min(size, hashes.count)
        var result: [UInt64] = []
        result.reserveCapacity(hashes.count - width + 1)
        for start in 0...(hashes.count - width) {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for offset in 0..<width { hash = mix(hash ^ hashes[start + offset]) }
            result.append(hash)
        }
        return result
    }

    /// The title trigrams of `titleTrigrams` over already split `words`, as sorted distinct
    /// 32-bit hashes (compared by `jaccard(sorted:_:)`, a merge without hashing).
    static func titleTrigramList(words: [String]) -> [UInt32] {
        titleTrigramList(normalised: normalisedTitle(words))
    }

    /// The form of a title trigrams are taken from: its words joined by single spaces, padded
    /// with a space at both ends.
    static func normalisedTitle(_ words: [String]) -> String {
        " " + words.joined(separator: " ") + " "
    }

    /// `titleTrigramList(words:)` from the normalised title (`normalisedTitle`).
    static func titleTrigramList(normalised title: String) -> [UInt32] {
        let normalised = Array(title.unicodeScalars)
        guard normalised.count >= 3 else { return [] }
        var result: [UInt32] = []
        result.reserveCapacity(normalised.count - 2)
        for start in 0...(normalised.count - 3) {
            let value = UInt64(normalised[start].value) << 42 | UInt64(normalised[start + 1].value) << 21
                | UInt64(normalised[start + 2].value)
            result.append(UInt32(truncatingIfNeeded: mix(value)))
        }
        result.sort()
        var distinct = 0
        for index in result.indices where index == 0 || result[index] != result[distinct - 1] {
            result[distinct] = result[index]
            distinct += 1
        }
        result.removeLast(result.count - distinct)
        return result
    }

    /// Jaccard similarity of two sorted lists of distinct values; 0 for two empty lists.
    static func jaccard(sorted a: [UInt32], _ b: [UInt32]) -> Double {
        guard !a.isEmpty || !b.isEmpty else { return 0 }
        let common = a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                var i = 0
                var j = 0
                var common = 0
                while i < a.count && j < b.count {
                    if a[i] == b[j] {
                        common += 1
                        i += 1
                        j += 1
                    } else if a[i] < b[j] {
                        i += 1
                    } else {
                        j += 1
                    }
                }
                return common
            }
        }
        return Double(common) / Double(a.count + b.count - common)
    }

    /// Character trigrams of a normalised title (words joined by single spaces, padded), as tt-rss compares titles.
    static func titleTrigrams(_ title: String) -> Set<UInt64> {
        let normalised = Array((" " + words(title, maxWords: 64).joined(separator: " ") + " ").unicodeScalars)
        guard normalised.count >= 3 else { return [] }
        var result = Set<UInt64>()
        for start in 0...(normalised.count - 3) {
            let value = UInt64(normalised[start].value) << 42 | UInt64(normalised[start + 1].value) << 21
                | UInt64(normalised[start + 2].value)
            result.insert(mix(value))
        }
        return result
    }

    /// Jaccard similarity |a ∩ b| / |a ∪ b|; 0 for two empty sets.
    static func jaccard(_ a: Set<UInt64>, _ b: Set<UInt64>) -> Double {
        guard !a.isEmpty || !b.isEmpty else { return 0 }
        let (small, large) = a.count <= b.count ? (a, b) : (b, a)
        let common = small.reduce(0) { $0 + (large.contains($1) ? 1 : 0) }
        return Double(common) / Double(a.count + b.count - common)
    }

    static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let fnvPrime: UInt64 = 0x0000_0100_0000_01B3

    static func fnv1a(_ word: String) -> UInt64 {
        var hash = fnvOffset
        for byte in word.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* fnvPrime
        }
        return hash
    }

    /// SplitMix64's finaliser: a cheap, well-distributed 64-bit mix.
    @inline(__always) static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A MinHash signature: for each of `count` hash functions, the minimum over the shingles.
/// The fraction of equal positions in two signatures estimates the Jaccard similarity of the sets.
struct MinHashSignature: Hashable {
    var values: [UInt64]

    init<Shingles: Sequence<UInt64>>(shingles: Shingles, count: Int) {
        var values = [UInt64](repeating: .max, count: count)
        let seeds = MinHashSignature.seeds
        values.withUnsafeMutableBufferPointer { values in
            for shingle in shingles {
                for index in 0..<count {
                    // Hash function i: mix the shingle with a per-function seed.
                    let hashed = TextShingles.mix(shingle ^ seeds[index % seeds.count] &+ UInt64(index / seeds.count))
                    if hashed < values[index] { values[index] = hashed }
                }
            }
        }
        self.values = values
    }

    /// The signature of `shingles` as the clusterer keeps it: each value's low 16 bits (two
    /// different minima then agree by chance once in 65,536 comparisons, which moves an
    /// estimate over 64 values by 0.001 on average), computed without the 64-bit array in between.
    static func values16(shingles: [UInt64], count: Int) -> [UInt16] {
        // Function i's seed and offset looked up once, not divided out per shingle: the same
        // values as `init(shingles:count:)`.
        let seeds = MinHashSignature.seeds
        let xors = (0..<count).map { seeds[$0 % seeds.count] }
        let adds = (0..<count).map { UInt64($0 / seeds.count) }
        var values = [UInt64](repeating: .max, count: count)
        values.withUnsafeMutableBufferPointer { values in
            xors.withUnsafeBufferPointer { xors in
                adds.withUnsafeBufferPointer { adds in
                    for shingle in shingles {
                        for index in 0..<count {
                            let hashed = TextShingles.mix((shingle ^ xors[index]) &+ adds[index])
                            if hashed < values[index] { values[index] = hashed }
                        }
                    }
                }
            }
        }
        return values.map { UInt16(truncatingIfNeeded: $0) }
    }

    /// Estimated Jaccard similarity of the two shingle sets.
    func similarity(_ other: MinHashSignature) -> Double {
        guard values.count == other.values.count, !values.isEmpty else { return 0 }
        var equal = 0
        for index in values.indices where values[index] == other.values[index] && values[index] != .max { equal += 1 }
        return Double(equal) / Double(values.count)
    }

    /// The LSH band keys: `bands` hashes, each over `values.count / bands` consecutive values.
    func bandKeys(bands: Int) -> [UInt64] {
        let rows = values.count / bands
        return (0..<bands).map { band in
            var hash = UInt64(band) &* 0x9E37_79B9_7F4A_7C15
            for value in values[(band * rows)..<((band + 1) * rows)] { hash = TextShingles.mix(hash ^ value) }
            return hash
        }
    }

    /// Fixed seeds so signatures are comparable across runs and processes.
    private static let seeds: [UInt64] = (0..<64).map { TextShingles.mix(UInt64($0) &* 0xD1B5_4A32_D192_ED03 &+ 1) }
}

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
    /// at most `maxWords`: the hot path of clustering, so no word strings are built, and the
    /// text's UTF-8 bytes are read directly (a scalar is decoded only for non-ASCII bytes).
    static func wordHashes(_ text: String, maxWords: Int) -> [UInt64] {
        var hashes: [UInt64] = []
        wordHashes(text, maxWords: maxWords, appendingTo: &hashes)
        return hashes
    }

    /// `wordHashes(text, maxWords:)` appended to `hashes` (the clusterer reuses one array).
    static func wordHashes(_ text: String, maxWords: Int, appendingTo hashes: inout [UInt64]) {
        let start = hashes.count
        // The word limit counts the hashes already there; as in `words`, the first word is
        // taken whatever the limit.
        let limit = maxWords > Int.max - start ? Int.max : max(start + maxWords, start + 1)
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { bytes -> Void in
            // A text of n bytes has at most (n + 1) / 2 words: room made once and written through
            // a pointer (an append a word checked the array's uniqueness each time).
            let room = max(1, min(maxWords, (bytes.count + 1) / 2))
            hashes.append(contentsOf: repeatElement(0, count: room))
            let taken = hashes.withUnsafeMutableBufferPointer { out -> Int in
                asciiWordBytes.withUnsafeBufferPointer { asciiWordBytes -> Int in
                    // Locals of the loop, kept in registers.
                    var taken = start
                    var hash = fnvOffset
                    var inWord = false
                    var position = 0
                    let count = bytes.count
                    while position < count && taken < limit {
                        let byte = bytes[position]
                        // The byte hashed (lower-cased) and whether it is part of a word.
                        let hashed: UInt8
                        if byte < 0x80 {
                            position += 1
                            hashed = asciiWordBytes[Int(byte)]
                        } else {
                            // Valid UTF-8 (a Swift string's storage): a lead byte and its continuation bytes.
                            var value: UInt32
                            var length: Int
                            if byte < 0xE0 {
                                value = UInt32(byte & 0x1F)
                                length = 2
                            } else if byte < 0xF0 {
                                value = UInt32(byte & 0x0F)
                                length = 3
                            } else {
                                value = UInt32(byte & 0x07)
                                length = 4
                            }
                            for offset in 1..<length where position + offset < count {
                                value = value << 6 | UInt32(bytes[position + offset] & 0x3F)
                            }
                            position += length
                            let scalar = Unicode.Scalar(value) ?? " "
                            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                                for byte in scalar.properties.lowercaseMapping.utf8 { hash = (hash ^ UInt64(byte)) &* fnvPrime }
                                inWord = true
                                continue
                            }
                            hashed = 0
                        }
                        if hashed != 0 {
                            hash = (hash ^ UInt64(hashed)) &* fnvPrime
                            inWord = true
                        } else if inWord {
                            // Any other byte ends the word in progress.
                            out[taken] = hash
                            taken += 1
                            hash = fnvOffset
                            inWord = false
                        }
                    }
                    // The word in progress at the end of the text (none when the limit was
                    // reached: the byte after the last word taken ended it).
                    if inWord {
                        out[taken] = hash
                        taken += 1
                    }
                    return taken
                }
            }
            hashes.removeLast(hashes.count - taken)
        }
        guard done == nil else { return }
        var state = WordHashState()
        for scalar in text.unicodeScalars where state.scalar(scalar, into: &hashes, maxWords: limit) { return }
        if state.inWord { hashes.append(state.hash) }
    }

    /// Per ASCII byte: the byte a word hashes for it (letters lower-cased, digits as they are),
    /// 0 for a byte that separates words.
    private static let asciiWordBytes: [UInt8] = (0..<128).map { byte -> UInt8 in
        switch UInt8(byte) {
        case 0x41...0x5A: UInt8(byte) | 0x20
        case 0x61...0x7A, 0x30...0x39: UInt8(byte)
        default: 0
        }
    }

    /// The word in progress of `wordHashes`.
    private struct WordHashState {
        var hash: UInt64 = TextShingles.fnvOffset
        var inWord = false

        @inline(__always) mutating func add(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* TextShingles.fnvPrime
        }

        /// Takes an ASCII byte; true when `maxWords` hashes are complete.
        @inline(__always) mutating func ascii(_ byte: UInt8, into hashes: inout [UInt64], maxWords: Int) -> Bool {
            if byte >= 0x41 && byte <= 0x5A {
                add(byte | 0x20)
                inWord = true
                return false
            }
            if (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) {
                add(byte)
                inWord = true
                return false
            }
            return endWord(into: &hashes, maxWords: maxWords)
        }

        /// Takes any scalar; true when `maxWords` hashes are complete.
        mutating func scalar(_ scalar: Unicode.Scalar, into hashes: inout [UInt64], maxWords: Int) -> Bool {
            if scalar.value < 0x80 { return ascii(UInt8(scalar.value), into: &hashes, maxWords: maxWords) }
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                for byte in scalar.properties.lowercaseMapping.utf8 { add(byte) }
                inWord = true
                return false
            }
            return endWord(into: &hashes, maxWords: maxWords)
        }

        /// Any other scalar ends the word in progress.
        @inline(__always) private mutating func endWord(into hashes: inout [UInt64], maxWords: Int) -> Bool {
            guard inWord else { return false }
            hashes.append(hash)
            hash = TextShingles.fnvOffset
            inWord = false
            return hashes.count >= maxWords
        }
    }

    /// What clustering keeps of a title: its normalised form (`normalisedTitle(words(title))`),
    /// how many words it has, and its lookup key (the FNV-1a hash of its longest word, the
    /// alphabetically first of equally long ones; 0 when no word has four letters). An ASCII
    /// title is read byte by byte; any other goes through `words`.
    static func title(_ title: String, maxWords: Int) -> (normalised: String, wordCount: Int, key: UInt64) {
        let ascii = title.utf8.withContiguousStorageIfAvailable { bytes -> (normalised: String, wordCount: Int, key: UInt64)? in
            var normalised: [UInt8] = [0x20]
            normalised.reserveCapacity(bytes.count + 2)
            var wordCount = 0
            var wordStart = -1
            var longest = 0..<0
            func endWord() {
                let word = wordStart..<normalised.count
                wordStart = -1
                wordCount += 1
                if word.count > longest.count
                    || (word.count == longest.count && normalised[word].lexicographicallyPrecedes(normalised[longest])) {
                    longest = word
                }
                normalised.append(0x20)
            }
            for byte in bytes {
                guard byte < 0x80 else { return nil }
                let lower = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                if (lower >= 0x61 && lower <= 0x7A) || (lower >= 0x30 && lower <= 0x39) {
                    if wordStart < 0 { wordStart = normalised.count }
                    normalised.append(lower)
                } else if wordStart >= 0 {
                    endWord()
                    if wordCount >= maxWords { break }
                }
            }
            if wordStart >= 0 { endWord() }
            // `normalisedTitle` of no words is two spaces.
            if wordCount == 0 { normalised.append(0x20) }
            var key: UInt64 = 0
            if longest.count >= 4 {
                key = fnvOffset
                for byte in normalised[longest] { key = (key ^ UInt64(byte)) &* fnvPrime }
                if key == 0 { key = 1 }
            }
            return (String(decoding: normalised, as: UTF8.self), wordCount, key)
        }
        if let ascii, let ascii { return ascii }
        let words = words(title, maxWords: maxWords)
        var key: UInt64 = 0
        if let longest = words.max(by: { $0.count != $1.count ? $0.count < $1.count : $0 > $1 }), longest.count >= 4 {
            key = fnv1a(longest)
            if key == 0 { key = 1 }
        }
        return (normalisedTitle(words), words.count, key)
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
        var result: [UInt64] = []
        shingleList(hashes: hashes, size: size, into: &result)
        return result
    }

    /// `shingleList(hashes:size:)` into `result` (replacing what it held; the clusterer reuses one array).
    static func shingleList(hashes: [UInt64], size: Int, into result: inout [UInt64]) {
        result.removeAll(keepingCapacity: true)
        guard !hashes.isEmpty else { return }
        let width = min(size, hashes.count)
        // Sized once and written through pointers (not an append, with its checks, a shingle).
        let count = hashes.count - width + 1
        result.append(contentsOf: repeatElement(0, count: count))
        result.withUnsafeMutableBufferPointer { result in
            hashes.withUnsafeBufferPointer { hashes in
                for start in 0..<count {
                    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                    for offset in 0..<width { hash = mix(hash ^ hashes[start + offset]) }
                    result[start] = hash
                }
            }
        }
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
        var result: [UInt32] = []
        var table: [UInt32] = []
        distinctTitleTrigrams(normalised: title, into: &result, table: &table)
        result.sort()
        return result
    }

    /// The distinct trigram hashes of a normalised title (`normalisedTitle`) into `result`, in
    /// the order first seen; `table` is scratch space kept between calls. What clustering needs
    /// of every new title is how many there are and their bits: sorting them (an insertion sort
    /// of ~50 values an article) was three quarters of making them, so only the rare exact
    /// comparison sorts (`titleTrigramList` is these sorted).
    static func distinctTitleTrigrams(normalised title: String, into result: inout [UInt32], table: inout [UInt32]) {
        // An ASCII title's bytes are its scalars.
        let ascii = title.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.contains(where: { $0 >= 0x80 }) else { return false }
            distinctTrigrams(bytes.count, into: &result, table: &table) { UInt64(bytes[$0]) }
            return true
        }
        if ascii == true { return }
        let normalised = Array(title.unicodeScalars)
        distinctTrigrams(normalised.count, into: &result, table: &table) { UInt64(normalised[$0].value) }
    }

    /// The distinct trigram hashes of `count` scalar values (`value(i)` the i-th) in the order
    /// first seen, de-duplicated in an open-addressing set (`table`, at most half full; 0 marks
    /// an empty slot, so a hash of 0 is tracked apart).
    @inline(__always)
    private static func distinctTrigrams(_ count: Int, into result: inout [UInt32], table: inout [UInt32], _ value: (Int) -> UInt64) {
        result.removeAll(keepingCapacity: true)
        guard count >= 3 else { return }
        var size = 64
        while size < 2 * (count - 2) { size *= 2 }
        if table.count < size { table = [UInt32](repeating: 0, count: size) }
        let mask = size - 1
        // Room for every trigram made once, written through pointers, then cut to the distinct.
        result.append(contentsOf: repeatElement(0, count: count - 2))
        let distinct = result.withUnsafeMutableBufferPointer { result in
            table.withUnsafeMutableBufferPointer { table in
                table.update(repeating: 0)
                var distinct = 0
                var zeroSeen = false
                for start in 0...(count - 3) {
                    let trigram = UInt32(truncatingIfNeeded: mix(value(start) << 42 | value(start + 1) << 21 | value(start + 2)))
                    if trigram == 0 {
                        if !zeroSeen {
                            result[distinct] = 0
                            distinct += 1
                        }
                        zeroSeen = true
                        continue
                    }
                    // The hash is a mix's output: its low bits are as good a slot as any.
                    var slot = Int(trigram) & mask
                    while table[slot] != 0 && table[slot] != trigram { slot = (slot + 1) & mask }
                    if table[slot] == 0 {
                        table[slot] = trigram
                        result[distinct] = trigram
                        distinct += 1
                    }
                }
                return distinct
            }
        }
        result.removeLast(result.count - distinct)
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

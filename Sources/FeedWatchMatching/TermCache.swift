/// Folded article word → the query keys it carries (exact form, stems, prefixes), computed once.
///
/// An open-addressing table over raw folded bytes, so the hot path neither allocates a
/// `String` nor stems a word it has seen before. Bounded: it starts afresh when full.
struct TermCache {
    /// Most distinct words kept before the cache starts afresh.
    static let maxEntries = 1 << 19
    /// Most bytes of folded words kept before the cache starts afresh.
    static let maxBytes = 16 << 20

    private var slots: [Int32]
    private var mask: Int
    private var hashes: [UInt64] = []
    private var wordStarts: [Int32] = []
    private var wordLengths: [Int32] = []
    private var keyStarts: [Int32] = []
    private var bytes: [UInt8] = []
    private(set) var keyIDs: [Int32] = []

    init() {
        slots = Array(repeating: -1, count: 1 << 12)
        mask = (1 << 12) - 1
    }

    var count: Int { hashes.count }

    @inline(__always)
    static func hash(_ word: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in word { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash ^ (hash >> 29)
    }

    /// The range in `keyIDs` of a cached word's keys, or nil when the word is not cached.
    @inline(__always)
    func lookup(_ word: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Range<Int>? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { return nil }
            if hashes[entry] == hash, Int(wordLengths[entry]) == word.count, equal(entry, word) {
                let end = entry + 1 < keyStarts.count ? Int(keyStarts[entry + 1]) : keyIDs.count
                return Int(keyStarts[entry])..<end
            }
            slot = (slot + 1) & mask
        }
    }

    private func equal(_ entry: Int, _ word: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = Int(wordStarts[entry])
        for offset in 0..<word.count where bytes[start + offset] != word[offset] { return false }
        return true
    }

    /// Caches a word's keys and returns their range in `keyIDs`.
    mutating func insert(_ word: UnsafeBufferPointer<UInt8>, hash: UInt64, keys: [Int32]) -> Range<Int> {
        if hashes.count >= Self.maxEntries || bytes.count + word.count > Self.maxBytes { self = TermCache() }
        if (hashes.count + 1) * 2 > slots.count { grow() }
        let entry = Int32(hashes.count)
        hashes.append(hash)
        wordStarts.append(Int32(bytes.count))
        wordLengths.append(Int32(word.count))
        bytes.append(contentsOf: word)
        let start = keyIDs.count
        keyStarts.append(Int32(start))
        keyIDs.append(contentsOf: keys)
        place(entry, hash: hash)
        return start..<keyIDs.count
    }

    private mutating func place(_ entry: Int32, hash: UInt64) {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = entry
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for entry in hashes.indices { place(Int32(entry), hash: hashes[entry]) }
    }
}

/// Folded article word → the query keys it carries (exact form, stems, prefixes), computed once.
///
/// An open-addressing table over raw folded bytes, so the hot path neither allocates a
/// `String` nor stems a word it has seen before. Entries are 16 bytes and live in the table
/// itself (one memory access per lookup for words of up to 8 bytes, most words); longer words
/// keep the rest of their bytes in an arena. Bounded: it starts afresh when full.
struct TermCache {
    /// Most distinct words kept before the cache starts afresh.
    static let maxEntries = 1 << 19
    /// Most bytes of long folded words kept before the cache starts afresh.
    static let maxBytes = 16 << 20
    /// Readable bytes a word buffer needs past its end (hashing reads whole 8-byte chunks).
    static let padding = 16

    private struct Entry {
        /// The first 8 bytes of the word, zero-padded.
        var head: UInt64 = 0
        /// 0 marks an empty slot (words are never empty).
        var length: UInt16 = 0
        var keyCount: UInt16 = 0
        var keyStart: Int32 = 0
    }

    private var table: [Entry]
    /// Per slot, where the bytes after the first 8 of a long word start in `tails`.
    private var tailStarts: [Int32]
    private var mask: Int
    private var count = 0
    private var tails: [UInt8] = []
    private(set) var keyIDs: [Int32] = []

    init() {
        table = Array(repeating: Entry(), count: 1 << 12)
        tailStarts = Array(repeating: 0, count: 1 << 12)
        mask = (1 << 12) - 1
    }

    /// The 8-byte chunk at `offset`, with bytes past the word zeroed.
    @inline(__always)
    private static func chunk(_ word: UnsafeBufferPointer<UInt8>, _ offset: Int) -> UInt64 {
        guard offset < word.count, let base = word.baseAddress else { return 0 }
        let value = UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self)
        let remaining = word.count - offset
        return remaining >= 8 ? value : value & ((1 << (UInt64(remaining) * 8)) - 1)
    }

    /// A fast hash of a word; the buffer must stay readable for `padding` bytes past its end.
    @inline(__always)
    static func hash(_ word: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash = UInt64(word.count) &* 0x9E37_79B9_7F4A_7C15
        var offset = 0
        repeat {
            hash = (hash ^ chunk(word, offset)) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 29
            offset += 8
        } while offset < word.count
        return hash
    }

    /// The range in `keyIDs` of a cached word's keys, or nil when the word is not cached.
    @inline(__always)
    func lookup(_ word: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Range<Int>? {
        let head = Self.chunk(word, 0)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = table[slot]
            if entry.length == 0 { return nil }
            if entry.head == head, Int(entry.length) == word.count, word.count <= 8 || tailEqual(slot, word) {
                return Int(entry.keyStart)..<(Int(entry.keyStart) + Int(entry.keyCount))
            }
            slot = (slot + 1) & mask
        }
    }

    private func tailEqual(_ slot: Int, _ word: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = Int(tailStarts[slot])
        for offset in 8..<word.count where tails[start + offset - 8] != word[offset] { return false }
        return true
    }

    /// Caches a word's keys and returns their range in `keyIDs`. Words longer than 65,535 bytes are not cached.
    mutating func insert(_ word: UnsafeBufferPointer<UInt8>, hash: UInt64, keys: [Int32]) -> Range<Int> {
        let keys = keys.prefix(Int(UInt16.max))
        if count >= Self.maxEntries || tails.count + word.count > Self.maxBytes { self = TermCache() }
        if (count + 1) * 10 > table.count * 7 { grow() }
        let keyStart = keyIDs.count
        keyIDs.append(contentsOf: keys)
        guard word.count > 0, word.count <= Int(UInt16.max) else { return keyStart..<keyIDs.count }
        let entry = Entry(head: Self.chunk(word, 0), length: UInt16(word.count), keyCount: UInt16(keys.count),
                          keyStart: Int32(keyStart))
        var tailStart: Int32 = 0
        if word.count > 8 {
            tailStart = Int32(tails.count)
            tails.append(contentsOf: word[8...])
        }
        place(entry, tailStart: tailStart, hash: hash)
        count += 1
        return keyStart..<keyIDs.count
    }

    private mutating func place(_ entry: Entry, tailStart: Int32, hash: UInt64) {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while table[slot].length != 0 { slot = (slot + 1) & mask }
        table[slot] = entry
        tailStarts[slot] = tailStart
    }

    private mutating func grow() {
        let oldTable = table, oldTailStarts = tailStarts
        table = Array(repeating: Entry(), count: oldTable.count * 2)
        tailStarts = Array(repeating: 0, count: oldTable.count * 2)
        mask = table.count - 1
        var bytes = [UInt8](repeating: 0, count: 8 + Int(UInt16.max) + Self.padding)
        for (slot, entry) in oldTable.enumerated() where entry.length != 0 {
            // Rebuild the word to rehash it: the head from the entry, the rest from the arena.
            let length = Int(entry.length)
            withUnsafeBytes(of: entry.head) { head in
                for index in 0..<8 { bytes[index] = head[index] }
            }
            if length > 8 {
                let start = Int(oldTailStarts[slot])
                for offset in 8..<length { bytes[offset] = tails[start + offset - 8] }
            }
            let hash = bytes.withUnsafeBufferPointer { Self.hash(UnsafeBufferPointer(rebasing: $0[0..<length])) }
            place(entry, tailStart: oldTailStarts[slot], hash: hash)
        }
    }
}

/// The articles a `StoryClusterer` remembers, in fixed-size flat arrays kept in insertion
/// order: per article one record (ids, date, title key), its MinHash signature (16-bit values),
/// one link per LSH band and its normalised title's bytes (its trigrams are made again in the
/// rare case two titles are compared exactly). No per-article heap object, no table entry per
/// band key.
///
/// Articles are numbered by a sequence (`seq`, from 1) in insertion order; eviction is in
/// that order too (oldest first), so the live articles are always the newest ones, a
/// contiguous run at the end of the arrays. Evicted articles at the front are dropped in bulk
/// (`compact`), so the arrays hold the live articles plus at most a seventh of them.
///
/// Buckets are chains threaded through the articles: a head array maps a hashed band (or
/// title) key to the newest article that has it, and each article keeps, per band, the
/// sequence number of the article that was the head before it. A chain is newest first, so
/// a walk stops at the first evicted article (everything after it is older). Head positions
/// are shared by keys whose hashes collide there: a walk checks each article's own band rows
/// (or title key) and skips the others. The head array grows with the live articles (one to
/// two positions per band entry: 32 to 64 positions, 128 to 256 bytes, an article), never with
/// the number of distinct keys. Fewer positions would save memory but make every walk pass
/// through other keys' articles (at a quarter position per entry, two thirds of a realistic
/// walk's steps were such misses, each a cache miss).
struct ClusterIndex: Sendable {
    /// What the index keeps of one article besides its signature, band links and trigrams.
    struct Record: Sendable {
        var articleID: Int64
        var feedID: Int64
        var storyID: Int64
        var date: Double
        /// The title chain's key; 0 when the title is not indexed.
        var titleKey: UInt64
        /// Where the normalised title starts in the title pool (an absolute position).
        var titleStart: Int
        /// One bit per title trigram (its hash's low six bits): a trigram of another title whose
        /// bit is clear here is certainly not in this title, which bounds the similarity cheaply.
        var titleBloom: UInt64
        /// The previous article of this title head position (a sequence number, 0 for none).
        var titleNext: UInt32
        var titleLength: UInt32
        /// How many distinct title trigrams it has.
        var trigramCount: UInt16
        /// Whether the article is in the band chains (it had a text).
        var banded: Bool
    }

    let signatureSize: Int
    let bands: Int
    private(set) var records: [Record] = []
    /// `signatureSize` MinHash values per record.
    private(set) var signatures: [UInt16] = []
    /// `bands` sequence numbers per record: the previous article at the same band head position.
    private(set) var bandNext: [UInt32] = []
    /// Candidate de-duplication marks, one per record (see `StoryClusterer`).
    var visited: [UInt32] = []
    /// The normalised titles' UTF-8 bytes, one run per record, in their order.
    private(set) var titlePool: [UInt8] = []
    /// The absolute position of `titlePool[0]`.
    private var titleBase = 0
    /// The sequence number of `records[0]`.
    private var firstSeq: UInt32 = 1
    /// Records before this index are evicted.
    private var liveStart = 0
    /// Newest sequence number per hashed band key position; 0 for none. A power of two long.
    private(set) var bandHeads: [UInt32] = []
    /// The same for title keys.
    private(set) var titleHeads: [UInt32] = []
    /// How many records the arrays are reserved for at first use (more grow as arrays do).
    private let reservation: Int

    init(signatureSize: Int, bands: Int, expectedArticles: Int) {
        self.signatureSize = signatureSize
        self.bands = bands
        reservation = min(max(expectedArticles, 0), 1 << 18)
    }

    /// How many live (not evicted) articles the index holds.
    var liveCount: Int { records.count - liveStart }

    /// The oldest live record; nil when there is none.
    var oldest: Record? { liveStart < records.count ? records[liveStart] : nil }

    /// Bytes held by the index's arrays (their reserved capacity).
    var storageBytes: Int {
        records.capacity * MemoryLayout<Record>.stride + signatures.capacity * 2 + titlePool.capacity
            + (bandNext.capacity + visited.capacity + bandHeads.capacity + titleHeads.capacity) * MemoryLayout<UInt32>.stride
    }

    /// How many head positions name a live article (for tests of the bounds).
    var liveHeadCount: Int {
        bandHeads.reduce(0) { $0 + (isLive($1) ? 1 : 0) } + titleHeads.reduce(0) { $0 + (isLive($1) ? 1 : 0) }
    }

    /// The record index of a live sequence number, nil when it is evicted or 0.
    @inline(__always)
    func index(of seq: UInt32) -> Int? {
        guard seq >= firstSeq else { return nil }
        let index = Int(seq &- firstSeq)
        return index >= liveStart && index < records.count ? index : nil
    }

    @inline(__always)
    func isLive(_ seq: UInt32) -> Bool { index(of: seq) != nil }

    func bandHead(_ key: UInt64) -> UInt32 { bandHeads.isEmpty ? 0 : bandHeads[Self.position(key, count: bandHeads.count)] }

    func titleHead(_ key: UInt64) -> UInt32 { titleHeads.isEmpty ? 0 : titleHeads[Self.position(key, count: titleHeads.count)] }

    /// The next (older) article of band `band`'s chain after record `index`.
    @inline(__always)
    func nextInBand(_ band: Int, after index: Int) -> UInt32 { bandNext[index * bands + band] }

    /// The title trigrams of record `index` (made from its normalised title).
    func trigrams(of index: Int) -> [UInt32] {
        let start = records[index].titleStart - titleBase
        let title = String(decoding: titlePool[start..<(start + Int(records[index].titleLength))], as: UTF8.self)
        return TextShingles.titleTrigramList(normalised: title)
    }

    /// Adds an article as the newest; returns its sequence number. `bandKeys` is empty for an
    /// article without text; `record.titleKey` is 0 when the title is not indexed.
    @discardableResult
    mutating func append(
        _ record: Record, signature: [UInt16], bandKeys: [UInt64], title: String, trigrams: [UInt32]
    ) -> UInt32 {
        if records.isEmpty && records.capacity < reservation { reserve(reservation) }
        if Int(firstSeq) + records.count >= Int(UInt32.max) - 1 {
            // Sequence numbers ran out (billions of articles): number the live ones from 1 again.
            compact(always: true)
            firstSeq = 1
            rebuildHeads(bandCapacity: bandHeads.count)
        }
        let wanted = max(1024, Self.powerOfTwo(atLeast: (liveCount + 1) * bands))
        if wanted > bandHeads.count {
            compact(always: true)
            rebuildHeads(bandCapacity: wanted)
        }
        let seq = firstSeq &+ UInt32(records.count)
        var record = record
        record.titleStart = titleBase + titlePool.count
        record.titleLength = 0
        record.trigramCount = UInt16(min(trigrams.count, Int(UInt16.max)))
        record.titleBloom = 0
        if !trigrams.isEmpty {
            for trigram in trigrams { record.titleBloom |= 1 << (trigram & 63) }
            titlePool.append(contentsOf: title.utf8)
            record.titleLength = UInt32(truncatingIfNeeded: title.utf8.count)
        }
        record.banded = !bandKeys.isEmpty
        records.append(record)
        signatures.append(contentsOf: signature.prefix(signatureSize))
        visited.append(0)
        let index = records.count - 1
        bandNext.append(contentsOf: repeatElement(0, count: bands))
        link(index, seq: seq, bandKeys: bandKeys)
        return seq
    }

    /// Evicts the oldest live article and returns it; compacts the arrays when enough has gone.
    mutating func dropOldest() -> Record? {
        guard liveStart < records.count else { return nil }
        let record = records[liveStart]
        liveStart += 1
        compact(always: false)
        return record
    }

    /// Drops the evicted records at the front once they are an eighth of the arrays (or
    /// `always`), so an index sliding through a long stream stays the size of its window.
    private mutating func compact(always: Bool) {
        guard liveStart > 0, always || liveStart >= max(64, records.count / 8) else { return }
        let dropped = liveStart
        let poolStart = dropped < records.count ? records[dropped].titleStart : titleBase + titlePool.count
        records.removeFirst(dropped)
        signatures.removeFirst(dropped * signatureSize)
        bandNext.removeFirst(dropped * bands)
        visited.removeFirst(dropped)
        titlePool.removeFirst(poolStart - titleBase)
        titleBase = poolStart
        firstSeq &+= UInt32(dropped)
        liveStart = 0
    }

    /// Threads record `index` (sequence `seq`) into its band and title chains as their newest.
    private mutating func link(_ index: Int, seq: UInt32, bandKeys: [UInt64]) {
        let headCount = bandHeads.count
        for (band, key) in bandKeys.enumerated() {
            let position = Self.position(key, count: headCount)
            bandNext[index * bands + band] = bandHeads[position]
            bandHeads[position] = seq
        }
        let titleKey = records[index].titleKey
        if titleKey != 0 {
            let position = Self.position(titleKey, count: titleHeads.count)
            records[index].titleNext = titleHeads[position]
            titleHeads[position] = seq
        }
    }

    /// Makes new head arrays (`bandCapacity` band positions, an eighth of that for titles)
    /// and threads every record into them again, oldest first. Called when the live articles
    /// outgrow the heads (so a doubling costs each article once on average) or after renumbering.
    private mutating func rebuildHeads(bandCapacity: Int) {
        bandHeads = []
        titleHeads = []
        bandHeads = Array(repeating: 0, count: bandCapacity)
        titleHeads = Array(repeating: 0, count: max(64, bandCapacity / 8))
        var keys: [UInt64] = []
        for index in records.indices {
            records[index].titleNext = 0
            for band in 0..<bands { bandNext[index * bands + band] = 0 }
            keys.removeAll(keepingCapacity: true)
            if records[index].banded {
                let start = index * signatureSize
                Self.bandKeys(signatures[start..<(start + signatureSize)], bands: bands, into: &keys)
            }
            link(index, seq: firstSeq &+ UInt32(index), bandKeys: keys)
        }
    }

    private mutating func reserve(_ count: Int) {
        records.reserveCapacity(count)
        signatures.reserveCapacity(count * signatureSize)
        bandNext.reserveCapacity(count * bands)
        visited.reserveCapacity(count)
    }

    /// The LSH band keys: `bands` hashes, each over `values.count / bands` consecutive values.
    static func bandKeys(_ values: ArraySlice<UInt16>, bands: Int, into keys: inout [UInt64]) {
        let rows = values.count / bands
        let start = values.startIndex
        for band in 0..<bands {
            var hash = UInt64(band) &* 0x9E37_79B9_7F4A_7C15
            for value in values[(start + band * rows)..<(start + (band + 1) * rows)] { hash = TextShingles.mix(hash ^ UInt64(value)) }
            keys.append(hash)
        }
    }

    @inline(__always)
    static func position(_ key: UInt64, count: Int) -> Int {
        Int(truncatingIfNeeded: TextShingles.mix(key)) & (count - 1)
    }

    static func powerOfTwo(atLeast value: Int) -> Int {
        var size = 1
        while size < value { size *= 2 }
        return size
    }
}

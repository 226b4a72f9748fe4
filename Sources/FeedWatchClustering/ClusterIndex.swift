/// The articles a `StoryClusterer` remembers, in fixed-size flat arrays kept in insertion
/// order: per article one record (ids, date), one title entry (title key, trigram bits and
/// count, title chain link), one entry per LSH band (its chain link next to the band's MinHash
/// values, 16 bits each: the entries together are the signature) and its normalised title's
/// bytes (its trigrams are made again in the rare case two titles are compared exactly). No
/// per-article heap object, no table entry per band key.
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
/// (or title key) and skips the others. A band's link and rows share one entry (8 bytes with
/// the default two rows), so a step along a band chain, member or not, reads one cache line;
/// with the link and the signature in separate arrays it read two. The head array grows with
/// the live articles, never with the number of distinct keys: while the index grows, to eight
/// positions per band entry each time the entries outnumber the positions; once that would pass
/// `maxLive` articles' entries, to one position per entry of that many (32 positions, 128
/// bytes, an article). Sizing them for `maxLive` at the first article would save the rebuilds
/// (a ninth of clustering in a cold cycle when the heads grew by doubling, a third of that by
/// eight) but give a small daemon's index the heads of a full one (13.6 MB with the defaults). Fewer positions would save memory but make every walk pass through more of other keys'
/// articles (each a cache miss; at a quarter position per entry two thirds of a realistic
/// walk's steps were such misses); two positions an entry cost 256 bytes an article.
struct ClusterIndex: Sendable {
    /// What the index keeps of one article besides its band entries, title entry and title
    /// bytes (40 bytes).
    struct Record: Sendable {
        var articleID: Int64
        var feedID: Int64
        var storyID: Int64
        var date: Double
        /// Where the normalised title starts in the title pool (from `titlePool[0]`; moved when
        /// the pool's front is dropped). It ends where the next record's starts (titles are
        /// pooled in record order; one not kept is empty), so no length is stored.
        var titleStart: UInt32
        /// Whether the article is in the band chains (it had a text).
        var banded: Bool
    }

    /// What a walk along a title chain, and the bounds on title similarity, read of one article
    /// (24 bytes), apart from its record: most articles met on a title chain (those sharing
    /// the new title's longest word) are then ruled out by these bounds alone, without reading
    /// their record, where each step of such a walk read a record (a cache miss) and the title
    /// comparison read it again.
    struct TitleEntry: Sendable {
        /// The title chain's key; 0 when the title is not indexed.
        var key: UInt64
        /// One bit per title trigram (its hash's low six bits): a trigram of another title whose
        /// bit is clear here is certainly not in this title, which bounds the similarity cheaply.
        var bloom: UInt64
        /// The previous article of this title head position (a sequence number, 0 for none).
        var next: UInt32
        /// How many distinct title trigrams it has.
        var trigramCount: UInt16
    }

    let signatureSize: Int
    let bands: Int
    /// Signature values per band.
    let rows: Int
    /// 32-bit words per band entry: the link, then the rows, two to a word (an odd last one padded with 0).
    let entryWords: Int
    /// Words per record in `bandEntries`.
    let recordWords: Int
    private(set) var records: [Record] = []
    /// `bands` entries per record (`entryWords` words each): the previous article at the same
    /// band head position (a sequence number), then the band's signature values.
    private(set) var bandEntries: [UInt32] = []
    /// A record's words with every value bit set and every link word 0 (for comparing signatures).
    private let valueMask: [UInt32]
    /// The normalised titles' UTF-8 bytes, one run per record, in their order.
    private(set) var titlePool: [UInt8] = []
    /// One title entry per record, in the same order.
    private(set) var titles: [TitleEntry] = []
    /// The sequence number of `records[0]`.
    private var firstSeq: UInt32 = 1
    /// Records before this index are evicted.
    private var liveStart = 0
    /// Newest sequence number per hashed band key position; 0 for none.
    private(set) var bandHeads: [UInt32] = []
    /// The same for title keys.
    private(set) var titleHeads: [UInt32] = []
    /// How many records the arrays are reserved for at first use (more grow as arrays do).
    private let reservation: Int
    /// The most live articles the index holds at once (it sizes the heads for no more).
    private let maxLive: Int

    init(signatureSize: Int, bands: Int, expectedArticles: Int, maxLive: Int) {
        self.maxLive = max(1, maxLive)
        self.signatureSize = signatureSize
        self.bands = bands
        rows = signatureSize / bands
        entryWords = 1 + (rows + 1) / 2
        recordWords = bands * entryWords
        var mask = [UInt32](repeating: .max, count: recordWords)
        for band in 0..<bands { mask[band * entryWords] = 0 }
        valueMask = mask
        reservation = min(max(expectedArticles, 0), 1 << 18)
    }

    /// How many live (not evicted) articles the index holds.
    var liveCount: Int { records.count - liveStart }

    /// The oldest live record; nil when there is none.
    var oldest: Record? { liveStart < records.count ? records[liveStart] : nil }

    /// Bytes held by the index's arrays (their reserved capacity).
    var storageBytes: Int {
        records.capacity * MemoryLayout<Record>.stride + titlePool.capacity
            + titles.capacity * MemoryLayout<TitleEntry>.stride
            + (bandEntries.capacity + bandHeads.capacity + titleHeads.capacity) * MemoryLayout<UInt32>.stride
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

    /// One step along band `band`'s chain at record `index`: the next (older) article, and
    /// whether the record's values of that band are those of `own` (a new article's entries as
    /// `entries(of:)` makes them), i.e. whether it has this chain's key and not another key
    /// whose hash shares the head position. (`own` a span: the candidate walk holds the new
    /// article's entries as one while it writes its own arrays through spans.)
    @inline(__always)
    func bandStep(_ band: Int, at index: Int, own: Span<UInt32>) -> (next: UInt32, member: Bool) {
        let entries = bandEntries.span
        let base = index * recordWords + band * entryWords
        let ownBase = band * entryWords
        let next = entries[base]
        for word in 1..<entryWords where entries[base + word] != own[ownBase + word] { return (next, false) }
        return (next, true)
    }

    /// One step along a title chain at record `index`: the next (older) article, and whether
    /// the record has title key `key` (not another key whose hash shares the head position).
    @inline(__always)
    func titleStep(at index: Int, key: UInt64) -> (next: UInt32, member: Bool) {
        let entry = titles[index]
        return (entry.next, entry.key == key)
    }

    /// How many signature values of record `index` equal those of `own` (entries as
    /// `entries(of:)` makes them), compared 16 at a time with the link words masked out.
    func equalValues(at index: Int, own: [UInt32]) -> Int {
        let words = recordWords
        // Link words (masked to 0 on both sides) and padding halves compare equal; take them off.
        let alwaysEqual = bands * (entryWords * 2 - rows)
        return bandEntries.withUnsafeBufferPointer { stored in
            own.withUnsafeBufferPointer { own in
                valueMask.withUnsafeBufferPointer { mask in
                    let storedBase = stored.baseAddress! + index * words
                    let ownBase = own.baseAddress!
                    let maskBase = mask.baseAddress!
                    var equal = 0
                    var word = 0
                    let ones = SIMD16<UInt16>(repeating: 1)
                    let zeros = SIMD16<UInt16>(repeating: 0)
                    while word + 8 <= words {
                        let x = UnsafeRawPointer(storedBase + word).loadUnaligned(as: SIMD8<UInt32>.self)
                            & UnsafeRawPointer(maskBase + word).loadUnaligned(as: SIMD8<UInt32>.self)
                        let y = UnsafeRawPointer(ownBase + word).loadUnaligned(as: SIMD8<UInt32>.self)
                        let halves = unsafeBitCast(x, to: SIMD16<UInt16>.self) .== unsafeBitCast(y, to: SIMD16<UInt16>.self)
                        equal += Int(zeros.replacing(with: ones, where: halves).wrappedSum())
                        word += 8
                    }
                    while word < words {
                        let x = storedBase[word] & maskBase[word]
                        let y = ownBase[word]
                        equal += (x & 0xFFFF == y & 0xFFFF ? 1 : 0) + (x >> 16 == y >> 16 ? 1 : 0)
                        word += 1
                    }
                    return equal - alwaysEqual
                }
            }
        }
    }

    /// A signature as band entries (`recordWords` words, links 0): what `append`, `bandStep`
    /// and `equalValues` take for a new article.
    func entries(of signature: [UInt16], into entries: inout [UInt32]) {
        entries.removeAll(keepingCapacity: true)
        entries.append(contentsOf: repeatElement(0, count: recordWords))
        for band in 0..<bands {
            for row in 0..<rows {
                let value = UInt32(signature[band * rows + row]) << (16 * UInt32(row & 1))
                entries[band * entryWords + 1 + row / 2] |= value
            }
        }
    }

    /// The title trigrams of record `index` (made from its normalised title).
    func trigrams(of index: Int) -> [UInt32] {
        let start = Int(records[index].titleStart)
        let end = index + 1 < records.count ? Int(records[index + 1].titleStart) : titlePool.count
        let title = String(decoding: titlePool[start..<end], as: UTF8.self)
        return TextShingles.titleTrigramList(normalised: title)
    }

    /// Adds an article as the newest; returns its sequence number. `entries` are its signature
    /// as `entries(of:)` makes them; `bandKeys` is empty for an article without text;
    /// `titleKey` is 0 when the title is not indexed (it is not without `trigrams`).
    @discardableResult
    mutating func append(
        _ record: Record, titleKey: UInt64, entries: [UInt32], bandKeys: [UInt64], title: String, trigrams: [UInt32]
    ) -> UInt32 {
        if records.isEmpty && records.capacity < reservation { reserve(reservation) }
        if Int(firstSeq) + records.count >= Int(UInt32.max) - 1 {
            // Sequence numbers ran out (billions of articles): number the live ones from 1 again.
            compact(always: true)
            firstSeq = 1
            rebuildHeads(bandCapacity: bandHeads.count)
        }
        let wanted = (liveCount + 1) * bands
        if wanted > bandHeads.count {
            // Eight times what is wanted, up to `maxLive`'s entries: each rebuild threads every
            // live article again (its band keys made anew from its entries), so a cold start
            // growing by doubling threaded 1.7 times as many articles as it indexed (40,000
            // articles: 69,600 again, a ninth of clustering); by eight, half as many (19,400),
            // for heads at most eight positions an entry until they reach the cap.
            let full = maxLive.multipliedReportingOverflow(by: bands)
            let capacity = max(1024, min(wanted > Int.max / 8 ? Int.max : wanted * 8, max(wanted, full.overflow ? .max : full.partialValue)))
            compact(always: true)
            rebuildHeads(bandCapacity: capacity)
        }
        let seq = firstSeq &+ UInt32(records.count)
        var record = record
        record.titleStart = UInt32(truncatingIfNeeded: titlePool.count)
        var entry = TitleEntry(key: 0, bloom: 0, next: 0, trigramCount: 0)
        // Positions in the pool are 32-bit: a pool that would pass 4 GiB (not reachable with
        // titles of 64 words and `maxIndexed` articles) takes no more titles.
        if !trigrams.isEmpty && titlePool.count + title.utf8.count < Int(UInt32.max) {
            entry.key = titleKey
            entry.trigramCount = UInt16(min(trigrams.count, Int(UInt16.max)))
            for trigram in trigrams { entry.bloom |= 1 << (trigram & 63) }
            titlePool.append(contentsOf: title.utf8)
        }
        record.banded = !bandKeys.isEmpty
        records.append(record)
        titles.append(entry)
        let index = records.count - 1
        bandEntries.append(contentsOf: entries.prefix(recordWords))
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
        let poolStart = dropped < records.count ? records[dropped].titleStart : UInt32(truncatingIfNeeded: titlePool.count)
        records.removeFirst(dropped)
        titles.removeFirst(dropped)
        bandEntries.removeFirst(dropped * recordWords)
        titlePool.removeFirst(Int(poolStart))
        for index in records.indices { records[index].titleStart -= poolStart }
        firstSeq &+= UInt32(dropped)
        liveStart = 0
    }

    /// Threads record `index` (sequence `seq`) into its band and title chains as their newest.
    private mutating func link(_ index: Int, seq: UInt32, bandKeys: [UInt64]) {
        let headCount = bandHeads.count
        for (band, key) in bandKeys.enumerated() {
            let position = Self.position(key, count: headCount)
            bandEntries[index * recordWords + band * entryWords] = bandHeads[position]
            bandHeads[position] = seq
        }
        let titleKey = titles[index].key
        if titleKey != 0 {
            let position = Self.position(titleKey, count: titleHeads.count)
            titles[index].next = titleHeads[position]
            titleHeads[position] = seq
        }
    }

    /// Makes new head arrays (`bandCapacity` band positions; a sixteenth of that, two positions
    /// an article or more with 32 bands, for titles: a title chain's step reads a title entry)
    /// and threads every record into them again, oldest first. Called when the live articles
    /// outgrow the heads or after renumbering.
    private mutating func rebuildHeads(bandCapacity: Int) {
        bandHeads = []
        titleHeads = []
        bandHeads = Array(repeating: 0, count: bandCapacity)
        titleHeads = Array(repeating: 0, count: max(64, bandCapacity / 16))
        var keys: [UInt64] = []
        for index in records.indices {
            titles[index].next = 0
            for band in 0..<bands { bandEntries[index * recordWords + band * entryWords] = 0 }
            keys.removeAll(keepingCapacity: true)
            if records[index].banded { bandKeys(at: index, into: &keys) }
            link(index, seq: firstSeq &+ UInt32(index), bandKeys: keys)
        }
    }

    private mutating func reserve(_ count: Int) {
        records.reserveCapacity(count)
        titles.reserveCapacity(count)
        bandEntries.reserveCapacity(count * recordWords)
    }

    /// The band keys of record `index`, from its entries (as `bandKeys(_:bands:into:)` makes
    /// them from its signature).
    private func bandKeys(at index: Int, into keys: inout [UInt64]) {
        for band in 0..<bands {
            let base = index * recordWords + band * entryWords + 1
            var hash = UInt64(band) &* 0x9E37_79B9_7F4A_7C15
            for row in 0..<rows {
                let value = UInt16(truncatingIfNeeded: bandEntries[base + row / 2] >> (16 * UInt32(row & 1)))
                hash = TextShingles.mix(hash ^ UInt64(value))
            }
            keys.append(hash)
        }
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

    /// The head position of `key` among `count` (any count: multiply-shift, no division).
    @inline(__always)
    static func position(_ key: UInt64, count: Int) -> Int {
        Int(truncatingIfNeeded: TextShingles.mix(key).multipliedFullWidth(by: UInt64(count)).high)
    }

    static func powerOfTwo(atLeast value: Int) -> Int {
        var size = 1
        while size < value { size *= 2 }
        return size
    }
}

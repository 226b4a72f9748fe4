/// LSH and title buckets as newest-first linked lists in one pool of nodes: no array per
/// bucket (most buckets hold one article, and an allocation each cost more memory than the
/// articles), no removal from the middle of a list.
///
/// A node names an index slot and the slot's generation when it was added; once the slot is
/// evicted (its generation moves on) the node is dead and skipped. Dead nodes are reclaimed
/// when their bucket is trimmed to its bound or when no live node is left in it.
struct BucketPool: Sendable {
    /// One bucket: its newest node and how many nodes (live or dead) it chains.
    struct Bucket: Sendable {
        var head: Int32
        var count: Int32
    }

    static let end: Int32 = -1

    private(set) var nodeEntry: [UInt64] = []
    private(set) var nodeNext: [Int32] = []
    private var free: [Int32] = []
    private var table = IntegerTable<UInt64, Bucket>()

    /// How many keys have a bucket.
    var bucketCount: Int { table.count }

    static func entry(slot: Int32, generation: UInt32) -> UInt64 { UInt64(UInt32(bitPattern: slot)) << 32 | UInt64(generation) }
    static func slot(of entry: UInt64) -> Int32 { Int32(bitPattern: UInt32(truncatingIfNeeded: entry >> 32)) }
    static func generation(of entry: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: entry) }

    /// The newest node of `key`'s bucket, `end` when there is none.
    func head(_ key: UInt64) -> Int32 { table[key]?.head ?? Self.end }

    /// Adds `entry` as the newest of `key`'s bucket; once the bucket chains `2 × limit` nodes
    /// it is cut back to its newest `limit` (so the cost per add stays constant on average).
    mutating func add(_ entry: UInt64, to key: UInt64, limit: Int) {
        var bucket = table[key] ?? Bucket(head: Self.end, count: 0)
        let node = allocate(entry, next: bucket.head)
        bucket.head = node
        bucket.count += 1
        if Int(bucket.count) >= 2 * max(1, limit) {
            var last = node
            for _ in 1..<max(1, limit) { last = nodeNext[Int(last)] }
            release(from: nodeNext[Int(last)])
            nodeNext[Int(last)] = Self.end
            bucket.count = Int32(max(1, limit))
        }
        table[key] = bucket
    }

    /// After a slot was evicted: drops `key`'s bucket if no node in it is live any more.
    /// Usually the newest node is live and this costs one look.
    mutating func prune(_ key: UInt64, isLive: (UInt64) -> Bool) {
        guard let bucket = table[key] else { return }
        var node = bucket.head
        while node != Self.end {
            if isLive(nodeEntry[Int(node)]) { return }
            node = nodeNext[Int(node)]
        }
        release(from: bucket.head)
        table[key] = nil
    }

    private mutating func allocate(_ entry: UInt64, next: Int32) -> Int32 {
        if let node = free.popLast() {
            nodeEntry[Int(node)] = entry
            nodeNext[Int(node)] = next
            return node
        }
        nodeEntry.append(entry)
        nodeNext.append(next)
        return Int32(nodeEntry.count - 1)
    }

    private mutating func release(from first: Int32) {
        var node = first
        while node != Self.end {
            free.append(node)
            node = nodeNext[Int(node)]
        }
    }
}

/// A MinHash signature: `count` values, each the minimum hash of the shingles that fall in
/// one of `count` buckets. The fraction of equal positions in two signatures estimates the
/// Jaccard similarity of the sets.
///
/// One-permutation hashing (Li, Owen and Zhang 2012) with optimal densification (Shrivastava
/// 2017): each shingle is hashed `repeats` times (as the elements (shingle, 0) … (shingle,
/// repeats − 1), whose sets have the same Jaccard similarity as the shingles'), each hash
/// picks a bucket by its high bits and competes for that bucket's minimum. A bucket no element
/// fell in takes the value of the first filled bucket a fixed sequence of probes (the same for
/// every set) reaches, so two sets agree there exactly as often as on a filled bucket. That is
/// `repeats` hashes per shingle instead of `count`: the previous k-function MinHash was a
/// quarter of clustering's CPU.
struct MinHashSignature: Hashable {
    var values: [UInt64]

    /// Hashes per shingle. With 4 (and 64 buckets), a text of 60 shingles leaves about 2 % of
    /// the buckets to densification; a title-only text of 5 shingles most of them (it has
    /// little to compare anyway).
    static let repeats = 8

    init<Shingles: Sequence<UInt64>>(shingles: Shingles, count: Int) {
        values = Self.minima(Array(shingles), count: count)
    }

    /// The signature of `shingles` as the clusterer keeps it: each value's low 16 bits (two
    /// different minima then agree by chance once in 65,536 comparisons, which moves an
    /// estimate over 64 values by 0.001 on average).
    static func values16(shingles: [UInt64], count: Int) -> [UInt16] {
        var values: [UInt16] = []
        var minima: [UInt64] = []
        values16(shingles: shingles, count: count, into: &values, minima: &minima)
        return values
    }

    /// `values16(shingles:count:)` into `values`, with `minima` as scratch space (the clusterer
    /// reuses both arrays: two allocations an article fewer).
    static func values16(shingles: [UInt64], count: Int, into values: inout [UInt16], minima: inout [UInt64]) {
        Self.minima(shingles, count: count, into: &minima)
        values.removeAll(keepingCapacity: true)
        values.append(contentsOf: minima.lazy.map { UInt16(truncatingIfNeeded: $0) })
    }

    /// The `count` bucket minima of `shingles` (all `.max` for no shingles).
    static func minima(_ shingles: [UInt64], count: Int) -> [UInt64] {
        var values: [UInt64] = []
        minima(shingles, count: count, into: &values)
        return values
    }

    /// `minima(shingles, count:)` into `values` (replacing what it held).
    static func minima(_ shingles: [UInt64], count: Int, into values: inout [UInt64]) {
        values.removeAll(keepingCapacity: true)
        guard count > 0 else { return }
        values.append(contentsOf: repeatElement(.max, count: count))
        guard !shingles.isEmpty else { return }
        let buckets = UInt64(count)
        let seeds = Self.seeds
        let repeats = Self.repeats
        values.withUnsafeMutableBufferPointer { values in
            seeds.withUnsafeBufferPointer { seeds in
                for shingle in shingles {
                    for repeat_ in 0..<repeats {
                        let hashed = TextShingles.mix(shingle ^ seeds[repeat_])
                        // The bucket from the high 32 bits (multiply-shift, no division); within a
                        // bucket those bits differ little, so the minimum is decided by the rest.
                        let bucket = Int(truncatingIfNeeded: ((hashed >> 32) &* buckets) >> 32)
                        values[bucket] = min(values[bucket], hashed)
                    }
                }
            }
            // A bucket still at `.max` is empty (a hash of exactly `.max` counts as none, for
            // every set alike). Optimal densification: an empty bucket probes buckets in an order
            // fixed by its index alone and takes the first filled one's value.
            guard values.contains(.max) else { return }
            let original = Array(values)
            guard original.contains(where: { $0 != .max }) else { return }
            for bucket in 0..<count where original[bucket] == .max {
                var attempt: UInt64 = 0
                while true {
                    let probe = TextShingles.mix(UInt64(bucket) << 32 ^ attempt ^ densificationSeed)
                    let source = Int(truncatingIfNeeded: ((probe >> 32) &* buckets) >> 32)
                    if original[source] != .max {
                        values[bucket] = original[source]
                        break
                    }
                    attempt += 1
                }
            }
        }
    }

    /// Estimated Jaccard similarity of the two shingle sets.
    func similarity(_ other: MinHashSignature) -> Double {
        guard values.count == other.values.count, !values.isEmpty else { return 0 }
        var equal = 0
        for index in values.indices where values[index] == other.values[index] && values[index] != .max { equal += 1 }
        return Double(equal) / Double(values.count)
    }

    /// Fixed seeds so signatures are comparable across runs and processes.
    private static let seeds: [UInt64] = (0..<repeats).map { TextShingles.mix(UInt64($0) &* 0xD1B5_4A32_D192_ED03 &+ 1) }
    private static let densificationSeed: UInt64 = 0x5851_F42D_4C95_7F2D
}

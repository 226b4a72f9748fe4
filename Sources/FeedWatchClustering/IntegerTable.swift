/// A key of an `IntegerTable`: plain integers compared exactly, spread by a cheap mix.
protocol IntegerTableKey: Equatable, Sendable {
    /// A well-distributed 64-bit hash of the key (no SipHash: keys are not attacker-chosen
    /// strings but ids and hashes the clusterer made itself).
    var tableHash: UInt64 { get }
}

extension UInt64: IntegerTableKey {
    var tableHash: UInt64 { TextShingles.mix(self) }
}

extension Int64: IntegerTableKey {
    var tableHash: UInt64 { TextShingles.mix(UInt64(bitPattern: self)) }
}

/// Two ids as one key (a story and a feed).
struct IntegerPair: IntegerTableKey, Sendable {
    var first: Int64
    var second: Int64
    var tableHash: UInt64 { TextShingles.mix(UInt64(bitPattern: first) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(bitPattern: second)) }
}

/// An open-addressing hash table (linear probing, backward-shift deletion) from integer keys
/// to values: the clusterer's hot lookups without `Hasher`'s SipHash, which was a quarter of a
/// cycle's CPU. Capacity is a power of two kept at most 3/4 full.
struct IntegerTable<Key: IntegerTableKey & Sendable, Value: Sendable>: Sendable {
    private var keys: [Key?]
    private var values: [Value?]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 16) {
        var size = 16
        while size * 3 / 4 < capacity { size *= 2 }
        keys = Array(repeating: nil, count: size)
        values = Array(repeating: nil, count: size)
        mask = size - 1
    }

    private func slot(of key: Key) -> (index: Int, found: Bool) {
        var index = Int(truncatingIfNeeded: key.tableHash) & mask
        while let stored = keys[index] {
            if stored == key { return (index, true) }
            index = (index + 1) & mask
        }
        return (index, false)
    }

    subscript(key: Key) -> Value? {
        get {
            let (index, found) = slot(of: key)
            return found ? values[index] : nil
        }
        set {
            if let newValue {
                insert(key, newValue)
            } else {
                remove(key)
            }
        }
    }

    /// Moves the value at `index` out, so the caller holds the only reference while changing it.
    private mutating func take(_ index: Int) -> Value? {
        defer { values[index] = nil }
        return values[index]
    }

    private mutating func insert(_ key: Key, _ value: Value) {
        let (index, found) = slot(of: key)
        if found {
            values[index] = value
            return
        }
        if (count + 1) * 4 > keys.count * 3 {
            grow()
            insert(key, value)
            return
        }
        keys[index] = key
        values[index] = value
        count += 1
    }

    private mutating func remove(_ key: Key) {
        var (hole, found) = slot(of: key)
        guard found else { return }
        keys[hole] = nil
        values[hole] = nil
        count -= 1
        // Backward shift: move later entries of the probe run into the hole when their home
        // slot does not lie (cyclically) between the hole and where they are.
        var index = (hole + 1) & mask
        while let moving = keys[index] {
            let home = Int(truncatingIfNeeded: moving.tableHash) & mask
            let distanceToHome = (index - home) & mask
            let distanceToHole = (index - hole) & mask
            if distanceToHome >= distanceToHole {
                keys[hole] = moving
                values[hole] = take(index)
                keys[index] = nil
                hole = index
            }
            index = (index + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        keys = Array(repeating: nil, count: oldKeys.count * 2)
        values = Array(repeating: nil, count: oldKeys.count * 2)
        mask = keys.count - 1
        count = 0
        for index in oldKeys.indices {
            if let key = oldKeys[index], let value = oldValues[index] { insert(key, value) }
        }
    }
}

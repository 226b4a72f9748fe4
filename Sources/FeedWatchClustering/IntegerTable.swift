/// A key of an `IntegerTable`: plain integers compared exactly, spread by a cheap mix.
protocol IntegerTableKey: Equatable, Sendable {
    /// A well-distributed 64-bit hash of the key (no SipHash: keys are not attacker-chosen
    /// strings but ids and hashes the clusterer made itself).
    var tableHash: UInt64 { get }
    /// What fills an empty slot (never looked at: `occupied` says whether a slot holds a key).
    static var placeholder: Self { get }
}

/// A value of an `IntegerTable`.
protocol IntegerTableValue: Sendable {
    /// What fills an empty slot.
    static var placeholder: Self { get }
}

extension UInt64: IntegerTableKey {
    var tableHash: UInt64 { TextShingles.mix(self) }
    static var placeholder: UInt64 { 0 }
}

extension Int64: IntegerTableKey {
    var tableHash: UInt64 { TextShingles.mix(UInt64(bitPattern: self)) }
    static var placeholder: Int64 { 0 }
}

extension Int32: IntegerTableValue {
    static var placeholder: Int32 { 0 }
}

extension UInt32: IntegerTableValue {
    static var placeholder: UInt32 { 0 }
}

/// Two ids as one key (a story and a feed).
struct IntegerPair: IntegerTableKey, Sendable {
    var first: Int64
    var second: Int64
    var tableHash: UInt64 { TextShingles.mix(UInt64(bitPattern: first) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(bitPattern: second)) }
    static var placeholder: IntegerPair { IntegerPair(first: 0, second: 0) }
}

/// An open-addressing hash table (linear probing, backward-shift deletion) from integer keys
/// to values: the clusterer's hot lookups without `Hasher`'s SipHash, which was a quarter of a
/// cycle's CPU. Capacity is a power of two kept at most 3/4 full. Keys and values are stored
/// plainly next to one byte of occupancy (an `Optional` key and value cost 32 bytes a slot for
/// a pair of ids and an `Int32`, this 21).
struct IntegerTable<Key: IntegerTableKey, Value: IntegerTableValue>: Sendable {
    private var keys: [Key]
    private var values: [Value]
    private var occupied: [Bool]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 16) {
        var size = 16
        while size * 3 / 4 < capacity { size *= 2 }
        keys = Array(repeating: .placeholder, count: size)
        values = Array(repeating: .placeholder, count: size)
        occupied = Array(repeating: false, count: size)
        mask = size - 1
    }

    /// Bytes held by the table's storage.
    var storageBytes: Int {
        keys.capacity * MemoryLayout<Key>.stride + values.capacity * MemoryLayout<Value>.stride + occupied.capacity
    }

    private func slot(of key: Key) -> (index: Int, found: Bool) {
        var index = Int(truncatingIfNeeded: key.tableHash) & mask
        while occupied[index] {
            if keys[index] == key { return (index, true) }
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
        occupied[index] = true
        count += 1
    }

    private mutating func remove(_ key: Key) {
        var (hole, found) = slot(of: key)
        guard found else { return }
        occupied[hole] = false
        count -= 1
        // Backward shift: move later entries of the probe run into the hole when their home
        // slot does not lie (cyclically) between the hole and where they are.
        var index = (hole + 1) & mask
        while occupied[index] {
            let home = Int(truncatingIfNeeded: keys[index].tableHash) & mask
            let distanceToHome = (index - home) & mask
            let distanceToHole = (index - hole) & mask
            if distanceToHome >= distanceToHole {
                keys[hole] = keys[index]
                values[hole] = values[index]
                occupied[hole] = true
                occupied[index] = false
                hole = index
            }
            index = (index + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        let oldOccupied = occupied
        // Released before the new arrays are made, so a resize holds the old table once, not twice.
        keys = []
        values = []
        occupied = []
        keys = Array(repeating: .placeholder, count: oldKeys.count * 2)
        values = Array(repeating: .placeholder, count: oldKeys.count * 2)
        occupied = Array(repeating: false, count: oldKeys.count * 2)
        mask = keys.count - 1
        count = 0
        for index in oldOccupied.indices where oldOccupied[index] { insert(oldKeys[index], oldValues[index]) }
    }
}

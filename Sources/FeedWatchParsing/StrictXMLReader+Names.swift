#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FeedWatchModel

/// Qualified names and namespace bindings of `StrictXMLReader`.
extension StrictXMLReader {
    // MARK: Names and namespaces

    /// A qualified name at `index` (`local` or `prefix:local`, ASCII), interned.
    mutating func qualifiedName() throws(Decline) -> QualifiedName {
        let start = index
        guard index < count, isNameStart(input[index]) else { throw Decline() }
        var colon = -1
        while index < count {
            let kind = nameByteKinds[Int(input[index])]
            if kind != 1 {
                guard kind == 2 else { break }
                guard colon < 0 else { throw Decline() }
                colon = index
            }
            index += 1
        }
        let length = index - start
        let key = QualifiedNameTable.key(input + start, length: length, available: count - start)
        guard length <= Self.libxmlMaxNameLength else { throw Decline() }
        if let known = names.find(input + start, key) { return known }
        if colon >= 0 {
            guard colon + 1 < index, isNameStart(input[colon + 1]) else { throw Decline() }
        }
        let qualified = String(knownValidUTF8: UnsafeBufferPointer(start: input + start, count: length))
        var name: QualifiedName
        if colon >= 0 {
            let prefix = String(knownValidUTF8: UnsafeBufferPointer(start: input + start, count: colon - start))
            let local = String(knownValidUTF8: UnsafeBufferPointer(start: input + colon + 1, count: index - colon - 1))
            name = QualifiedName(local: builder.internName(local), prefix: prefixID(prefix),
                                 declares: prefix == "xmlns" ? prefixID(local) : -1)
        } else {
            name = QualifiedName(local: builder.internName(qualified), prefix: 0,
                                 declares: qualified == "xmlns" ? 0 : -1)
        }
        names.insert(input + start, key, name)
        return name
    }

    mutating func prefixID(_ prefix: String) -> Int32 {
        if let known = prefixIDs[prefix] { return known }
        let id = Int32(prefixIDs.count)
        prefixIDs[prefix] = id
        return id
    }

    /// The namespace of an element with prefix `prefix`: the binding in scope; none for no
    /// prefix and no default namespace; an undeclared prefix goes to libxml2.
    mutating func namespace(ofElementPrefix prefix: Int32) throws(Decline) -> Int32 {
        if prefix == 1 { return xmlNamespaceIndex() }
        var position = bindings.count - 1
        while position >= 0 {
            if bindings[position].prefix == prefix { return bindings[position].namespace }
            position -= 1
        }
        guard prefix == 0 else { throw Decline() }
        return 0
    }

    /// The namespace of an attribute: none without a prefix (the default does not apply).
    mutating func namespace(ofAttributePrefix prefix: Int32) throws(Decline) -> Int32 {
        prefix == 0 ? 0 : try namespace(ofElementPrefix: prefix)
    }

    mutating func xmlNamespaceIndex() -> Int32 {
        if xmlNamespace < 0 { xmlNamespace = builder.internNamespace(XMLNamespace.xml) }
        return xmlNamespace
    }
}

/// An interned qualified name: the local name's index in the document's names, the
/// prefix's id (0 none, 1 `xml`, 2 `xmlns`), and for a namespace declaration
/// (`xmlns`, `xmlns:p`) the id of the prefix it declares (0 for the default), else -1.
struct QualifiedName {
    var local: Int32
    var prefix: Int32
    var declares: Int32
}

/// Qualified names by their bytes in the input, which outlives the table: an open-addressing
/// table, a few dozen entries for a feed. A name's first sixteen bytes, loaded as two words,
/// are its hash and (with its length) its identity; longer names are compared in full.
struct QualifiedNameTable {
    /// A name's first sixteen bytes as two little-endian words (zero past its end), and a hash.
    struct Key {
        var first: UInt64
        var second: UInt64
        var length: Int
        var hash: Int
    }

    private struct Slot {
        var key: Key
        var bytes: UnsafePointer<UInt8>?
        var name: QualifiedName
    }

    private var slots: UnsafeMutablePointer<Slot>
    private var capacity = 64
    private var used = 0
    private static var empty: Slot {
        Slot(key: Key(first: 0, second: 0, length: 0, hash: 0), bytes: nil, name: QualifiedName(local: 0, prefix: 0, declares: -1))
    }

    /// A table of `names`, unprefixed, with the indexes they have in `names`: the template
    /// `KnownNames` keeps for the life of the process (its bytes are never freed).
    init(knownNames names: [String]) {
        capacity = 64
        while capacity < names.count * 4 { capacity *= 2 }
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Self.empty, count: capacity)
        for (index, name) in names.enumerated() {
            let utf8 = Array(name.utf8)
            // Sixteen bytes of padding: `key` reads whole words.
            let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: utf8.count + 16)
            bytes.initialize(repeating: 0, count: utf8.count + 16)
            bytes.update(from: utf8, count: utf8.count)
            let key = Self.key(bytes, length: utf8.count, available: utf8.count + 16)
            insert(bytes, key, QualifiedName(local: Int32(index), prefix: 0, declares: -1))
        }
    }

    /// A table of its own with the same entries.
    func copy() -> QualifiedNameTable {
        var copy = self
        copy.slots = .allocate(capacity: capacity)
        copy.slots.initialize(from: slots, count: capacity)
        return copy
    }

    func deallocate() {
        slots.deallocate()
    }

    /// The key of the `length` bytes at `bytes`, of which `available` may be read.
    @inline(__always)
    static func key(_ bytes: UnsafePointer<UInt8>, length: Int, available: Int) -> Key {
        var first: UInt64 = 0
        var second: UInt64 = 0
        if available >= 16 {
            first = ByteSearch.word(at: bytes)
            second = ByteSearch.word(at: bytes + 8)
            if length < 8 {
                first &= (1 << UInt64(8 * length)) &- 1
                second = 0
            } else if length < 16 {
                second &= (1 << UInt64(8 * (length - 8))) &- 1
            }
        } else {
            for offset in 0..<min(length, 16) {
                if offset < 8 {
                    first |= UInt64(bytes[offset]) << UInt64(8 * offset)
                } else {
                    second |= UInt64(bytes[offset]) << UInt64(8 * (offset - 8))
                }
            }
        }
        let mixed = (first &* 0x9E37_79B9_7F4A_7C15) ^ (second &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(length)
        return Key(first: first, second: second, length: length, hash: Int(truncatingIfNeeded: mixed ^ (mixed >> 29)))
    }

    @inline(__always)
    func find(_ bytes: UnsafePointer<UInt8>, _ key: Key) -> QualifiedName? {
        let mask = capacity - 1
        var position = key.hash & mask
        while let stored = slots[position].bytes {
            let candidate = slots[position].key
            if candidate.first == key.first && candidate.second == key.second && candidate.length == key.length
                && (key.length <= 16 || memcmp(stored, bytes, key.length) == 0) {
                return slots[position].name
            }
            position = (position + 1) & mask
        }
        return nil
    }

    mutating func insert(_ bytes: UnsafePointer<UInt8>, _ key: Key, _ name: QualifiedName) {
        if (used + 1) * 2 > capacity { grow() }
        let mask = capacity - 1
        var position = key.hash & mask
        while slots[position].bytes != nil { position = (position + 1) & mask }
        slots[position] = Slot(key: key, bytes: bytes, name: name)
        used += 1
    }

    private mutating func grow() {
        let old = slots
        let oldCapacity = capacity
        capacity *= 2
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Self.empty, count: capacity)
        used = 0
        for position in 0..<oldCapacity {
            if let bytes = old[position].bytes { insert(bytes, old[position].key, old[position].name) }
        }
        old.deallocate()
    }
}

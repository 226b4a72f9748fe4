/// A growable buffer whose memory its owner frees (`deallocate`), for the element tree's
/// records, attributes, names and strings. Unlike an `Array` in a class property, reading an
/// element costs no retain and release of the storage and writing one no uniqueness check:
/// the tree is read a few dozen times per element while a feed is decoded, and those atomic
/// operations were a tenth of the parse. The owner never copies the buffer.
struct UnmanagedBuffer<Element> {
    private var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private(set) var capacity: Int

    init(capacity: Int = 16) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    /// Destroys the elements and frees the memory; the buffer must not be used afterwards.
    func deallocate() {
        base.deinitialize(count: count)
        base.deallocate()
    }

    var isEmpty: Bool { count == 0 }
    /// The first element's address; moves when the buffer grows.
    var baseAddress: UnsafeMutablePointer<Element> { base }
    var indices: Range<Int> { 0..<count }
    var last: Element? { count > 0 ? base[count - 1] : nil }

    subscript(index: Int) -> Element {
        unsafeAddress {
            precondition(index >= 0 && index < count, "UnmanagedBuffer index out of range")
            return UnsafePointer(base + index)
        }
        unsafeMutableAddress {
            precondition(index >= 0 && index < count, "UnmanagedBuffer index out of range")
            return base + index
        }
    }

    mutating func append(_ element: Element) {
        if count == capacity { grow(to: count + 1) }
        (base + count).initialize(to: element)
        count += 1
    }

    mutating func reserveCapacity(_ minimum: Int) {
        if minimum > capacity { grow(to: minimum) }
    }

    /// Removes and returns the last element; nil when empty.
    mutating func popLast() -> Element? {
        guard count > 0 else { return nil }
        count -= 1
        return (base + count).move()
    }

    /// The first `length` elements, valid until the buffer is next changed.
    func prefix(_ length: Int) -> UnsafeBufferPointer<Element> {
        precondition(length >= 0 && length <= count, "UnmanagedBuffer prefix out of range")
        return UnsafeBufferPointer(start: base, count: length)
    }

    /// The elements in `range`, valid until the buffer is next changed.
    func elements(_ range: Range<Int>) -> UnsafeBufferPointer<Element> {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "UnmanagedBuffer range out of bounds")
        return UnsafeBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    /// Drops the last `k` elements; the memory stays for reuse.
    mutating func removeLast(_ k: Int) {
        precondition(k >= 0 && k <= count, "UnmanagedBuffer cannot remove more elements than it has")
        count -= k
        (base + count).deinitialize(count: k)
    }

    /// Drops every element from `index` on.
    mutating func removeSuffix(from index: Int) {
        precondition(index >= 0 && index <= count, "UnmanagedBuffer index out of range")
        removeLast(count - index)
    }

    private mutating func grow(to minimum: Int) {
        let grown = max(minimum, capacity * 2)
        let replacement = UnsafeMutablePointer<Element>.allocate(capacity: grown)
        replacement.moveInitialize(from: base, count: count)
        base.deallocate()
        base = replacement
        capacity = grown
    }
}

extension UnmanagedBuffer where Element: BitwiseCopyable {
    /// Appends a run of plain values with one copy (a loop for a few: libxml2 hands over one
    /// text event per entity, and `&lt;` is a one-byte event, cheaper to copy than to call
    /// `memcpy` for).
    @inline(__always)
    mutating func append(contentsOf elements: UnsafeBufferPointer<Element>) {
        guard let source = elements.baseAddress, !elements.isEmpty else { return }
        if count + elements.count > capacity { grow(to: count + elements.count) }
        let target = base + count
        if elements.count <= 8 {
            for offset in 0..<elements.count { (target + offset).initialize(to: source[offset]) }
        } else {
            target.initialize(from: source, count: elements.count)
        }
        count += elements.count
    }
}

extension UnmanagedBuffer where Element: Equatable {
    /// The index of the last element equal to `element`.
    func lastIndex(of element: Element) -> Int? {
        var index = count - 1
        while index >= 0 {
            if base[index] == element { return index }
            index -= 1
        }
        return nil
    }
}

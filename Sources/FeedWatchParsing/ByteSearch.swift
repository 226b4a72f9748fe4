#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte searches over UTF-8 buffers for the hot loops of the parser: libc's `memchr` skips
/// 16–64 bytes per step where a Swift loop looks at one.
enum ByteSearch {
    /// The index of the first `byte` in `buffer` at or after `start`, or nil.
    @inline(__always)
    static func firstIndex(of byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < buffer.count, let base = buffer.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), buffer.count - start) else { return nil }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The eight bytes at `pointer` as one integer, first byte lowest.
    @inline(__always)
    static func word(at pointer: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self))
    }

    /// A mask whose lowest set bit marks the first byte of `word` below `limit` (at most 128);
    /// zero when there is none. Higher bits may be false positives: use the lowest only.
    @inline(__always)
    static func bytesBelow(_ limit: UInt8, in word: UInt64) -> UInt64 {
        (word &- ones &* UInt64(limit)) & ~word & highs
    }

    /// Exactly the zero bytes of `word`: the high bit of each set, every other bit clear.
    @inline(__always)
    static func zeroBytes(_ word: UInt64) -> UInt64 {
        let low7 = ~highs
        return ~(((word & low7) &+ low7) | word | low7)
    }

    /// Up to four bytes to look for at once (repeat one to look for fewer), and optionally
    /// every control byte (below 0x20) as well.
    struct ByteSet {
        let bytes: (UInt8, UInt8, UInt8, UInt8)
        let patterns: (UInt64, UInt64, UInt64, UInt64)
        /// 0x20 to stop at control bytes too, else 0 (no byte is below it).
        let controlLimit: UInt8

        init(_ first: UInt8, _ second: UInt8, _ third: UInt8, _ fourth: UInt8, orControls: Bool = false) {
            bytes = (first, second, third, fourth)
            patterns = (ones &* UInt64(first), ones &* UInt64(second), ones &* UInt64(third), ones &* UInt64(fourth))
            controlLimit = orControls ? 0x20 : 0
        }

        @inline(__always)
        func contains(_ byte: UInt8) -> Bool {
            byte < controlLimit || byte == bytes.0 || byte == bytes.1 || byte == bytes.2 || byte == bytes.3
        }
    }

    /// The index of the first byte of `set` at or after `start`; `buffer.count` when there is
    /// none. Eight bytes a step: a mask per byte of the set, whose union's lowest set bit is
    /// exact.
    @inline(__always)
    static func firstIndex(of set: ByteSet, in buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let base = buffer.baseAddress else { return buffer.count }
        let count = buffer.count
        var index = start
        while index + 8 <= count {
            let word = word(at: base + index)
            let hits = bytesBelow(set.controlLimit, in: word)
                | bytesBelow(1, in: word ^ set.patterns.0) | bytesBelow(1, in: word ^ set.patterns.1)
                | bytesBelow(1, in: word ^ set.patterns.2) | bytesBelow(1, in: word ^ set.patterns.3)
            if hits != 0 { return index + hits.trailingZeroBitCount >> 3 }
            index += 8
        }
        while index < count {
            if set.contains(base[index]) { return index }
            index += 1
        }
        return count
    }

    /// The index of the first `first` or `second` at or after `start`; `buffer.count` when
    /// there is none. Eight bytes per step (two bytes is one too many for `memchr`).
    static func firstIndex(of first: UInt8, or second: UInt8, in buffer: UnsafeBufferPointer<UInt8>,
                           from start: Int) -> Int {
        guard let base = buffer.baseAddress else { return buffer.count }
        let count = buffer.count
        let firstPattern = ones &* UInt64(first)
        let secondPattern = ones &* UInt64(second)
        var index = start
        while index + 8 <= count {
            let bytes = word(at: base + index)
            let hits = bytesBelow(1, in: bytes ^ firstPattern) | bytesBelow(1, in: bytes ^ secondPattern)
            if hits != 0 { return index + hits.trailingZeroBitCount >> 3 }
            index += 8
        }
        while index < count {
            if base[index] == first || base[index] == second { return index }
            index += 1
        }
        return count
    }
}

extension String {
    /// Runs `body` over the string's UTF-8 bytes, borrowed: `withUTF8` needs a mutable copy,
    /// a retain and a release (two atomic operations) per call, and the parser's text checks
    /// run several times per field of every entry.
    @inline(__always)
    func withUTF8Bytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self
        return copy.withUTF8(body)
    }

    /// Whether the UTF-8 form holds `byte`, with `memchr` (a walk of `utf8` goes through the
    /// generic iterator, hundreds of instructions for a short name).
    func utf8Contains(_ byte: UInt8) -> Bool {
        utf8.withContiguousStorageIfAvailable { ByteSearch.firstIndex(of: byte, in: $0, from: 0) != nil }
            ?? utf8.contains(byte)
    }

    /// A String of UTF-8 bytes that are valid by construction: text and attribute values
    /// libxml2 produced from a document that was validated or transcoded to UTF-8 first
    /// (`EncodingSniffer`), or bytes assembled from such text and ASCII. Copied without the
    /// standard library's validation, which for non-ASCII text costs several times the copy
    /// and was a fifth of a parse of the real-world corpus. Debug builds (the tests, the
    /// fuzz target) check the claim.
    init(knownValidUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        assert(String(validating: bytes, as: UTF8.self) != nil, "bytes claimed to be valid UTF-8 are not")
        self = String(copying: UTF8Span(unchecked: bytes.span))
    }

    /// `init(knownValidUTF8:)` over an array's bytes.
    init(knownValidUTF8 bytes: [UInt8]) {
        self = bytes.withUnsafeBufferPointer { String(knownValidUTF8: $0) }
    }
}

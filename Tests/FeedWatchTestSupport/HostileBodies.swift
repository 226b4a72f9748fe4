/// Bodies that hostile or broken hosts send, built in memory without any compressor.
public enum HostileBodies {
    /// A valid gzip stream that decodes to at least `decodedBytes` zero bytes while staying ~160 times smaller.
    ///
    /// Hand-built deflate: a 1-byte stored block (a zero in the window), then one fixed-Huffman block of
    /// length-258/distance-1 copies (13 bits each; 8 copies are exactly 13 bytes, so the body is a repeated
    /// 13-byte pattern), the end-of-block code, and the CRC-32/size trailer.
    public static func gzipOfZeros(decodedBytes: Int) -> (gzip: [UInt8], decodedCount: Int) {
        let groups = max(1, (max(0, decodedBytes) - 1 - 258 + 258 * 8 - 1) / (258 * 8))
        let copies = 1 + 8 * groups
        let decodedCount = 1 + 258 * copies
        var out: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]
        // Stored block, not final: header bits 0 0 0 padded to a byte, LEN=1, NLEN=~1, one zero byte.
        out += [0x00, 0x01, 0x00, 0xFE, 0xFF, 0x00]
        // Fixed-Huffman block, final: 3 header bits + one copy = 16 bits, byte-aligned.
        var head = BitWriter()
        head.write(1, bits: 1)
        head.write(1, bits: 2)
        head.writeCopy258Distance1()
        out += head.bytes
        var group = BitWriter()
        for _ in 0..<8 { group.writeCopy258Distance1() }
        let pattern = group.bytes  // 104 bits = 13 bytes
        out.reserveCapacity(out.count + pattern.count * groups + 9)
        for _ in 0..<groups { out += pattern }
        out.append(0x00)  // end-of-block (seven zero bits) and padding
        let crc = CRC32.ofZeros(count: decodedCount)
        let size = UInt32(truncatingIfNeeded: decodedCount)
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: size >> UInt32(shift))) }
        return (out, decodedCount)
    }

    /// A gzip header followed by a deflate block of the reserved type 11: every decoder must reject it.
    public static let invalidGzip: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03] + [UInt8](repeating: 0xFF, count: 64)

    /// `count` response headers of about 100 bytes each (`X-Filler-N: aaaa…`).
    public static func manyHeaders(totalBytes: Int) -> [(String, String)] {
        let value = String(repeating: "a", count: 86)
        return (0..<max(1, totalBytes / 100)).map { ("X-Filler-\($0)", value) }
    }
}

/// Writes deflate's bit stream: data fields least-significant bit first, Huffman codes most-significant first.
private struct BitWriter {
    var bytes: [UInt8] = []
    private var current: UInt8 = 0
    private var used = 0

    mutating func write(_ value: Int, bits: Int) {
        for index in 0..<bits { put((value >> index) & 1) }
    }

    mutating func writeCode(_ code: Int, bits: Int) {
        for index in stride(from: bits - 1, through: 0, by: -1) { put((code >> index) & 1) }
    }

    /// Length 258 (code 285, fixed code 11000101) and distance 1 (code 0, five zero bits).
    mutating func writeCopy258Distance1() {
        writeCode(0b1100_0101, bits: 8)
        writeCode(0, bits: 5)
    }

    private mutating func put(_ bit: Int) {
        current |= UInt8(bit) << UInt8(used)
        used += 1
        if used == 8 {
            bytes.append(current)
            current = 0
            used = 0
        }
    }
}

/// CRC-32 (IEEE, as gzip uses it) of a run of zero bytes in O(log n), by squaring the one-zero-byte operator.
private enum CRC32 {
    static func ofZeros(count: Int) -> UInt32 {
        // The register update for one zero byte is linear over GF(2): a 32×32 matrix, stored by columns.
        var oneByte = [UInt32](repeating: 0, count: 32)
        for bit in 0..<32 { oneByte[bit] = step(UInt32(1) << UInt32(bit)) }
        var result = identity()
        var power = oneByte
        var remaining = count
        while remaining > 0 {
            if remaining & 1 == 1 { result = multiply(power, result) }
            power = multiply(power, power)
            remaining >>= 1
        }
        return apply(result, 0xFFFF_FFFF) ^ 0xFFFF_FFFF
    }

    private static func step(_ register: UInt32) -> UInt32 {
        var value = register
        for _ in 0..<8 { value = value & 1 == 1 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1 }
        return value
    }

    private static func identity() -> [UInt32] { (0..<32).map { UInt32(1) << UInt32($0) } }

    private static func apply(_ matrix: [UInt32], _ vector: UInt32) -> UInt32 {
        var out: UInt32 = 0
        for bit in 0..<32 where vector & (UInt32(1) << UInt32(bit)) != 0 { out ^= matrix[bit] }
        return out
    }

    /// `a · b` (apply b, then a).
    private static func multiply(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        b.map { apply(a, $0) }
    }
}

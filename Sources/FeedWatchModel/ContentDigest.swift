import Crypto

/// SHA-256 and HMAC-SHA256 (swift-crypto) in the shapes feedwatch uses: entry fingerprints,
/// the HTML digest's style hash, mail boundaries and webhook signatures.
public enum ContentDigest {
    /// The SHA-256 digest of `bytes`.
    public static func digest(of bytes: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }

    /// The SHA-256 digest of `bytes` as lowercase hex.
    public static func hexDigest(of bytes: [UInt8]) -> String {
        hex(digest(of: bytes))
    }

    /// The SHA-256 digest, as lowercase hex, of `parts` joined by the byte `separator`: the
    /// same as `hexDigest(of:)` of the joined bytes, without building them (an entry's text
    /// is hashed once per refresh, and copying it first cost as much as hashing it).
    public static func hexDigest(joining parts: [String], separator: UInt8) -> String {
        var hasher = SHA256()
        for (index, part) in parts.enumerated() {
            if index > 0 { withUnsafeBytes(of: separator) { hasher.update(bufferPointer: $0) } }
            var part = part
            part.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        return hasher.finalize().withUnsafeBytes { hex($0) }
    }

    /// HMAC-SHA256 of `message` under `key`.
    public static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// Lowercase hex of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { hex($0) }
    }

    /// Lowercase hex of `bytes`, written straight into the string (every stored entry's
    /// content hash is one).
    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (index, byte) in bytes.enumerated() {
                out[2 * index] = hexDigit(byte >> 4)
                out[2 * index + 1] = hexDigit(byte & 0x0F)
            }
            return bytes.count * 2
        }
    }

    @inline(__always)
    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}

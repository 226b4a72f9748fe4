#if canImport(Glibc)
import Glibc
#endif

/// An IP network in CIDR notation (`127.0.0.0/8`, `fd00::/8`), for `[fetch] allow_private_networks`.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6, host bits cleared.
    public let address: [UInt8]
    /// Leading bits that must match.
    public let prefixLength: Int

    /// Parses `a.b.c.d/n` or `x::y/n`; a bare address is a network of one. Nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bytes = IPNetwork.parseAddress(String(parts[0])) else { return nil }
        let maxLength = bytes.count * 8
        var length = maxLength
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...maxLength).contains(parsed) else { return nil }
            length = parsed
        }
        address = IPNetwork.mask(bytes, prefixLength: length)
        prefixLength = length
    }

    /// Whether `bytes` (4 or 16 of them) lies in this network.
    public func contains(_ bytes: [UInt8]) -> Bool {
        bytes.count == address.count && IPNetwork.mask(bytes, prefixLength: prefixLength) == address
    }

    public var description: String { "\(IPNetwork.format(address))/\(prefixLength)" }

    static func parseAddress(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    static func mask(_ bytes: [UInt8], prefixLength: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bitsHere = max(0, min(8, prefixLength - index * 8))
            return bitsHere == 8 ? byte : byte & ~(UInt8(0xFF) >> UInt8(bitsHere))
        }
    }

    /// Dotted quad or RFC 5952-ish hex groups, for messages.
    static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: bytes.count, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }
}

/// Which addresses a fetch may connect to: every public address, and non-public ones
/// (loopback, private, link-local, carrier-grade NAT, multicast, reserved) only inside
/// `allowedNetworks`. Checked on each resolved address libcurl connects to, redirects included.
public struct AddressPolicy: Sendable, Hashable {
    /// Non-public networks the configuration allows explicitly.
    public var allowedNetworks: [IPNetwork]

    /// Public addresses plus `allowedNetworks`.
    public init(allowedNetworks: [IPNetwork] = []) {
        self.allowedNetworks = allowedNetworks
    }

    /// Networks that are not the public internet.
    static let nonPublic: [IPNetwork] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",
        "240.0.0.0/4", "::/128", "::1/128", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8", "2001:db8::/32",
        // IPv4-compatible (::a.b.c.d), local-use NAT64 and 6to4 addresses carry an IPv4 address a
        // host or relay may route to; none is needed to reach a public web server.
        "::/96", "64:ff9b:1::/48", "2002::/16",
    ].compactMap(IPNetwork.init)

    /// Whether a connection to `address` (4 or 16 bytes) is allowed.
    public func permits(_ address: [UInt8]) -> Bool {
        // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) addresses are judged by their IPv4 part.
        if address.count == 16 {
            let mapped = address[0..<10].allSatisfy { $0 == 0 } && address[10] == 0xFF && address[11] == 0xFF
            let nat64 = address[0..<12] == [0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0][...]
            if mapped || nat64 {
                let v4 = Array(address[12..<16])
                if !permits(v4) { return false }
            }
        }
        guard Self.nonPublic.contains(where: { $0.contains(address) }) else { return true }
        return allowedNetworks.contains { $0.contains(address) }
    }
}

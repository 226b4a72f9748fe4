import Foundation
/// How a feed's entries are recognised across fetches; persisted per feed.
public enum FeedIdentityMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// The entry's guid (else its canonical link, else a hash of title and content).
    case guid
    /// guid plus canonical link: the feed repeats one guid for different entries.
    case guidAndLink = "guid+link"
    /// The canonical link first: the feed's guids change on every fetch.
    case link
}

/// The fingerprint chain and the rules that move a feed along it:
/// guid → guid+link when a guid repeats within a feed → canonical link → hash of title and content.
///
/// Pure, so every store implementation applies the same rules inside its own transaction.
public enum EntryIdentity {
    /// The fingerprint of `entry` for a feed in `mode`.
    public static func fingerprint(of entry: Entry, mode: FeedIdentityMode) -> String {
        // The canonical link only where the mode uses it: normalising a URL is most of the work.
        switch mode {
        case .guid:
            return entry.fingerprint
        case .guidAndLink:
            guard let guid = entry.id.map({ $0.trimmingASCIIWhitespace() }).flatMap({ $0.isEmpty ? nil : $0 }) else {
                return entry.fingerprint
            }
            return "idlink:" + guid + "\u{1F}" + (canonicalLink(of: entry) ?? "")
        case .link:
            if let link = canonicalLink(of: entry) { return "link:" + link }
            return entry.fingerprint
        }
    }

    /// The entry's link without fragment and tracking parameters, nil when it has none.
    public static func canonicalLink(of entry: Entry) -> String? {
        guard let link = entry.link?.trimmingASCIIWhitespace(), !link.isEmpty else { return nil }
        return CanonicalLink.normalise(link)
    }

    /// A hash of what a reader sees (title and body), to tell an edited entry from an unchanged one.
    public static func contentHash(of entry: Entry) -> String {
        ContentDigest.hexDigest(
            joining: [entry.title ?? "", entry.summary?.plainText ?? "", entry.content?.plainText ?? ""], separator: 0x1F)
    }

    /// Whether the document repeats a guid for entries with different links, so guids alone
    /// cannot tell its entries apart.
    public static func repeatsGuids(_ entries: [Entry]) -> Bool {
        // Links are normalised only for a guid seen before: most documents repeat none.
        var firstWithGuid: [String: Int] = [:]
        var linkOf: [Int: String?] = [:]
        func link(_ index: Int) -> String? {
            if let known = linkOf[index] { return known }
            let link = canonicalLink(of: entries[index])
            linkOf[index] = .some(link)
            return link
        }
        // By index, reading only the guid: an `Entry` taken whole is copied (every text and
        // list retained) for each entry of every document.
        for index in entries.indices {
            guard let guid = entries[index].id?.trimmingASCIIWhitespace(), !guid.isEmpty else { continue }
            if let first = firstWithGuid[guid] {
                if link(first) != link(index) { return true }
            } else {
                firstWithGuid[guid] = index
            }
        }
        return false
    }

    /// Whether a feed's guids churn: more than half of the document's guid entries (at least
    /// `minimumEntries` of them) carry a guid never seen while their canonical link is already stored.
    public static func guidsChurn(guidEntries: Int, unseenWithKnownLink: Int, minimumEntries: Int = 2) -> Bool {
        guidEntries >= minimumEntries && unseenWithKnownLink * 2 > guidEntries
    }
}

/// Canonical form of an article link: fragment removed, tracking parameters (`utm_*`, `fbclid`,
/// `gclid`…) removed, scheme and host lower-cased, default port dropped.
public enum CanonicalLink {
    /// Query parameters that only say where a click came from.
    public static let trackingParameters: Set<String> = [
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid", "igshid", "_hsenc",
        "_hsmi", "mkt_tok", "ref_src", "ref_url", "cmpid", "at_medium", "at_campaign", "ocid", "spm", "__twitter_impression",
        "xtor", "ito", "s_cid", "share", "ncid", "sr_share",
    ]

    /// The canonical form of `link`; a string that is not an absolute http(s) URL comes back unchanged.
    public static func normalise(_ link: String) -> String {
        // Nearly every link is ASCII, where characters are bytes: the byte-level walk gives
        // exactly what the character-level one does, at a fraction of the cost (it was a
        // twentieth of parsing the real-world corpus, which fingerprints many entries by link).
        if let normalised = normaliseASCII(link) { return normalised }
        return normaliseCharacters(link)
    }

    /// `normalise` over the bytes of an ASCII link; nil when the link is not ASCII.
    static func normaliseASCII(_ link: String) -> String? {
        var link = link
        return link.withUTF8 { bytes -> String? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            let whole = bytes.firstIndex(of: UInt8(ascii: "#")) ?? bytes.count
            let text = UnsafeBufferPointer(rebasing: bytes[..<whole])
            guard let schemeEnd = find("://", in: text) else { return ascii(text) }
            let scheme = ascii(UnsafeBufferPointer(rebasing: text[..<schemeEnd])).lowercased()
            guard scheme == "http" || scheme == "https" else { return ascii(text) }
            let rest = UnsafeBufferPointer(rebasing: text[(schemeEnd + 3)...])
            let authorityEnd = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? rest.endIndex
            var authority = ascii(UnsafeBufferPointer(rebasing: rest[..<authorityEnd])).lowercased()
            if scheme == "http", authority.hasSuffix(":80") { authority.removeLast(3) }
            if scheme == "https", authority.hasSuffix(":443") { authority.removeLast(4) }
            let afterAuthority = UnsafeBufferPointer(rebasing: rest[authorityEnd...])
            let question = afterAuthority.firstIndex(of: UInt8(ascii: "?"))
            let path = ascii(UnsafeBufferPointer(rebasing: afterAuthority[..<(question ?? afterAuthority.endIndex)]))
            var result = scheme + "://" + authority + (path.isEmpty ? "/" : path)
            if let question {
                let query = UnsafeBufferPointer(rebasing: afterAuthority[(question + 1)...])
                let kept = query.split(separator: UInt8(ascii: "&")).filter { pair in
                    // The same split as the character version: "=x" names "x".
                    let namePart = pair.split(separator: UInt8(ascii: "="), maxSplits: 1).first ?? pair
                    let name = ascii(UnsafeBufferPointer(rebasing: namePart)).lowercased()
                    return !name.hasPrefix("utm_") && !trackingParameters.contains(name)
                }
                if !kept.isEmpty {
                    result += "?" + kept.map { ascii(UnsafeBufferPointer(rebasing: $0)) }.joined(separator: "&")
                }
            }
            return result
        }
    }

    private static func ascii(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    private static func find(_ needle: StaticString, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let length = needle.utf8CodeUnitCount
        guard bytes.count >= length else { return nil }
        for start in 0...(bytes.count - length) {
            var matches = true
            for offset in 0..<length where bytes[start + offset] != needle.utf8Start[offset] {
                matches = false
                break
            }
            if matches { return start }
        }
        return nil
    }

    /// `normalise` on characters: the definition, used for links that are not ASCII.
    static func normaliseCharacters(_ link: String) -> String {
        var text = Substring(link)
        if let hash = text.firstIndex(of: "#") { text = text[..<hash] }
        guard let schemeEnd = text.range(of: "://") else { return String(text) }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return String(text) }
        var rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd].lowercased()
        rest = rest[authorityEnd...]
        if scheme == "http", authority.hasSuffix(":80") { authority.removeLast(3) }
        if scheme == "https", authority.hasSuffix(":443") { authority.removeLast(4) }
        var path = rest
        var query: Substring = ""
        if let question = rest.firstIndex(of: "?") {
            path = rest[..<question]
            query = rest[rest.index(after: question)...]
        }
        let kept = query.split(separator: "&", omittingEmptySubsequences: true).filter { pair in
            let name = (pair.split(separator: "=", maxSplits: 1).first ?? pair).lowercased()
            return !name.hasPrefix("utm_") && !trackingParameters.contains(name)
        }
        var result = scheme + "://" + authority + (path.isEmpty ? "/" : String(path))
        if !kept.isEmpty { result += "?" + kept.joined(separator: "&") }
        return result
    }
}

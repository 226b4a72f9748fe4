internal import CLibXML2

/// HTML named entities (`&nbsp;`, `&eacute;`…), which XML does not define but real feeds use.
enum HTMLEntities {
    /// The code point of an HTML 4 named entity, from libxml2's own table.
    static func codePoint(named name: UnsafePointer<UInt8>) -> UInt32? {
        guard let description = htmlEntityLookup(name) else { return nil }
        return description.pointee.value
    }

    /// The code point of an HTML named entity given as bytes (without `&` and `;`).
    static func codePoint<C: Collection>(named name: C) -> UInt32? where C.Element == UInt8 {
        guard name.count > 0, name.count < 32 else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: name.count + 1) { buffer in
            var index = 0
            for byte in name {
                buffer[index] = byte
                index += 1
            }
            buffer[index] = 0
            guard let base = buffer.baseAddress else { return nil }
            return codePoint(named: UnsafePointer(base))
        }
    }
}

/// Byte-level repairs that make a broken XML feed parse the way its author meant it.
enum EntityRepair {
    struct Result {
        var bytes: [UInt8]
        /// `&nbsp;` and friends rewritten as numeric references.
        var htmlEntities = 0
        /// `&` not starting a reference, escaped as `&amp;`.
        var bareAmpersands = 0
        /// `&name;` of an entity neither XML nor HTML defines, kept as text (escaped).
        var undefinedEntities = 0
    }

    /// Rewrites HTML named entities as numeric character references, `&#X41;` as `&#x41;`
    /// (libxml2 takes only a small x), and escapes bare `&` and references to entities that
    /// neither XML nor HTML defines (so `&doesnotexist;` reads as that text, as in browsers and
    /// feedparser, and an entity a DTD declares stays unexpanded and inert), outside CDATA
    /// sections, comments and the DOCTYPE. Returns nil when nothing needed
    /// fixing (the usual case), so well-formed documents are never copied.
    static func repair(_ input: [UInt8]) -> Result? {
        input.withUnsafeBufferPointer { buffer -> Result? in
            // Nearly every feed needs no repair: find that out by jumping from `&` to `&`
            // (skipping the bytes between is most of the document) before walking every byte.
            guard needsRepair(buffer) else { return nil }
            var output: [UInt8]? = nil
            var htmlEntities = 0
            var bareAmpersands = 0
            var undefinedEntities = 0
            var copied = 0  // bytes of input already copied into output
            let count = buffer.count
            var index = 0

            func flush(upTo end: Int) {
                if output == nil {
                    output = []
                    output!.reserveCapacity(count + count / 16)
                }
                output!.append(contentsOf: buffer[copied..<end])
                copied = end
            }

            while index < count {
                // Only `<` (a section to skip) and `&` matter: jump between them.
                index = ByteSearch.firstIndex(of: UInt8(ascii: "<"), or: UInt8(ascii: "&"), in: buffer, from: index)
                guard index < count else { break }
                if buffer[index] == UInt8(ascii: "<") {
                    index = skipUnparsedSection(buffer, from: index)
                    continue
                }
                switch reference(buffer, at: index) {
                case .kept(let end):
                    index = end
                case .htmlEntity(let codePoint, let end):
                    flush(upTo: index)
                    output!.append(contentsOf: "&#\(codePoint);".utf8)
                    copied = end
                    htmlEntities += 1
                    index = end
                case .bare:
                    flush(upTo: index)
                    output!.append(contentsOf: "&amp;".utf8)
                    copied = index + 1
                    bareAmpersands += 1
                    index += 1
                case .undefined(let end):
                    flush(upTo: index)
                    output!.append(contentsOf: "&amp;".utf8)
                    copied = index + 1
                    undefinedEntities += 1
                    index = end
                case .capitalHex(let end):
                    flush(upTo: index + 2)
                    output!.append(UInt8(ascii: "x"))
                    copied = index + 3
                    index = end
                }
            }
            guard output != nil else { return nil }
            flush(upTo: count)
            return Result(bytes: output!, htmlEntities: htmlEntities, bareAmpersands: bareAmpersands,
                          undefinedEntities: undefinedEntities)
        }
    }

    /// Whether some `&` is bare or starts an HTML entity, wherever it is. False means `repair`
    /// would change nothing; true (even for an `&` inside CDATA, where it is literal) sends
    /// the document through the full walk, which knows where references count.
    private static func needsRepair(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while let ampersand = ByteSearch.firstIndex(of: UInt8(ascii: "&"), in: buffer, from: index) {
            // `&amp;`, `&lt;`, `&gt;` are nearly all of them: one compare each.
            if ampersand + 5 <= buffer.count, let base = buffer.baseAddress {
                let next = UInt32(littleEndian: UnsafeRawPointer(base + ampersand + 1).loadUnaligned(as: UInt32.self))
                if next == 0x3B70_6D61 /* amp; */ {
                    index = ampersand + 5
                    continue
                }
                if next & 0x00FF_FFFF == 0x3B74_6C /* lt; */ || next & 0x00FF_FFFF == 0x3B74_67 /* gt; */ {
                    index = ampersand + 4
                    continue
                }
            }
            guard case .kept(let end) = reference(buffer, at: ampersand) else { return true }
            index = end
        }
        return false
    }

    private enum Reference {
        /// A numeric or predefined reference: left as it is; `end` is the index after its `;`.
        case kept(end: Int)
        /// A numeric reference written `&#X…;`, whose X becomes x.
        case capitalHex(end: Int)
        /// A name neither XML nor HTML defines (a DTD may, but its entities are never
        /// expanded): kept as text.
        case undefined(end: Int)
        /// An HTML named entity, to be rewritten as a numeric reference.
        case htmlEntity(codePoint: UInt32, end: Int)
        /// An `&` that starts no reference.
        case bare
    }

    /// What the `&` at `index` starts: a reference is `&#123;`, `&#x1F;` or `&name;`.
    private static func reference(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Reference {
        let count = buffer.count
        var end = index + 1
        if end < count && buffer[end] == UInt8(ascii: "#") {
            end += 1
            let capital = end < count && buffer[end] == UInt8(ascii: "X")
            let hex = end < count && (buffer[end] | 0x20) == UInt8(ascii: "x")
            if hex { end += 1 }
            let digitsStart = end
            while end < count && (hex ? isHexDigit(buffer[end]) : isDigit(buffer[end])) && end - digitsStart < 10 {
                end += 1
            }
            guard end > digitsStart && end < count && buffer[end] == UInt8(ascii: ";") else { return .bare }
            return capital ? .capitalHex(end: end + 1) : .kept(end: end + 1)
        }
        while end < count && isNameByte(buffer[end]) && end - index < 40 { end += 1 }
        guard end > index + 1 && end < count && buffer[end] == UInt8(ascii: ";") else { return .bare }
        let name = buffer[(index + 1)..<end]
        if isXMLPredefined(name) { return .kept(end: end + 1) }
        if let codePoint = HTMLEntities.codePoint(named: name) {
            return .htmlEntity(codePoint: codePoint, end: end + 1)
        }
        return .undefined(end: end + 1)
    }

    /// Skips a CDATA section, comment, processing instruction or DOCTYPE starting at `start`
    /// (a `<`), where `&` is literal; returns the index after it, or `start + 1` for a tag.
    private static func skipUnparsedSection(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let count = buffer.count
        guard start + 1 < count else { return start + 1 }
        let next = buffer[start + 1]
        if next == UInt8(ascii: "!") {
            if matches(buffer, at: start, "<![CDATA[") { return find(buffer, "]]>", from: start + 9) }
            if matches(buffer, at: start, "<!--") { return find(buffer, "-->", from: start + 4) }
            if matches(buffer, at: start, "<!DOCTYPE") || matches(buffer, at: start, "<!doctype") {
                // The internal subset may declare entities; skip to its end.
                var index = start + 9
                var inSubset = false
                while index < count {
                    let byte = buffer[index]
                    if byte == UInt8(ascii: "[") { inSubset = true }
                    if byte == UInt8(ascii: "]") { inSubset = false }
                    if byte == UInt8(ascii: ">") && !inSubset { return index + 1 }
                    index += 1
                }
                return count
            }
        } else if next == UInt8(ascii: "?") {
            return find(buffer, "?>", from: start + 2)
        }
        return start + 1
    }

    private static func matches(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int, _ literal: StaticString) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard index + length <= buffer.count else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<length where buffer[index + offset] != pointer[offset] { return false }
        return true
    }

    private static func find(_ buffer: UnsafeBufferPointer<UInt8>, _ literal: StaticString, from start: Int) -> Int {
        var index = start
        let first = literal.utf8Start[0]
        while index < buffer.count {
            if buffer[index] == first && matches(buffer, at: index, literal) {
                return index + literal.utf8CodeUnitCount
            }
            index += 1
        }
        return buffer.count
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66)
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: ":") || byte >= 0x80
    }

    private static func isXMLPredefined(_ name: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        // Packed into one integer: this runs for every `&` of every document.
        guard name.count >= 2 && name.count <= 4 else { return false }
        var packed: UInt32 = 0
        for byte in name { packed = packed << 8 | UInt32(byte) }
        switch packed {
        case 0x6C74, 0x6774, 0x61_6D70, 0x7175_6F74, 0x6170_6F73: return true  // lt gt amp quot apos
        default: return false
        }
    }
}

import FeedWatchModel

/// Decides a document's character encoding (BOM, then HTTP charset, then the XML
/// declaration, then UTF-8 with a Windows-1252 fallback for stray bytes) and turns it into
/// bytes libxml2 reads correctly. UTF-8, UTF-16 and the Latin-1 family are converted here;
/// anything else is left to libxml2's iconv-backed decoders.
struct EncodingSniffer {
    struct Prepared {
        var bytes: [UInt8]
        /// An encoding libxml2 must use instead of what the document declares; nil when
        /// `bytes` are UTF-8 or libxml2 should follow the declaration.
        var libxmlEncoding: String?
        /// Whether libxml2 should honour the XML declaration's encoding.
        var followDeclaration: Bool
        var warnings: [String]
    }

    /// Prepares `input` for the XML parser.
    static func prepare(_ input: [UInt8], httpContentType: String?) -> Prepared {
        var warnings: [String] = []
        var bytes = input
        var bomEncoding: String?
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            bytes.removeFirst(3)
            bomEncoding = "utf-8"
        } else if let utf16 = utf16Layout(bytes) {
            bytes = transcodeUTF16(bytes, bigEndian: utf16.bigEndian, skip: utf16.bomLength)
            return Prepared(bytes: bytes, libxmlEncoding: nil, followDeclaration: false, warnings: warnings)
        }
        let declared = declaredEncoding(bytes)
        let http = httpContentType.flatMap(charset(fromContentType:))
        let chosen = (bomEncoding ?? http ?? declared ?? "utf-8").lowercased()

        if isUTF8Family(chosen) {
            if !isValidUTF8(bytes) {
                let (repaired, count) = repairUTF8(bytes)
                bytes = repaired
                warnings.append("document is not valid UTF-8: \(count) byte(s) read as Windows-1252")
            }
            if let declared, !isUTF8Family(declared.lowercased()), bomEncoding == nil, http == nil {
                warnings.append("document declares encoding \(declared) but is UTF-8")
            }
            return Prepared(bytes: bytes, libxmlEncoding: nil, followDeclaration: false, warnings: warnings)
        }
        if isLatin1Family(chosen) {
            // A common CMS fault: ISO-8859-1 declared, UTF-8 written (with the odd Latin-1 byte
            // pasted in). Read as Latin-1 it would come out as "BrÃ¸ndby".
            let (sequences, strays) = utf8Evidence(bytes)
            if sequences > strays {
                warnings.append("document declares encoding \(chosen) but is UTF-8"
                    + (strays > 0 ? ": read as UTF-8, \(strays) stray byte(s) as Windows-1252" : ""))
                return Prepared(bytes: strays > 0 ? repairUTF8(bytes).bytes : bytes, libxmlEncoding: nil,
                                followDeclaration: false, warnings: warnings)
            }
            // Browsers read ISO-8859-1 as Windows-1252; so do feed readers.
            return Prepared(bytes: transcodeWindows1252(bytes), libxmlEncoding: nil, followDeclaration: false,
                            warnings: warnings)
        }
        if http != nil && http?.lowercased() != declared?.lowercased() {
            return Prepared(bytes: bytes, libxmlEncoding: chosen, followDeclaration: false, warnings: warnings)
        }
        return Prepared(bytes: bytes, libxmlEncoding: nil, followDeclaration: true, warnings: warnings)
    }

    /// The UTF-8 fallback used when libxml2 cannot decode an exotic declared encoding.
    static func forceUTF8(_ input: [UInt8]) -> [UInt8] {
        isValidUTF8(input) ? input : repairUTF8(input).bytes
    }

    static func isUTF8Family(_ name: String) -> Bool {
        ["utf-8", "utf8", "us-ascii", "ascii", "unicode-1-1-utf-8"].contains(name)
    }

    static func isLatin1Family(_ name: String) -> Bool {
        ["iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "windows-1252", "cp1252", "iso_8859-1", "x-cp1252",
         "iso-8859-15", "us-ascii-latin1"].contains(name)
    }

    /// The `charset` parameter of a Content-Type header.
    static func charset(fromContentType contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, String(parts[0]).trimmingASCIIWhitespace().lowercased() == "charset" else { continue }
            var value = String(parts[1]).trimmingASCIIWhitespace()
            if value.hasPrefix("\"") || value.hasPrefix("'") { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// The `encoding` of a leading XML declaration, read as ASCII.
    static func declaredEncoding(_ bytes: [UInt8]) -> String? {
        // Byte loops: the generic `firstRange(of:)` over array slices cost 20,000
        // instructions a document.
        bytes.withUnsafeBufferPointer { buffer -> String? in
            let head = UnsafeBufferPointer(rebasing: buffer.prefix(512))
            var start = 0
            while start < head.count, head[start].isASCIIWhitespace { start += 1 }
            guard head.count - start >= 5, head[start] == UInt8(ascii: "<"), head[start + 1] == UInt8(ascii: "?"),
                  head[start + 2] == UInt8(ascii: "x"), head[start + 3] == UInt8(ascii: "m"),
                  head[start + 4] == UInt8(ascii: "l"),
                  let close = ByteSearch.firstIndex(of: UInt8(ascii: ">"), in: head, from: start) else { return nil }
            let declaration = UnsafeBufferPointer(rebasing: head[start..<close])
            let key = Array("encoding".utf8)
            var position = 0
            var found = -1
            while position + key.count <= declaration.count {
                if declaration[position] == key[0],
                   declaration[position..<(position + key.count)].elementsEqual(key) {
                    found = position + key.count
                    break
                }
                position += 1
            }
            guard found >= 0 else { return nil }
            position = found
            while position < declaration.count,
                  declaration[position].isASCIIWhitespace || declaration[position] == UInt8(ascii: "=") {
                position += 1
            }
            guard position < declaration.count else { return nil }
            let quote = declaration[position]
            guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return nil }
            var end = position + 1
            while end < declaration.count, declaration[end] != quote { end += 1 }
            guard end < declaration.count else { return nil }
            let name = String(decoding: UnsafeBufferPointer(rebasing: declaration[(position + 1)..<end]), as: UTF8.self)
            return name.isEmpty ? nil : name
        }
    }

    // MARK: UTF-8

    /// Whether `bytes` are valid UTF-8; eight ASCII bytes at a time on the fast path.
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return true }
            let count = buffer.count
            var index = 0
            while index < count {
                // ASCII runs, 32 bytes per step, then 8: most feeds are nearly all ASCII.
                while index + 32 <= count {
                    let raw = UnsafeRawPointer(base + index)
                    let words = raw.loadUnaligned(as: UInt64.self) | raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                        | raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
                        | raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
                    if words & 0x8080_8080_8080_8080 != 0 { break }
                    index += 32
                }
                if index == count { break }
                if index + 8 <= count {
                    let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 == 0 {
                        index += 8
                        continue
                    }
                }
                let length = sequenceLength(buffer, at: index)
                if length == 0 { return false }
                index += length
            }
            return true
        }
    }

    /// The length of the valid UTF-8 sequence at `index`, or 0 when it is invalid.
    private static func sequenceLength(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let lead = buffer[index]
        if lead < 0x80 { return 1 }
        let count = buffer.count
        func continuation(_ offset: Int) -> Bool {
            index + offset < count && buffer[index + offset] & 0xC0 == 0x80
        }
        switch lead {
        case 0xC2...0xDF:
            return continuation(1) ? 2 : 0
        case 0xE0...0xEF:
            guard continuation(1), continuation(2) else { return 0 }
            let second = buffer[index + 1]
            if lead == 0xE0 && second < 0xA0 { return 0 }  // overlong
            if lead == 0xED && second >= 0xA0 { return 0 }  // surrogate
            return 3
        case 0xF0...0xF4:
            guard continuation(1), continuation(2), continuation(3) else { return 0 }
            let second = buffer[index + 1]
            if lead == 0xF0 && second < 0x90 { return 0 }
            if lead == 0xF4 && second >= 0x90 { return 0 }
            return 4
        default:
            return 0
        }
    }

    /// How many multi-byte UTF-8 sequences `bytes` hold, and how many bytes above 0x7F are in
    /// none. Latin-1 text almost never forms a valid sequence ("Ã©" is one); UTF-8 text is
    /// nothing but.
    static func utf8Evidence(_ bytes: [UInt8]) -> (sequences: Int, strays: Int) {
        bytes.withUnsafeBufferPointer { buffer in
            var sequences = 0
            var strays = 0
            var index = 0
            while index < buffer.count {
                if buffer[index] < 0x80 {
                    index += 1
                    continue
                }
                let length = sequenceLength(buffer, at: index)
                if length > 0 {
                    sequences += 1
                    index += length
                } else {
                    strays += 1
                    index += 1
                }
            }
            return (sequences, strays)
        }
    }

    /// Keeps every valid UTF-8 sequence and reads each stray byte as Windows-1252: right for
    /// Latin-1 documents and for UTF-8 documents with a few pasted-in Latin-1 bytes.
    static func repairUTF8(_ bytes: [UInt8]) -> (bytes: [UInt8], repaired: Int) {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 8)
        var repaired = 0
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                let length = sequenceLength(buffer, at: index)
                if length > 0 {
                    output.append(contentsOf: buffer[index..<index + length])
                    index += length
                } else {
                    appendWindows1252(buffer[index], to: &output)
                    repaired += 1
                    index += 1
                }
            }
        }
        return (output, repaired)
    }

    // MARK: Windows-1252 and UTF-16

    static func transcodeWindows1252(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 8)
        bytes.withUnsafeBufferPointer { buffer in
            // ASCII runs are copied whole; only the bytes above 0x7F are mapped one by one.
            var index = 0
            while index < buffer.count {
                var runEnd = index
                while runEnd < buffer.count && buffer[runEnd] < 0x80 { runEnd += 1 }
                if runEnd > index { output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[index..<runEnd])) }
                guard runEnd < buffer.count else { break }
                appendWindows1252(buffer[runEnd], to: &output)
                index = runEnd + 1
            }
        }
        return output
    }

    /// Windows-1252's 0x80–0x9F block; the unassigned five become U+FFFD.
    private static let windows1252High: [UInt32] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD,
        0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0xFFFD, 0x017E, 0x0178,
    ]

    private static func appendWindows1252(_ byte: UInt8, to output: inout [UInt8]) {
        if byte < 0x80 {
            output.append(byte)
            return
        }
        let scalar = byte < 0xA0 ? windows1252High[Int(byte - 0x80)] : UInt32(byte)
        appendScalar(scalar, to: &output)
    }

    private static func appendScalar(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | (scalar >> 6)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | (scalar >> 12)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            output.append(UInt8(0xF0 | (scalar >> 18)))
            output.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// UTF-16 by BOM, or by `<?` written as UTF-16 without one.
    private static func utf16Layout(_ bytes: [UInt8]) -> (bigEndian: Bool, bomLength: Int)? {
        guard bytes.count >= 4 else { return nil }
        if bytes[0] == 0xFF && bytes[1] == 0xFE && !(bytes[2] == 0 && bytes[3] == 0) { return (false, 2) }
        if bytes[0] == 0xFE && bytes[1] == 0xFF { return (true, 2) }
        if bytes[0] == 0x3C && bytes[1] == 0 && bytes[2] != 0 && bytes[3] == 0 { return (false, 0) }
        if bytes[0] == 0 && bytes[1] == 0x3C && bytes[2] == 0 && bytes[3] != 0 { return (true, 0) }
        return nil
    }

    private static func transcodeUTF16(_ bytes: [UInt8], bigEndian: Bool, skip: Int) -> [UInt8] {
        var units: [UInt16] = []
        units.reserveCapacity((bytes.count - skip) / 2)
        var index = skip
        while index + 1 < bytes.count {
            let unit = bigEndian ? UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
                : UInt16(bytes[index + 1]) << 8 | UInt16(bytes[index])
            units.append(unit)
            index += 2
        }
        return Array(String(decoding: units, as: UTF16.self).utf8)
    }
}

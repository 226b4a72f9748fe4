#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FeedWatchModel

/// Text, references and the byte-level scanning of `StrictXMLReader`.
extension StrictXMLReader {
    // MARK: Text

    /// Character data up to the next `<`, passed to the builder in one piece.
    mutating func text() throws(Decline) {
        if inContainer { return try containerText() }
        let start = index
        index = scan(from: index, stops: textStops)
        // The usual text node: nothing to decode before the next tag.
        if index < count && input[index] == UInt8(ascii: "<") {
            deliver(start, index)
            return
        }
        // Otherwise decode it into `textScratch`.
        textScratch.removeLast(textScratch.count)
        var runStart = start
        while true {
            guard index < count else { break }
            let byte = input[index]
            // Tests in order of frequency: a switch compiled to a jump table whose indirect
            // jump the processor mispredicted at most stops.
            if byte == UInt8(ascii: "&") {
                Self.append(input, runStart, index, to: &textScratch)
                let scalar = try reference()
                Self.appendUTF8(scalar, to: &textScratch)
                runStart = index
            } else if byte == UInt8(ascii: "<") {
                break
            } else if byte == 0x0A || byte == 0x09 {
                index += 1
            } else if byte == UInt8(ascii: ">") {
                if index >= 2 && input[index - 1] == UInt8(ascii: "]") && input[index - 2] == UInt8(ascii: "]") {
                    throw Decline()  // `]]>` outside CDATA
                }
                index += 1
            } else if byte == 0x0D {
                // Line ends become newlines: CRLF drops the CR, a lone CR is a newline.
                Self.append(input, runStart, index, to: &textScratch)
                index += 1
                if index >= count || input[index] != 0x0A { textScratch.append(0x0A) }
                runStart = index
            } else if byte == 0xEF {
                try checkNotNonCharacter()
                index += 1
            } else {
                throw Decline()  // a control character
            }
            index = scan(from: index, stops: textStops)
        }
        Self.append(input, runStart, index, to: &textScratch)
        deliver(UnsafeBufferPointer(start: textScratch.baseAddress, count: textScratch.count))
    }

    /// Text directly inside a container (an item, a channel, an RSS `author`). The builder
    /// keeps such text only in the pieces that are not all whitespace, so the pieces must be
    /// libxml2's: for ASCII text, libxml2 splits it at each reference and before each CRLF,
    /// and nowhere else (short of the boundary of a 256 KiB push chunk), and so does this.
    /// Other text makes libxml2's pieces depend on its buffers: declined.
    mutating func containerText() throws(Decline) {
        // The usual case, layout between elements: whitespace up to the next tag, which the
        // builder would drop.
        var position = index
        while position < count, input[position] == 0x20 || input[position] == 0x0A || input[position] == 0x09 {
            position += 1
        }
        if position < count && input[position] == UInt8(ascii: "<") {
            index = position
            return
        }
        var runStart = index
        while true {
            index = scan(from: index, stops: textStops)
            guard index < count else { break }
            switch input[index] {
            case UInt8(ascii: "<"):
                try deliverASCIIPiece(runStart, index)
                return
            case UInt8(ascii: "&"):
                try deliverASCIIPiece(runStart, index)
                let scalar = try reference()
                textScratch.removeLast(textScratch.count)
                Self.appendUTF8(scalar, to: &textScratch)
                deliver(UnsafeBufferPointer(start: textScratch.baseAddress, count: textScratch.count))
                runStart = index
            case UInt8(ascii: ">"):
                if index >= 2 && input[index - 1] == UInt8(ascii: "]") && input[index - 2] == UInt8(ascii: "]") {
                    throw Decline()
                }
                index += 1
            case 0x09, 0x0A:
                index += 1
            case 0x0D where index + 1 < count && input[index + 1] == 0x0A:
                // libxml2 ends a piece before CRLF and starts the next at its LF.
                try deliverASCIIPiece(runStart, index)
                index += 1
                runStart = index
            default:
                throw Decline()  // a lone carriage return, a control character, 0xEF
            }
        }
        try deliverASCIIPiece(runStart, index)
    }

    func deliverASCIIPiece(_ start: Int, _ end: Int) throws(Decline) {
        var allWhitespace = true
        for position in start..<end {
            let byte = input[position]
            guard byte < 0x80 else { throw Decline() }
            if allWhitespace && !byte.isASCIIWhitespace { allWhitespace = false }
        }
        // The builder drops a container's whitespace-only pieces (the layout between items):
        // not passing them on is the same and saves the call.
        if allWhitespace { return }
        deliver(UnsafeBufferPointer(start: input + start, count: end - start))
    }

    // The appending helpers are static: a method of `self` writing into a buffer of `self`
    // made Swift copy the whole reader for each call.
    @inline(__always)
    static func append(_ input: UnsafePointer<UInt8>, _ start: Int, _ end: Int,
                               to buffer: inout UnmanagedBuffer<UInt8>) {
        if end > start { buffer.append(contentsOf: UnsafeBufferPointer(start: input + start, count: end - start)) }
    }

    /// Passes text from the input to the builder.
    @inline(__always)
    func deliver(_ start: Int, _ end: Int) {
        guard end > start else { return }
        deliver(UnsafeBufferPointer(start: input + start, count: end - start))
    }

    /// Passes text to the builder. A limit the builder hits stops it rather than declining:
    /// the reading then ends with the builder's error, as with libxml2.
    @inline(__always)
    func deliver(_ chunk: UnsafeBufferPointer<UInt8>) {
        builder.characters(chunk)
    }


    /// A reference at `index` (`&`): XML's five named entities and character references;
    /// anything else (undeclared, or a character XML does not allow) goes to libxml2.
    mutating func reference() throws(Decline) -> Unicode.Scalar {
        // `&lt;`, `&gt;` and `&amp;`, nearly every reference in escaped HTML, in one load.
        if index + 5 <= count {
            let word = UInt32(littleEndian: UnsafeRawPointer(input + index + 1).loadUnaligned(as: UInt32.self))
            switch word & 0x00FF_FFFF {
            case 0x3B_74_6C:  // "lt;"
                index += 4
                return "<"
            case 0x3B_74_67:  // "gt;"
                index += 4
                return ">"
            default:
                if word == 0x3B_70_6D_61 {  // "amp;"
                    index += 5
                    return "&"
                }
            }
        }
        var position = index + 1
        guard position < count else { throw Decline() }
        if input[position] == UInt8(ascii: "#") {
            position += 1
            var radix: UInt32 = 10
            if position < count && input[position] == UInt8(ascii: "x") {
                radix = 16
                position += 1
            }
            let digitsStart = position
            var value: UInt32 = 0
            while position < count, position - digitsStart < 8 {
                let byte = input[position]
                let digit: UInt32
                if isDigit(byte) {
                    digit = UInt32(byte - 0x30)
                } else if radix == 16, (byte | 0x20) >= 0x61, (byte | 0x20) <= 0x66 {
                    digit = UInt32((byte | 0x20) - 0x61 + 10)
                } else {
                    break
                }
                value = value * radix + digit
                position += 1
            }
            guard position > digitsStart, position < count, input[position] == UInt8(ascii: ";"),
                  Self.isXMLCharacter(value), let scalar = Unicode.Scalar(value) else { throw Decline() }
            index = position + 1
            return scalar
        }
        // The name, packed into an integer for one comparison per entity.
        var packed: UInt32 = 0
        let nameStart = position
        while position < count, position - nameStart < 4, isLetter(input[position]) {
            packed = packed << 8 | UInt32(input[position])
            position += 1
        }
        guard position < count, input[position] == UInt8(ascii: ";") else { throw Decline() }
        let scalar: Unicode.Scalar
        switch packed {
        case 0x6C74: scalar = "<"  // lt
        case 0x6774: scalar = ">"  // gt
        case 0x616D70: scalar = "&"  // amp
        case 0x71756F74: scalar = "\""  // quot
        case 0x61706F73: scalar = "'"  // apos
        default: throw Decline()
        }
        index = position + 1
        return scalar
    }

    /// XML 1.0's Char production.
    static func isXMLCharacter(_ value: UInt32) -> Bool {
        value == 0x09 || value == 0x0A || value == 0x0D || (value >= 0x20 && value <= 0xD7FF)
            || (value >= 0xE000 && value <= 0xFFFD) || (value >= 0x10000 && value <= 0x10FFFF)
    }

    /// At a 0xEF byte: U+FFFE and U+FFFF are not XML characters.
    func checkNotNonCharacter() throws(Decline) {
        if index + 2 < count && input[index + 1] == 0xBF && (input[index + 2] == 0xBE || input[index + 2] == 0xBF) {
            throw Decline()
        }
    }

    /// A byte of a comment or processing instruction: no control characters, no U+FFFE/FFFF.
    func checkCharacter(_ byte: UInt8) throws(Decline) {
        if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D { throw Decline() }
        if byte == 0xEF { try checkNotNonCharacter() }
    }

    // MARK: Bytes

    /// For each byte: 1 for the bytes of an ASCII NCName after its first (`[A-Za-z0-9._-]`),
    /// 2 for `:`, 0 for the rest.
    nonisolated(unsafe) static let nameByteKindTable: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        table.initialize(repeating: 0, count: 256)
        for byte in 0..<128 where isNameByte(UInt8(byte)) { table[byte] = 1 }
        table[Int(UInt8(ascii: ":"))] = 2
        return UnsafePointer(table)
    }()

    static func isNameByte(_ byte: UInt8) -> Bool {
        let lower = byte | 0x20
        return (lower >= 0x61 && lower <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    /// Bytes that end a run of text: `<`, `&`, `>` (for `]]>`), 0xEF (for U+FFFE/FFFF) and
    /// every byte below 0x20 (control characters; tab and newline are let through after).
    static let textStopSet = ByteSearch.ByteSet(UInt8(ascii: "<"), UInt8(ascii: "&"), UInt8(ascii: ">"), 0xEF,
                                                orControls: true)
    /// In CDATA: `]` (for `]]>`), 0xEF and control characters.
    static let cdataStops = ByteSearch.ByteSet(UInt8(ascii: "]"), 0xEF, 0xEF, 0xEF, orControls: true)

    /// The index of the first byte of `stops` at or after `start`, or `count`.
    @inline(__always)
    func scan(from start: Int, stops: ByteSearch.ByteSet) -> Int {
        ByteSearch.firstIndex(of: stops, in: UnsafeBufferPointer(start: input, count: count), from: start)
    }

    /// Skips XML whitespace; whether there was any.
    @discardableResult
    mutating func skipSpace() -> Bool {
        let start = index
        while index < count, isSpace(input[index]) { index += 1 }
        return index > start
    }

    func startsWith(_ literal: StaticString) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard index + length <= count else { return false }
        return memcmp(input + index, literal.utf8Start, length) == 0
    }

    func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
    }

    func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// `[A-Za-z_]`: an ASCII name's first byte (a colon may not start a qualified name).
    func isNameStart(_ byte: UInt8) -> Bool { isLetter(byte) || byte == UInt8(ascii: "_") }


    @inline(__always)
    static func appendUTF8(_ scalar: Unicode.Scalar, to buffer: inout UnmanagedBuffer<UInt8>) {
        if scalar.isASCII {
            buffer.append(UInt8(truncatingIfNeeded: scalar.value))
        } else {
            for unit in UTF8.encode(scalar)! { buffer.append(unit) }
        }
    }
}

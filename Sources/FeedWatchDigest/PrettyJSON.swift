/// A JSON document written token by token into one growing byte buffer, in the layout of
/// Foundation's `JSONEncoder` with `.prettyPrinted` and `.withoutEscapingSlashes`: two-space
/// indentation, `"key" : value`, an empty container as `[`, an empty line, `]`. The caller
/// writes keys in the order it wants them (sorted, for the digest schema).
///
/// Only what the digest documents need: objects, arrays, strings, integers, booleans, null
/// and finite doubles, nested at most 64 deep (a snippet's parts are 9 deep).
///
/// The buffer is written through a pointer, each token's room made once: a day's JSON digest
/// is tens of megabytes in pieces of a few bytes, and appending each piece to an array
/// checked its uniqueness and capacity every time (a twelfth of a cold cycle's publication).
final class PrettyJSON {
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes written and not yet flushed.
    private(set) var byteCount = 0
    /// How many containers are open.
    private var depth = 0
    /// Bit `d` set: the container open at depth `d + 1` has a member already (a comma goes
    /// before the next).
    private var filled: UInt64 = 0

    init(capacity: Int = 4096) {
        self.capacity = max(64, capacity)
        buffer = .allocate(capacity: self.capacity)
    }

    deinit { buffer.deallocate() }

    /// Hands the bytes written so far to `out` and starts over (the layout state is kept).
    func flush(to out: DigestOutput) {
        guard byteCount > 0 else { return }
        out.write(utf8: UnsafeRawBufferPointer(start: buffer, count: byteCount))
        byteCount = 0
    }

    /// Bytes outside the document's structure (a final newline).
    func raw(_ text: StaticString) {
        text.withUTF8Buffer { append($0) }
    }

    func openObject() { open(UInt8(ascii: "{")) }
    func openArray() { open(UInt8(ascii: "[")) }

    /// Ends the innermost container with `bracket` (`}` or `]`).
    func close(_ bracket: StaticString) {
        precondition(depth > 0, "PrettyJSON: close without open")
        depth -= 1
        let wasEmpty = filled & (1 << UInt64(depth)) == 0
        filled &= ~(1 << UInt64(depth))
        if wasEmpty { append(UInt8(ascii: "\n")) }
        newline()
        raw(bracket)
    }

    /// Starts the next member of the current object: `"key" : `.
    func key(_ name: StaticString) {
        separate()
        name.withUTF8Buffer { name in
            let count = name.count
            ensure(count + 5)
            var at = buffer + byteCount
            at.pointee = UInt8(ascii: "\"")
            at += 1
            if let start = name.baseAddress { at.update(from: start, count: count) }
            at += count
            at[0] = UInt8(ascii: "\"")
            at[1] = UInt8(ascii: " ")
            at[2] = UInt8(ascii: ":")
            at[3] = UInt8(ascii: " ")
            byteCount += count + 5
        }
    }

    /// Starts the next element of the current array.
    func element() { separate() }

    func string(_ value: String) {
        var value = value
        value.withUTF8 { appendQuoted($0) }
    }

    /// The strings one after the other, as one JSON string (`string(parts.joined())` without
    /// joining them first).
    func joinedString<Parts: Sequence<String>>(_ parts: Parts) {
        append(UInt8(ascii: "\""))
        for part in parts {
            var part = part
            part.withUTF8 { appendEscaped($0) }
        }
        append(UInt8(ascii: "\""))
    }

    func optionalString(_ value: String?) {
        if let value { string(value) } else { raw("null") }
    }

    /// A decimal integer, its digits written in place (no string made for it).
    func int<I: BinaryInteger>(_ value: I) {
        guard let value = Int64(exactly: value) else {
            append(String(value))
            return
        }
        // 19 digits and a sign at most, written backwards into a scratch of 24 bytes.
        ensure(20)
        var magnitude = value.magnitude
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let count = withUnsafeMutableBytes(of: &scratch) { digits -> Int in
            var at = digits.count
            repeat {
                at -= 1
                digits[at] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                at -= 1
                digits[at] = UInt8(ascii: "-")
            }
            let used = digits.count - at
            UnsafeMutableRawPointer(buffer + byteCount).copyMemory(from: digits.baseAddress! + at, byteCount: used)
            return used
        }
        byteCount += count
    }

    func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    /// As `JSONEncoder` writes a double: Swift's shortest round-trip form, `2` for `2.0`.
    /// Not-finite values (which the encoder refuses) are written as 0.
    func double(_ value: Double) {
        guard value.isFinite else { raw("0"); return }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        append(text)
    }

    private func open(_ bracket: UInt8) {
        precondition(depth < 64, "PrettyJSON: nested more than 64 deep")
        append(bracket)
        depth += 1
    }

    /// A comma after the container's previous member, then a new line at the current indent.
    private func separate() {
        if depth > 0 {
            let bit: UInt64 = 1 << UInt64(depth - 1)
            if filled & bit != 0 { append(UInt8(ascii: ",")) }
            filled |= bit
        }
        newline()
    }

    /// A line break and two spaces per open container.
    private func newline() {
        let spaces = depth * 2
        ensure(spaces + 1)
        buffer[byteCount] = UInt8(ascii: "\n")
        (buffer + byteCount + 1).update(repeating: UInt8(ascii: " "), count: spaces)
        byteCount += spaces + 1
    }

    /// `"…"` with `"` and `\` escaped, the short escapes `\b \f \n \r \t`, other control
    /// characters as `\u00XX`; everything else (`/`, non-ASCII) as it is.
    private func appendQuoted(_ utf8: UnsafeBufferPointer<UInt8>) {
        append(UInt8(ascii: "\""))
        appendEscaped(utf8)
        append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10 }

    /// `utf8` escaped for the inside of a JSON string: room for the plain case made once, runs
    /// of plain bytes copied whole, each escape (rare in feed text) making its own room.
    private func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        guard let source = utf8.baseAddress, !utf8.isEmpty else { return }
        ensure(utf8.count)
        var start = 0
        for index in 0..<utf8.count {
            let byte = source[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if start < index { append(UnsafeBufferPointer(start: source + start, count: index - start)) }
            start = index + 1
            ensure(6)
            let at = buffer + byteCount
            at[0] = UInt8(ascii: "\\")
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): at[1] = byte
            case 0x08: at[1] = UInt8(ascii: "b")
            case 0x0C: at[1] = UInt8(ascii: "f")
            case 0x0A: at[1] = UInt8(ascii: "n")
            case 0x0D: at[1] = UInt8(ascii: "r")
            case 0x09: at[1] = UInt8(ascii: "t")
            default:
                at[1] = UInt8(ascii: "u")
                at[2] = UInt8(ascii: "0")
                at[3] = UInt8(ascii: "0")
                at[4] = Self.hexDigit(byte >> 4)
                at[5] = Self.hexDigit(byte & 0xF)
                byteCount += 4
            }
            byteCount += 2
        }
        if start < utf8.count { append(UnsafeBufferPointer(start: source + start, count: utf8.count - start)) }
    }

    @inline(__always)
    private func ensure(_ extra: Int) {
        if byteCount + extra > capacity { grow(to: max(capacity * 2, byteCount + extra)) }
    }

    private func grow(to newCapacity: Int) {
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        larger.update(from: buffer, count: byteCount)
        buffer.deallocate()
        buffer = larger
        capacity = newCapacity
    }

    @inline(__always)
    private func append(_ byte: UInt8) {
        ensure(1)
        buffer[byteCount] = byte
        byteCount += 1
    }

    private func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        ensure(bytes.count)
        (buffer + byteCount).update(from: base, count: bytes.count)
        byteCount += bytes.count
    }

    private func append(_ text: String) {
        var text = text
        text.withUTF8 { append($0) }
    }
}

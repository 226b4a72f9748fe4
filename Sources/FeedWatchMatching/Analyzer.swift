/// A scalar's folding packed for the hot loop: up to 8 folded UTF-8 bytes (longer expansions,
/// such as some Arabic ligatures, are cut at a scalar boundary — the same way for queries and articles).
struct PackedFold {
    var bytes: UInt64
    var count: UInt8
    var kind: ScalarKind

    init(_ fold: ScalarFold) {
        var kept: [UInt8] = []
        for scalar in String(decoding: fold.folded, as: UTF8.self).unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            if kept.count + encoded.count > 8 { break }
            kept += encoded
        }
        bytes = 0
        for (offset, byte) in kept.enumerated() { bytes |= UInt64(byte) << (8 * UInt64(offset)) }
        count = UInt8(kept.count)
        kind = fold.kind
    }
}

/// One word found by the tokenizer, located in the text it came from.
struct RawToken {
    /// UTF-8 offsets of the word in its field.
    var byteStart: Int32
    var byteEnd: Int32
    /// The word's position; a joined hyphen group spans `position...lastPosition`.
    var position: Int32
    var lastPosition: Int32
    /// True for the joined form of a hyphen group (`testfire` for `test-fire`), emitted after its parts.
    var isJoined: Bool
}

/// Splits UTF-8 text into folded words with positions and byte offsets.
///
/// Words follow Unicode word boundaries closely enough for matching: letters, digits and
/// combining marks form words; apostrophes inside a word are kept (`iran's`); `.` and `,`
/// join digits (`90,000`, `3.5`) and single-letter abbreviations (`u.s`); a hyphen splits a
/// word into parts that are emitted both separately and joined. Han and kana characters are
/// words on their own. Not thread-safe: owned by one `AnalysisState`.
final class Tokenizer {
    /// Longest folded word kept; longer words are truncated (URLs, base64 noise).
    static let maxWordBytes = 96

    /// Folds of the Basic Multilingual Plane by scalar: `packedFolds[slotOfScalar[scalar]]`, slot 0 = not yet folded.
    private let slotOfScalar: UnsafeMutablePointer<UInt16>
    private let packedFolds: UnsafeMutablePointer<PackedFold>
    private var packedCount = 1
    /// Folds of scalars beyond the BMP (rare: historic scripts, emoji, rare ideographs).
    private var astralFolds: [UInt32: PackedFold] = [:]
    private let part: UnsafeMutablePointer<UInt8>
    private let joined: UnsafeMutablePointer<UInt8>
    private let joinedCapacity = 2 * Tokenizer.maxWordBytes
    private let asciiClasses: UnsafeMutablePointer<Class>

    init() {
        slotOfScalar = .allocate(capacity: 0x10000)
        slotOfScalar.initialize(repeating: 0, count: 0x10000)
        packedFolds = .allocate(capacity: 0x10000)
        packedFolds.initialize(to: PackedFold(ScalarFold(kind: .separator, folded: [])))
        asciiClasses = .allocate(capacity: 128)
        asciiClasses.initialize(from: Tokenizer.asciiClassTable, count: 128)
        // Padded: the word cache hashes whole 8-byte chunks.
        part = .allocate(capacity: Tokenizer.maxWordBytes + TermCache.padding)
        joined = .allocate(capacity: 2 * Tokenizer.maxWordBytes + TermCache.padding)
        part.initialize(repeating: 0, count: Tokenizer.maxWordBytes + TermCache.padding)
        joined.initialize(repeating: 0, count: 2 * Tokenizer.maxWordBytes + TermCache.padding)
    }

    deinit {
        slotOfScalar.deallocate()
        packedFolds.deinitialize(count: packedCount)
        packedFolds.deallocate()
        asciiClasses.deallocate()
        part.deallocate()
        joined.deallocate()
    }

    private enum Class: UInt8 { case separator, upper, lower, digit, apostrophe, hyphen, dot, comma, nonASCII }

    /// Class of each ASCII byte, copied into `asciiClasses` (a raw table keeps the hot loop free of checks).
    private static let asciiClassTable: [Class] = (0..<128).map { (byte: Int) -> Class in
        switch UInt8(byte) {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return .upper
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return .lower
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return .digit
        case UInt8(ascii: "'"): return .apostrophe
        case UInt8(ascii: "-"): return .hyphen
        case UInt8(ascii: "."): return .dot
        case UInt8(ascii: ","): return .comma
        default: return .separator
        }
    }

    /// The folding of a non-ASCII scalar, computed once per scalar.
    @inline(__always)
    private func fold(_ value: UInt32) -> PackedFold {
        if value < 0x10000 {
            let slot = Int(slotOfScalar[Int(value)])
            if slot != 0 { return packedFolds[slot] }
        }
        return foldSlowly(value)
    }

    private func foldSlowly(_ value: UInt32) -> PackedFold {
        if let cached = astralFolds[value] { return cached }
        let folded = PackedFold(Unicode.Scalar(value).map(Folding.fold) ?? ScalarFold(kind: .separator, folded: []))
        if value < 0x10000, packedCount < 0x10000 {
            (packedFolds + packedCount).initialize(to: folded)
            slotOfScalar[Int(value)] = UInt16(packedCount)
            packedCount += 1
        } else if astralFolds.count < 65_536 {
            astralFolds[value] = folded
        }
        return folded
    }

    /// Decodes the scalar at `index` (the text is valid UTF-8 because it came from a `String`).
    @inline(__always)
    private static func decode(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> (value: UInt32, length: Int) {
        let lead = UInt32(text[index])
        let count = text.count
        func continuation(_ offset: Int) -> UInt32 {
            index + offset < count ? UInt32(text[index + offset] & 0x3F) : 0
        }
        if lead < 0xE0 { return (((lead & 0x1F) << 6) | continuation(1), min(2, count - index)) }
        if lead < 0xF0 {
            return (((lead & 0x0F) << 12) | (continuation(1) << 6) | continuation(2), min(3, count - index))
        }
        return (((lead & 0x07) << 18) | (continuation(1) << 12) | (continuation(2) << 6) | continuation(3),
                min(4, count - index))
    }

    /// The kind of the scalar at `index`, for look-ahead; separator past the end.
    private func kind(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> ScalarKind {
        guard index < text.count else { return .separator }
        let byte = text[index]
        if byte < 0x80 {
            switch asciiClasses[Int(byte)] {
            case .upper, .lower: return .letter
            case .digit: return .digit
            case .apostrophe: return .apostrophe
            case .hyphen: return .hyphen
            default: return .separator
            }
        }
        return fold(Tokenizer.decode(text, at: index).value).kind
    }

    /// Tokenizes `text`, numbering words from `firstPosition`, stopping after `maxTokens` words.
    /// `emit` gets each folded word (valid only during the call) and its location. Returns the next free position.
    @discardableResult
    func tokenize(
        _ text: UnsafeBufferPointer<UInt8>, firstPosition: Int32, maxTokens: Int,
        _ emit: (UnsafeBufferPointer<UInt8>, RawToken) -> Void
    ) -> Int32 {
        let limit = firstPosition &+ Int32(clamping: maxTokens)
        var position = firstPosition
        var partLength = 0, joinedLength = 0
        var partStart = -1, partEnd = 0
        var groupStart = 0, groupFirstPosition: Int32 = 0, groupParts = 0
        var segmentLength = 0, lastWasDigit = false

        func append(_ byte: UInt8) {
            if partLength < Tokenizer.maxWordBytes { part[partLength] = byte; partLength += 1 }
        }
        func append(_ folded: PackedFold) {
            guard partLength + Int(folded.count) <= Tokenizer.maxWordBytes else { return }
            var bytes = folded.bytes
            for _ in 0..<folded.count {
                part[partLength] = UInt8(truncatingIfNeeded: bytes)
                partLength += 1
                bytes >>= 8
            }
        }
        /// Emits the current part; `hyphen` when a hyphen joins it to the next part.
        func finishPart(hyphen: Bool) {
            defer { partLength = 0; partStart = -1 }
            guard partStart >= 0, partLength > 0, position < limit else { return }
            if hyphen || groupParts > 0, joinedLength + partLength <= joinedCapacity {
                (joined + joinedLength).update(from: part, count: partLength)
                joinedLength += partLength
            }
            if groupParts == 0 { groupStart = partStart; groupFirstPosition = position }
            groupParts += 1
            emit(UnsafeBufferPointer(start: part, count: partLength),
                 RawToken(byteStart: Int32(partStart), byteEnd: Int32(partEnd), position: position,
                          lastPosition: position, isJoined: false))
            position += 1
        }
        func finishWord() {
            finishPart(hyphen: false)
            if groupParts >= 2, joinedLength > 0 {
                emit(UnsafeBufferPointer(start: joined, count: joinedLength),
                     RawToken(byteStart: Int32(groupStart), byteEnd: Int32(partEnd),
                              position: groupFirstPosition, lastPosition: position - 1, isJoined: true))
            }
            groupParts = 0
            joinedLength = 0
        }
        func startIfNeeded(_ index: Int) {
            if partStart < 0 {
                partStart = index
                segmentLength = 0
            }
        }

        var index = 0
        let count = text.count
        while index < count {
            if position >= limit { break }
            let byte = text[index]
            if byte < 0x80 {
                switch asciiClasses[Int(byte)] {
                case .lower, .upper, .digit:
                    // The common case: a run of ASCII letters and digits, in a tight loop.
                    startIfNeeded(index)
                    var cursor = index
                    while cursor < count {
                        let next = text[cursor]
                        let lower = next | 0x20
                        if lower &- 0x61 < 26 {
                            if partLength < Tokenizer.maxWordBytes { part[partLength] = lower; partLength += 1 }
                            lastWasDigit = false
                        } else if next &- 0x30 < 10 {
                            if partLength < Tokenizer.maxWordBytes { part[partLength] = next; partLength += 1 }
                            lastWasDigit = true
                        } else {
                            break
                        }
                        segmentLength += 1
                        cursor += 1
                    }
                    partEnd = cursor
                    index = cursor
                    continue
                case .apostrophe:
                    if partStart >= 0, kind(text, at: index + 1) == .letter {
                        append(byte)
                    } else {
                        finishWord()
                    }
                case .dot:
                    let next = partStart >= 0 ? kind(text, at: index + 1) : .separator
                    if (lastWasDigit && next == .digit) || (!lastWasDigit && segmentLength == 1 && next == .letter) {
                        append(byte)
                        segmentLength = 0
                    } else {
                        finishWord()
                    }
                case .comma:
                    if partStart >= 0, lastWasDigit, kind(text, at: index + 1) == .digit {
                        append(byte)
                    } else {
                        finishWord()
                    }
                case .hyphen:
                    let next = partStart >= 0 ? kind(text, at: index + 1) : .separator
                    if next == .letter || next == .digit { finishPart(hyphen: true) } else { finishWord() }
                case .separator, .nonASCII:
                    finishWord()
                }
                index += 1
                continue
            }
            let (value, length) = Tokenizer.decode(text, at: index)
            let folded = fold(value)
            switch folded.kind {
            case .letter, .digit:
                startIfNeeded(index)
                append(folded)
                partEnd = index + length
                segmentLength += 1
                lastWasDigit = folded.kind == .digit
            case .ignorable:
                if partStart >= 0 { partEnd = index + length }
            case .apostrophe:
                if partStart >= 0, kind(text, at: index + length) == .letter { append(folded) } else { finishWord() }
            case .hyphen:
                let next = partStart >= 0 ? kind(text, at: index + length) : .separator
                if next == .letter || next == .digit { finishPart(hyphen: true) } else { finishWord() }
            case .ideograph:
                finishWord()
                startIfNeeded(index)
                append(folded)
                partEnd = index + length
                finishWord()
            case .separator:
                finishWord()
            }
            index += length
        }
        finishWord()
        return position
    }
}

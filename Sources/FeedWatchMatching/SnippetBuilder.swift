import FeedWatchModel

/// Cuts 1–3 snippets of about 30 words around the densest hits, with the hits highlighted.
struct SnippetBuilder {
    static let windowWords = 30
    static let wordsBeforeHit = 10
    static let maxSnippets = 3

    /// The text of one field and the byte range of each of its words by position.
    struct FieldText {
        var bytes: [UInt8]
        var words: [Range<Int32>]
        var base: Int32

        /// The matched words of a span, located in this field.
        func evidence(_ span: Span) -> MatchEvidence {
            let start = min(Int(span.byteStart), bytes.count), end = min(max(Int(span.byteEnd), start), bytes.count)
            return MatchEvidence(field: base == 0 ? .title : .body, utf8Range: start..<end,
                                 text: String(decoding: bytes[start..<end], as: UTF8.self))
        }
    }

    /// Snippets from the body when it has hits, else from the title; the start of the body when there are no hits.
    static func snippets(for spans: [Span], title: FieldText, body: FieldText) -> [Snippet] {
        let bodySpans = spans.filter { !$0.isTitle }
        let (field, fieldSpans) = bodySpans.isEmpty && !spans.isEmpty ? (title, spans) : (body, bodySpans)
        guard !field.words.isEmpty else {
            let other = field.base == title.base ? body : title
            guard !other.words.isEmpty else { return [] }
            return [snippet(other, from: 0, to: min(other.words.count - 1, windowWords - 1), highlights: [])]
        }
        let lastWord = field.words.count - 1
        if fieldSpans.isEmpty {
            return [snippet(field, from: 0, to: min(lastWord, windowWords - 1), highlights: [])]
        }
        var remaining = fieldSpans.sorted { $0.start < $1.start }.prefix(Postings.maxSpans).map { $0 }
        var windows: [(from: Int, to: Int)] = []
        while windows.count < maxSnippets, !remaining.isEmpty {
            var best: (from: Int, to: Int, count: Int)?
            for span in remaining {
                let position = Int(span.start - field.base)
                var from = max(0, position - wordsBeforeHit)
                let to = min(lastWord, from + windowWords - 1)
                from = max(0, to - windowWords + 1)
                let count = remaining.reduce(0) { total, other in
                    let start = Int(other.start - field.base), end = Int(other.end - field.base)
                    return total + (start >= from && end <= to ? 1 : 0)
                }
                if count > best?.count ?? 0 { best = (from, to, count) }
            }
            guard let chosen = best else { break }
            windows.append((chosen.from, chosen.to))
            remaining.removeAll { span in
                let start = Int(span.start - field.base), end = Int(span.end - field.base)
                return end >= chosen.from && start <= chosen.to
            }
        }
        windows.sort { $0.from < $1.from }
        return windows.map { window in
            let highlights = fieldSpans.compactMap { span -> Range<Int>? in
                let start = Int(span.start - field.base)
                guard start >= window.from, start <= window.to else { return nil }
                return wholeWord(Int(span.byteStart)..<Int(span.byteEnd), in: field)
            }
            return snippet(field, from: window.from, to: window.to, highlights: highlights)
        }
    }

    private static func snippet(_ field: FieldText, from: Int, to: Int, highlights: [Range<Int>]) -> Snippet {
        let lower = wholeWord(Int(field.words[from].lowerBound)..<Int(field.words[from].upperBound), in: field).lowerBound
        var upper = Int(field.words[min(to, field.words.count - 1)].upperBound)
        // Keep the punctuation that closes the last word ("missiles." rather than "missiles").
        while upper < field.bytes.count, !isSpace(field.bytes[upper]) { upper += 1 }
        var merged: [Range<Int>] = []
        for range in highlights.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            let clipped = max(range.lowerBound, lower)..<max(min(range.upperBound, upper), max(range.lowerBound, lower))
            if clipped.isEmpty { continue }
            if let last = merged.last, clipped.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, clipped.upperBound)
            } else {
                merged.append(clipped)
            }
        }
        var parts: [Snippet.Part] = []
        // At most an ellipsis at each end and a plain and a highlighted part per highlight, and
        // the plain rest: room made once (grown from empty, it was allocated three times).
        parts.reserveCapacity(2 * merged.count + 3)
        var cursor = lower
        func add(_ range: Range<Int>, highlighted: Bool) {
            guard !range.isEmpty else { return }
            parts.append(Snippet.Part(text: collapsed(field.bytes[range]), highlighted: highlighted))
        }
        if from > 0 { parts.append(Snippet.Part(text: "… ", highlighted: false)) }
        for range in merged {
            add(cursor..<range.lowerBound, highlighted: false)
            add(range, highlighted: true)
            cursor = range.upperBound
        }
        add(cursor..<upper, highlighted: false)
        if to < field.words.count - 1 { parts.append(Snippet.Part(text: " …", highlighted: false)) }
        return Snippet(parts: parts)
    }

    /// The range widened over ZWNJ-joined neighbours, so a Persian word is highlighted and cut whole
    /// (`موشک‌های`, not `موشک` and a stray `‌های`, which would also break the letters' joining).
    private static func wholeWord(_ range: Range<Int>, in field: FieldText) -> Range<Int> {
        let bytes = field.bytes
        func isZWNJ(at index: Int) -> Bool {
            index >= 0 && index + 2 < bytes.count && bytes[index] == 0xE2 && bytes[index + 1] == 0x80
                && bytes[index + 2] == 0x8C
        }
        var lower = range.lowerBound, upper = range.upperBound
        while isZWNJ(at: lower - 3),
              let word = field.words.last(where: { Int($0.upperBound) <= lower - 3 }), Int(word.upperBound) == lower - 3 {
            lower = Int(word.lowerBound)
        }
        while isZWNJ(at: upper),
              let word = field.words.first(where: { Int($0.lowerBound) >= upper + 3 }), Int(word.lowerBound) == upper + 3 {
            upper = Int(word.upperBound)
        }
        return lower..<upper
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// The text with every run of white space (new lines, tabs) turned into one space.
    /// Written straight into the string's storage (an array first, then a string copied from
    /// it, were two allocations for every part of every snippet).
    private static func collapsed(_ bytes: ArraySlice<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { buffer in
            var count = 0
            var inSpace = false
            for byte in bytes {
                if isSpace(byte) {
                    if !inSpace { buffer[count] = 0x20; count += 1 }
                    inSpace = true
                } else {
                    buffer[count] = byte
                    count += 1
                    inSpace = false
                }
            }
            return count
        }
    }
}

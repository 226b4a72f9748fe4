import FeedWatchModel

/// The fast path of `HTMLText`: a byte-level tokenizer for the inline fragments feeds are
/// made of (tags, entities, text). It gives the same text as the libxml2 walk — a test runs
/// both over the real-world corpus — and declines (returns nil) whenever a fragment needs
/// the real parser: comments, CDATA, doctypes, script/style/head, a tag without its `>`, an
/// entity it does not know. Parsing each description with libxml2 cost more than parsing
/// the whole feed.
enum HTMLFragmentText {
    static func plainText(_ html: String) -> String? {
        html.withUTF8Bytes { plainText(bytes: $0) }
    }

    private static func plainText(bytes: UnsafeBufferPointer<UInt8>) -> String? {
        // The bytes are a Swift String's (see `plainText(_:)`), so valid UTF-8.
        let writer = TextWriter(capacity: bytes.count, inputIsValidUTF8: true)
        let count = bytes.count
        var index = 0
        var runStart = 0  // start of the pending run of plain text bytes
        while index < count {
            let byte = bytes[index]
            if byte != UInt8(ascii: "<") && byte != UInt8(ascii: "&") {
                index = ByteSearch.firstIndex(of: UInt8(ascii: "<"), or: UInt8(ascii: "&"), in: bytes, from: index + 1)
                continue
            }
            if runStart < index { writer.appendText(UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            if byte == UInt8(ascii: "&") {
                let next = index + 1 < count ? bytes[index + 1] : 0
                if !isLetter(next) && next != UInt8(ascii: "#") {
                    // A bare "&" (as in "salt & pepper", or "1&1": no name starts with a digit):
                    // libxml2 keeps it as text too.
                    withUnsafePointer(to: byte) { writer.appendText(UnsafeBufferPointer(start: $0, count: 1)) }
                    index += 1
                    runStart = index
                    continue
                }
                guard let (scalar, end) = entity(bytes, at: index) else { return nil }
                writer.appendScalar(scalar)
                index = end
            } else {
                guard index + 1 < count else { return nil }
                let next = bytes[index + 1]
                if isLetter(next) || (next == UInt8(ascii: "/") && index + 2 < count && isLetter(bytes[index + 2])) {
                    guard let end = tagEnd(bytes, from: index + 1) else { return nil }
                    let nameStart = next == UInt8(ascii: "/") ? index + 2 : index + 1
                    var nameEnd = nameStart
                    while nameEnd < end, isNameByte(bytes[nameEnd]) { nameEnd += 1 }
                    let name = UnsafeBufferPointer(rebasing: bytes[nameStart..<nameEnd])
                    // Prefixed and custom names (`<o:p>`, `<my-tag>`) are unknown to libxml2's
                    // HTML table, which then restructures the tree around them: decline.
                    if name.contains(UInt8(ascii: ":")) || name.contains(UInt8(ascii: "-")) { return nil }
                    switch kind(name) {
                    case .declined:
                        // `<script>` and `<style>` are raw text to libxml2 up to their end tag,
                        // and the walk skips them: skip them here too. Embedded players and
                        // widgets put them in many long descriptions that would otherwise all
                        // go to libxml2.
                        guard next != UInt8(ascii: "/"), bytes[end - 1] != UInt8(ascii: "/") else { return nil }
                        let after: Int?
                        if isRawTextElement(name) {
                            after = rawTextEnd(bytes, from: end + 1, name: name)
                        } else if isSVG(name) {
                            // Inline drawings (icons, charts): libxml2 keeps them as unknown
                            // elements and the walk skips them whole.
                            after = svgEnd(bytes, from: end + 1)
                        } else {
                            after = nil
                        }
                        guard let after else { return nil }
                        index = after
                        runStart = index
                        continue
                    case .block: writer.requestBreak(.paragraph)
                    case .lineBreak: writer.requestBreak(.line)
                    case .inline: break
                    }
                    index = end + 1
                } else if next == UInt8(ascii: "!"), let end = commentEnd(bytes, from: index) {
                    index = end  // a comment is not text; libxml2 makes it a comment node
                } else if next == UInt8(ascii: "!") || next == UInt8(ascii: "?") {
                    return nil
                } else {
                    withUnsafePointer(to: byte) { writer.appendText(UnsafeBufferPointer(start: $0, count: 1)) }  // "a < b"
                    index += 1
                }
            }
            runStart = index
        }
        if runStart < count { writer.appendText(UnsafeBufferPointer(rebasing: bytes[runStart..<count])) }
        return writer.finish()
    }

    /// The index after `-->` for a well-formed `<!-- … -->` at `start`; nil otherwise (the
    /// odd forms, such as `<!-->` or an unterminated comment, go to libxml2).
    private static func commentEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let count = bytes.count
        guard start + 4 < count, bytes[start + 2] == UInt8(ascii: "-"), bytes[start + 3] == UInt8(ascii: "-"),
              bytes[start + 4] != UInt8(ascii: ">") else { return nil }
        var index = start + 4
        while index + 2 < count {
            if bytes[index] == UInt8(ascii: "-") && bytes[index + 1] == UInt8(ascii: "-")
                && bytes[index + 2] == UInt8(ascii: ">") {
                return index + 3
            }
            index += 1
        }
        return nil
    }

    /// `script` or `style`, whose content libxml2 reads as raw text.
    private static func isRawTextElement(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        var lower: UInt64 = 0
        for byte in name.prefix(8) { lower = lower << 8 | UInt64(byte | 0x20) }
        return (name.count == 6 && lower == pack("script")) || (name.count == 5 && lower == pack("style"))
    }

    /// The index after the `</name>` that ends raw text starting at `start`, matched the way
    /// libxml2 does in recovery (the first `</` followed by the name, any case); nil when
    /// there is none, or when that end tag is not closed right after its name (libxml2's
    /// recovery then differs: leave it the real parser).
    private static func rawTextEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int,
                                   name: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = start
        while let open = ByteSearch.firstIndex(of: UInt8(ascii: "<"), in: bytes, from: index) {
            let nameStart = open + 2
            let nameEnd = nameStart + name.count
            if nameEnd < bytes.count, bytes[open + 1] == UInt8(ascii: "/") {
                var matches = true
                for offset in 0..<name.count where bytes[nameStart + offset] | 0x20 != name[offset] | 0x20 {
                    matches = false
                    break
                }
                if matches { return bytes[nameEnd] == UInt8(ascii: ">") ? nameEnd + 1 : nil }
            }
            index = open + 1
        }
        return nil
    }

    private static func isSVG(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        name.count == 3 && name[0] | 0x20 == UInt8(ascii: "s") && name[1] | 0x20 == UInt8(ascii: "v")
            && name[2] | 0x20 == UInt8(ascii: "g")
    }

    /// Elements of SVG drawings whose nesting libxml2's HTML parser leaves alone (none is an
    /// HTML element it opens or closes others for), lower-cased.
    private static let svgContent: Set<String> = [
        "path", "g", "defs", "lineargradient", "radialgradient", "stop", "circle", "rect", "line", "polyline",
        "polygon", "ellipse", "use", "symbol", "clippath", "mask", "pattern", "desc",
    ]

    /// The index after the `</svg>` that ends a drawing starting at `start`; nil (decline)
    /// when the drawing holds anything but the elements in `svgContent` (a nested drawing, a
    /// script, a comment, HTML), or the end tag is missing or not closed right after its name.
    private static func svgEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        while let open = ByteSearch.firstIndex(of: UInt8(ascii: "<"), in: bytes, from: index) {
            var nameStart = open + 1
            let closing = nameStart < bytes.count && bytes[nameStart] == UInt8(ascii: "/")
            if closing { nameStart += 1 }
            var nameEnd = nameStart
            while nameEnd < bytes.count, isLetter(bytes[nameEnd]) { nameEnd += 1 }
            guard nameEnd > nameStart, nameEnd < bytes.count else { return nil }
            let name = UnsafeBufferPointer(rebasing: bytes[nameStart..<nameEnd])
            if closing && isSVG(name) {
                return bytes[nameEnd] == UInt8(ascii: ">") ? nameEnd + 1 : nil
            }
            guard svgContent.contains(String(decoding: name, as: UTF8.self).lowercased()),
                  let end = tagEnd(bytes, from: open + 1) else { return nil }
            index = end + 1
        }
        return nil
    }

    /// The index of the `>` closing a tag, skipping quoted attribute values; nil at a `<`
    /// outside quotes or an unclosed quote. Jumps between the four bytes that matter (a byte
    /// walk here was half of rendering the corpus's descriptions).
    private static let tagBytes = ByteSearch.ByteSet(UInt8(ascii: ">"), UInt8(ascii: "<"), UInt8(ascii: "\""),
                                                     UInt8(ascii: "'"))

    private static func tagEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        while true {
            index = ByteSearch.firstIndex(of: tagBytes, in: bytes, from: index)
            guard index < bytes.count else { return nil }
            let byte = bytes[index]
            if byte == UInt8(ascii: ">") { return index }
            if byte == UInt8(ascii: "<") { return nil }
            // Only a quote right after `=` opens a value; elsewhere it is a stray byte.
            var back = index - 1
            while back > start, bytes[back].isASCIIWhitespace { back -= 1 }
            if bytes[back] == UInt8(ascii: "=") {
                guard let close = ByteSearch.firstIndex(of: byte, in: bytes, from: index + 1) else { return nil }
                index = close + 1
            } else {
                index += 1
            }
        }
    }

    /// `&#123;`, `&#x7B;` or `&name;` → the scalar and the index after the `;`.
    private static func entity(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> (Unicode.Scalar, Int)? {
        var index = start + 1
        let count = bytes.count
        if index < count, bytes[index] == UInt8(ascii: "#") {
            index += 1
            var radix: UInt32 = 10
            if index < count, bytes[index] | 0x20 == UInt8(ascii: "x") {
                radix = 16
                index += 1
            }
            var value: UInt32 = 0
            let digitsStart = index
            while index < count, index - digitsStart < 8, let digit = digitValue(bytes[index], radix: radix) {
                value = value * radix + digit
                index += 1
            }
            guard index > digitsStart, index < count, bytes[index] == UInt8(ascii: ";"),
                  value != 0, value < 0x80 || value > 0x9F,  // C1 range: libxml2 maps these itself
                  let scalar = Unicode.Scalar(value) else { return nil }
            return (scalar, index + 1)
        }
        let nameStart = index
        while index < count, index - nameStart < 32, isLetter(bytes[index]) || isDigit(bytes[index]) { index += 1 }
        guard index > nameStart, index < count, bytes[index] == UInt8(ascii: ";"),
              let codePoint = HTMLEntities.codePoint(named: UnsafeBufferPointer(rebasing: bytes[nameStart..<index])),
              let scalar = Unicode.Scalar(codePoint) else { return nil }
        return (scalar, index + 1)
    }

    enum Kind { case inline, block, lineBreak, declined }

    /// Elements whose content is not text for a reader (the libxml2 walk skips them).
    static func isSkipped(_ name: UnsafePointer<UInt8>) -> Bool {
        var lower: UInt64 = 0
        var pointer = name
        var length = 0
        while pointer.pointee != 0 {
            length += 1
            if length > 8 { return false }
            lower = lower << 8 | UInt64(pointer.pointee | 0x20)
            pointer += 1
        }
        switch lower {
        case pack("script"), pack("style"), pack("head"), pack("template"), pack("noscript"), pack("iframe"),
             pack("object"), pack("svg"):
            return true
        default:
            return false
        }
    }

    /// How an element affects the text; `declined` for what only the real parser handles.
    static func kind(_ name: UnsafeBufferPointer<UInt8>) -> Kind {
        guard name.count <= 10 else { return .inline }
        var lower: UInt64 = 0  // the name, lower-cased, packed into an integer for a cheap switch
        for byte in name { lower = lower << 8 | UInt64(byte | 0x20) }
        switch lower {
        case pack("br"): return .lineBreak
        case pack("p"), pack("div"), pack("h1"), pack("h2"), pack("h3"), pack("h4"), pack("h5"), pack("h6"), pack("ul"),
             pack("ol"), pack("li"), pack("blockquote"), pack("pre"), pack("table"), pack("tr"), pack("section"),
             pack("article"), pack("header"), pack("footer"), pack("aside"), pack("nav"), pack("figure"),
             pack("figcaption"), pack("hr"), pack("dl"), pack("dt"), pack("dd"), pack("address"), pack("main"),
             pack("details"), pack("summary"), pack("form"), pack("fieldset"):
            return .block
        case pack("script"), pack("style"), pack("head"), pack("template"), pack("noscript"), pack("iframe"),
             pack("object"), pack("svg"), pack("title"), pack("html"), pack("body"), pack("textarea"), pack("xmp"),
             pack("plaintext"), pack("frameset"), pack("meta"), pack("link"), pack("base"), pack("select"),
             pack("option"), pack("math"):
            return .declined
        default:
            return .inline
        }
    }

    private static func pack(_ name: StaticString) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<name.utf8CodeUnitCount { value = value << 8 | UInt64(name.utf8Start[index]) }
        return value
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func isNameByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-")
    }

    private static func digitValue(_ byte: UInt8, radix: UInt32) -> UInt32? {
        if isDigit(byte) { return UInt32(byte - 0x30) }
        if radix == 16, (byte | 0x20) >= 0x61, (byte | 0x20) <= 0x66 { return UInt32((byte | 0x20) - 0x61 + 10) }
        return nil
    }
}

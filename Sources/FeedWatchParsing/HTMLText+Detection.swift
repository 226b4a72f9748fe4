/// Whether text in an element that may or may not be HTML (RSS titles, categories) is HTML.
extension HTMLText {
    /// feedparser's rule (`lookslikehtml`): HTML has a closing tag (`</b>`) or a reference
    /// (`&amp;`, `&#38;`), every tag is an element HTML allows in content, and every named
    /// reference is one HTML defines. So "&lt;blink&gt; is dead" or "Use <entry> for each
    /// item" is text that keeps its words, while "<b>Hot</b> news" is markup.
    static func looksLikeHTML(_ text: String) -> Bool {
        text.withUTF8Bytes { bytes in
            var hasCloseTagOrReference = false
            var index = 0
            let count = bytes.count
            while true {
                index = ByteSearch.firstIndex(of: UInt8(ascii: "<"), or: UInt8(ascii: "&"), in: bytes, from: index)
                guard index < count else { break }
                if bytes[index] == UInt8(ascii: "<") {
                    var start = index + 1
                    let closing = start < count && bytes[start] == UInt8(ascii: "/")
                    if closing { start += 1 }
                    var end = start
                    while end < count && isWordByte(bytes[end]) { end += 1 }
                    if end > start {
                        guard isAllowedElement(UnsafeBufferPointer(rebasing: bytes[start..<end])) else { return false }
                        if closing && end < count && bytes[end] == UInt8(ascii: ">") { hasCloseTagOrReference = true }
                    }
                    index = max(end, index + 1)
                } else {
                    var start = index + 1
                    let numeric = start < count && bytes[start] == UInt8(ascii: "#")
                    if numeric { start += 1 }
                    var end = start
                    while end < count && isWordByte(bytes[end]) { end += 1 }
                    if end > start && end < count && bytes[end] == UInt8(ascii: ";") {
                        hasCloseTagOrReference = true
                        if !numeric {
                            let name = bytes[start..<end]
                            guard HTMLEntities.codePoint(named: name) != nil || isXMLPredefined(name) else { return false }
                        }
                    }
                    index = max(end, index + 1)
                }
            }
            return hasCloseTagOrReference
        }
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A) || byte == UInt8(ascii: "_")
    }

    private static func isXMLPredefined(_ name: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        ["amp", "lt", "gt", "quot", "apos"].contains { $0.utf8.elementsEqual(name) }
    }

    private static func isAllowedElement(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard name.count <= 16 else { return false }
        return allowedElements.contains(String(decoding: name.map { $0 | 0x20 }, as: UTF8.self))
    }

    /// feedparser's `_HTMLSanitizer.acceptable_elements`.
    private static let allowedElements: Set<String> = [
        "a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "big", "blockquote", "br",
        "button", "canvas", "caption", "center", "cite", "code", "col", "colgroup", "command", "datagrid",
        "datalist", "dd", "del", "details", "dfn", "dialog", "dir", "div", "dl", "dt", "em", "event-source",
        "fieldset", "figcaption", "figure", "font", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "i", "img", "input", "ins", "kbd", "keygen", "label", "legend", "li", "m", "map", "menu", "meter",
        "multicol", "nav", "nextid", "noscript", "ol", "optgroup", "option", "output", "p", "pre", "progress", "q",
        "s", "samp", "section", "select", "small", "sound", "source", "spacer", "span", "strike", "strong", "sub",
        "sup", "table", "tbody", "td", "textarea", "tfoot", "th", "thead", "time", "tr", "tt", "u", "ul", "var",
        "video",
    ]
}

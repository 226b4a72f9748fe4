/// A pass over the document before libxml2 reads it, for the one cost libxml2 pays before any
/// callback can stop it: the attributes of a start tag. Debian 12's libxml2 (2.9.14) checks
/// each attribute of a tag against every earlier one (fixed upstream only in 2.12), so a single
/// tag with 300,000 attributes takes it about 20 seconds, and attributes declared with defaults
/// in the DTD (`<!ATTLIST item a1 CDATA "x" …>`) are added to every such element the same way.
/// The other bounds (names, namespaces, depth, text) are enforced from `SAXDriver`'s callbacks.
///
/// The count is an upper bound of what libxml2 parses: libxml2 takes an attribute only with a
/// quoted value, ends a tag at a `>` outside quotes and gives up on it at a `<`, so this pass
/// counts the quoted values between a `<` and the next `>` outside quotes, restarting at every
/// `<`. Comments, CDATA sections and processing instructions are skipped as libxml2 skips them.
/// Values in `<!ATTLIST` declarations are counted for the whole document, since declarations
/// for one element add up. A tag closer to the next `<` than two quotes per allowed attribute
/// is skipped unread, so the pass costs one `memchr` per tag (the one that finds the next `<`).
/// `SAXDriver` runs it over each slice just before libxml2 reads the slice, which then finds
/// it in the cache.
struct MarkupBudget {
    let maxAttributes: Int
    /// Where the pass stands: every tag that starts before it has been counted.
    private(set) var index = 0
    /// Attribute defaults declared so far.
    private var declaredDefaults = 0

    init(limits: ParseLimits) {
        maxAttributes = limits.maxAttributes
    }

    /// Counts every tag that starts before `end` (reading past `end` to finish the last);
    /// nil when none has more than `maxAttributes` attributes, else the error.
    mutating func check(_ buffer: UnsafeBufferPointer<UInt8>, through end: Int) -> ParseError? {
        let count = buffer.count
        let maxAttributes = self.maxAttributes
        let tagBytes = ByteSearch.ByteSet(UInt8(ascii: ">"), UInt8(ascii: "<"), UInt8(ascii: "\""), UInt8(ascii: "'"))
        defer { index = max(index, min(end, count)) }
        // The `<` that ended the last tag skipped unread starts the next one: found once.
        var knownOpen = -1
        while index < end,
              let open = knownOpen == index ? index : ByteSearch.firstIndex(of: UInt8(ascii: "<"), in: buffer, from: index) {
            var position = open + 1
            var isAttributeList = false
            if position < count && buffer[position] == UInt8(ascii: "!") {
                if Self.matches(buffer, at: open, "<!--") {
                    index = Self.find(buffer, "-->", from: open + 4)
                    continue
                }
                if Self.matches(buffer, at: open, "<![CDATA[") {
                    index = Self.find(buffer, "]]>", from: open + 9)
                    continue
                }
                isAttributeList = Self.matches(buffer, at: open, "<!ATTLIST")
            } else if position < count && buffer[position] == UInt8(ascii: "?") {
                index = Self.find(buffer, "?>", from: open + 2)
                continue
            } else {
                // A tag ends at the next `<` at the latest, and counting more than
                // `maxAttributes` values takes two quotes each: a tag that close to the next
                // `<` (nearly every tag) needs no closer look.
                let next = ByteSearch.firstIndex(of: UInt8(ascii: "<"), in: buffer, from: position) ?? count
                if next - open <= 2 * maxAttributes {
                    index = next
                    knownOpen = next
                    continue
                }
            }
            var values = 0
            scanning: while position < count {
                position = ByteSearch.firstIndex(of: tagBytes, in: buffer, from: position)
                guard position < count else { break }
                let byte = buffer[position]
                switch byte {
                case UInt8(ascii: ">"):
                    position += 1
                    break scanning
                case UInt8(ascii: "<"):
                    break scanning  // libxml2 gives up on the tag; the `<` starts the next one
                default:
                    if isAttributeList {
                        declaredDefaults += 1
                        if declaredDefaults > maxAttributes {
                            return ParseError(code: .limitExceeded,
                                              message: "the DTD declares more than \(maxAttributes) attribute defaults")
                        }
                    } else {
                        values += 1
                        if values > maxAttributes {
                            return ParseError(code: .limitExceeded,
                                              message: "an element has more than \(maxAttributes) attributes")
                        }
                    }
                    let close = ByteSearch.firstIndex(of: byte, or: UInt8(ascii: "<"), in: buffer, from: position + 1)
                    guard close < count else {
                        position = count
                        break scanning
                    }
                    if buffer[close] == UInt8(ascii: "<") {
                        position = close
                        break scanning
                    }
                    position = close + 1
                }
            }
            index = position
        }
        return nil
    }

    /// The whole document at once.
    static func check(_ buffer: UnsafeBufferPointer<UInt8>, limits: ParseLimits) -> ParseError? {
        var budget = MarkupBudget(limits: limits)
        return budget.check(buffer, through: buffer.count)
    }

    private static func matches(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int, _ literal: StaticString) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard index + length <= buffer.count else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<length where buffer[index + offset] != pointer[offset] { return false }
        return true
    }

    /// The index after the first `literal` at or after `start`, or the end of the buffer.
    private static func find(_ buffer: UnsafeBufferPointer<UInt8>, _ literal: StaticString, from start: Int) -> Int {
        var index = start
        let first = literal.utf8Start[0]
        while let found = ByteSearch.firstIndex(of: first, in: buffer, from: index) {
            if matches(buffer, at: found, literal) { return found + literal.utf8CodeUnitCount }
            index = found + 1
        }
        return buffer.count
    }
}

import FeedWatchModel

/// Reads a document into a `TreeBuilder`: with `StrictXMLReader` when the document is UTF-8
/// that `EncodingSniffer` validated or transcoded, and with libxml2 (`SAXDriver`) when the
/// strict reader declines or the document must be decoded by libxml2.
enum XMLReading {
    /// Reads `bytes` (see `SAXDriver.parse` for `encoding` and `declaredEncodingTrusted`).
    /// `makeStream` is called once per attempt: a declined attempt's stream is discarded.
    /// `strict: false` reads every document with libxml2 (for tests and benchmarks).
    static func read(_ bytes: [UInt8], encoding: String?, declaredEncodingTrusted: Bool, baseURL: String?,
                     limits: ParseLimits, strict: Bool = true, makeStream: () -> EntryStream?) -> SAXResult {
        if strict && canReadStrictly(encoding: encoding, declaredEncodingTrusted: declaredEncodingTrusted) {
            let (read, outcome) = readStrictly(bytes, baseURL: baseURL, limits: limits, makeStream: makeStream)
            if let read { return read }
            var result = SAXDriver.parse(bytes, encoding: encoding, declaredEncodingTrusted: declaredEncodingTrusted,
                                         baseURL: baseURL, limits: limits, stream: makeStream())
            result.strictOutcome = outcome
            return result
        }
        return SAXDriver.parse(bytes, encoding: encoding, declaredEncodingTrusted: declaredEncodingTrusted,
                               baseURL: baseURL, limits: limits, stream: makeStream())
    }

    /// Whether `StrictXMLReader` may read bytes passed this way: only UTF-8 that
    /// `EncodingSniffer` validated or transcoded (not an encoding libxml2 must decode).
    static func canReadStrictly(encoding: String?, declaredEncodingTrusted: Bool) -> Bool {
        encoding == nil && !declaredEncodingTrusted
    }

    /// Reads validated UTF-8 `bytes` with `StrictXMLReader` only: the result when it finished,
    /// nil when it declined; and the outcome either way.
    static func readStrictly(_ bytes: [UInt8], baseURL: String?, limits: ParseLimits,
                             makeStream: () -> EntryStream?) -> (SAXResult?, StrictXMLReader.Outcome) {
        let builder = TreeBuilder(limits: limits, baseURL: baseURL, documentSize: bytes.count, stream: makeStream())
        builder.document.textIsValidUTF8 = true
        let outcome = bytes.withUnsafeBufferPointer { StrictXMLReader.read($0, into: builder) }
        guard outcome == .finished else { return (nil, outcome) }
        var result = builder.result(errors: [], errorCount: 0)
        result.strictOutcome = outcome
        return (result, outcome)
    }
}

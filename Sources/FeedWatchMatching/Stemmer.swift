private import CStemmer

/// One Snowball stemmer. Owns the C object and frees it in `deinit`.
///
/// The C object keeps its result in an internal buffer, so it is not thread-safe: every
/// instance is owned by one `AnalyzerState`, which is only touched under its lock.
final class SnowballStemmer {
    private let handle: OpaquePointer

    /// Creates the stemmer for a Snowball algorithm name (`english`, `german`, …); nil when libstemmer lacks it.
    init?(algorithm: String) {
        guard let handle = sb_stemmer_new(algorithm, "UTF_8") else { return nil }
        self.handle = handle
    }

    deinit { sb_stemmer_delete(handle) }

    /// The stem of an already folded word.
    func stem(_ word: String) -> String {
        var word = word
        return word.withUTF8 { bytes -> String in
            guard let base = bytes.baseAddress, bytes.count > 0,
                  let result = sb_stemmer_stem(handle, base, Int32(bytes.count))
            else { return String(decoding: bytes, as: UTF8.self) }
            let length = Int(sb_stemmer_length(handle))
            return String(decoding: UnsafeBufferPointer(start: result, count: length), as: UTF8.self)
        }
    }
}

/// A language a topic may be written in, and the Snowball algorithm that stems it (if any).
struct TopicLanguage: Hashable, Sendable {
    /// The ISO 639-1 code, e.g. `en`.
    let code: String
    /// The Snowball algorithm name, or nil when the language is only folded, not stemmed.
    let algorithm: String?

    /// ISO 639-1 codes (and Snowball names) → Snowball algorithms available in Debian's libstemmer 2.2.
    private static let stemmed: [String: String] = [
        "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "da": "danish", "nl": "dutch",
        "en": "english", "fi": "finnish", "fr": "french", "de": "german", "el": "greek", "hi": "hindi",
        "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian", "lt": "lithuanian",
        "ne": "nepali", "no": "norwegian", "nb": "norwegian", "pt": "portuguese", "ro": "romanian",
        "ru": "russian", "sr": "serbian", "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish",
        "yi": "yiddish",
    ]

    /// Languages feedwatch folds but has no stemmer for.
    private static let unstemmed: Set<String> = [
        "fa", "ur", "ps", "ku", "he", "zh", "ja", "ko", "th", "vi", "pl", "cs", "sk", "uk", "bg", "hr",
        "sl", "et", "lv", "bn", "pa", "mr", "te", "ml", "kn", "gu", "ms", "tl", "sw", "az", "ka", "sq",
        "mk", "bs", "is", "af", "uz", "kk", "mn", "am", "so", "ha",
    ]

    /// The language for a code or Snowball name (case-insensitive), or nil when unknown.
    static func named(_ name: String) -> TopicLanguage? {
        let key = name.lowercased()
        if let algorithm = stemmed[key] { return TopicLanguage(code: key, algorithm: algorithm) }
        if let code = stemmed.filter({ $0.value == key }).keys.sorted().first {
            return TopicLanguage(code: code, algorithm: key)
        }
        if unstemmed.contains(key) { return TopicLanguage(code: key, algorithm: nil) }
        if key == "persian" || key == "farsi" { return TopicLanguage(code: "fa", algorithm: nil) }
        return nil
    }
}

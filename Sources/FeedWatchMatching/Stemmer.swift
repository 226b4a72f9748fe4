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

extension TopicLanguage {
    /// Languages written in Arabic script: their stemmers only see Arabic-script words, and
    /// Arabic-script query words are analysed only by them when the topic has one.
    private static let arabicScript: Set<String> = ["ar", "fa", "ur", "ps"]

    var usesArabicScript: Bool { Self.arabicScript.contains(code) }

    /// Whether a folded word is in this language's script (Arabic script or not).
    func fits(_ folded: String) -> Bool { usesArabicScript == ArabicScript.contains(folded) }
}

/// The writing system of a language and of a word: an article's declared language decides how
/// its words are analysed only for the words written in that language's script.
enum WritingScript: UInt8 {
    case latin, arabic, cyrillic, greek, hebrew, armenian, devanagari, tamil

    /// The script of the first letter of a folded word that has one of these scripts (nil for
    /// digits, ideographs and scripts not listed).
    static func of(_ folded: String) -> WritingScript? {
        for scalar in folded.unicodeScalars {
            switch scalar.value {
            case 0x61...0x7A, 0xC0...0x24F, 0x1E00...0x1EFF: return .latin
            case 0x0600...0x06FF, 0x0750...0x077F, 0x08A0...0x08FF, 0xFB50...0xFDFF, 0xFE70...0xFEFF: return .arabic
            case 0x0400...0x052F: return .cyrillic
            case 0x0370...0x03FF, 0x1F00...0x1FFF: return .greek
            case 0x0590...0x05FF: return .hebrew
            case 0x0530...0x058F: return .armenian
            case 0x0900...0x097F: return .devanagari
            case 0x0B80...0x0BFF: return .tamil
            default: continue
            }
        }
        return nil
    }
}

extension TopicLanguage {
    /// The script each language is written in, where it has one script (Serbian, written in two,
    /// and languages of scripts not listed have none: a declaration in them changes nothing).
    private static let scripts: [String: WritingScript] = {
        var scripts: [String: WritingScript] = [:]
        let table: [(WritingScript, [String])] = [
            (.latin, ["en", "de", "fr", "es", "it", "pt", "nl", "da", "sv", "no", "nb", "fi", "hu", "ro", "tr", "id", "ga",
                      "lt", "ca", "eu", "pl", "cs", "sk", "hr", "sl", "et", "lv", "ms", "tl", "sw", "az", "sq", "bs", "is",
                      "af", "uz", "so", "ha", "vi"]),
            (.arabic, ["ar", "fa", "ur", "ps"]),
            (.cyrillic, ["ru", "uk", "bg", "mk", "kk", "mn"]),
            (.greek, ["el"]), (.hebrew, ["he", "yi"]), (.armenian, ["hy"]), (.devanagari, ["hi", "ne", "mr"]), (.tamil, ["ta"]),
        ]
        for (script, codes) in table { for code in codes { scripts[code] = script } }
        return scripts
    }()

    var script: WritingScript? { Self.scripts[code] }

    /// Whether a folded word is written in this language's script: in an article declared in this
    /// language, such a word is analysed by this language alone (for a topic listing it).
    func admits(_ folded: String) -> Bool {
        guard let script else { return false }
        return WritingScript.of(folded) == script
    }
}

/// Arabic-script tests on folded words.
enum ArabicScript {
    /// True when the word has a letter of the Arabic blocks.
    static func contains(_ folded: String) -> Bool {
        folded.unicodeScalars.contains { scalar in
            switch scalar.value {
            case 0x0600...0x06FF, 0x0750...0x077F, 0x08A0...0x08FF, 0xFB50...0xFDFF, 0xFE70...0xFEFF: return true
            default: return false
            }
        }
    }
}

/// How one language stems folded words.
enum WordStemmer {
    case none
    case snowball(SnowballStemmer)
    case arabicLight
    case persianLight

    /// The stemmer for a language: the light stemmers for `ar` and `fa`, else Snowball's when it has one.
    init(_ language: TopicLanguage) {
        switch language.code {
        case "ar": self = .arabicLight
        case "fa": self = .persianLight
        default: self = language.algorithm.flatMap(SnowballStemmer.init(algorithm:)).map(WordStemmer.snowball) ?? .none
        }
    }

    func stem(_ folded: String) -> String {
        switch self {
        case .none: return folded
        case .snowball(let stemmer): return stemmer.stem(folded)
        case .arabicLight: return ArabicLightStemmer.stem(folded)
        case .persianLight: return PersianLightStemmer.stem(folded)
        }
    }
}

/// Strips affixes from a folded word, leaving a stem of at least `minimumStem` letters.
private func strippingPrefix(_ word: [Unicode.Scalar], _ prefix: [Unicode.Scalar], minimumStem: Int) -> [Unicode.Scalar]? {
    guard word.count - prefix.count >= minimumStem, word.starts(with: prefix) else { return nil }
    return Array(word.dropFirst(prefix.count))
}

private func strippingSuffix(_ word: [Unicode.Scalar], _ suffix: [Unicode.Scalar], minimumStem: Int) -> [Unicode.Scalar]? {
    guard word.count - suffix.count >= minimumStem, word.reversed().starts(with: suffix.reversed()) else { return nil }
    return Array(word.dropLast(suffix.count))
}

private func scalars(_ affixes: [String]) -> [[Unicode.Scalar]] { affixes.map { Array($0.unicodeScalars) } }

/// Arabic light stemming in the way of light10 (Larkey, Ballesteros and Connell; Lucene's
/// ArabicStemmer) on folded text (ة is already ه, ي and ى are ی, ك is ک): one prefix of
/// `ال وال بال كال فال لل و`, then each suffix of `ها ان ات ون ين يه ية ه ة ي` in turn.
///
/// Stricter than light10, so short words do not collide: a stem keeps at least 3 letters (light10
/// keeps 2) and `و` is only stripped from words of 5 letters or more (`وطن` is not `طن`).
enum ArabicLightStemmer {
    private static let prefixes = scalars(["ال", "وال", "بال", "کال", "فال", "لل"])
    private static let waw = scalars(["و"])[0]
    private static let suffixes = scalars(["ها", "ان", "ات", "ون", "ین", "یه", "ه", "ی"])
    static let minimumStem = 3

    static func stem(_ folded: String) -> String {
        var word = Array(folded.unicodeScalars)
        guard word.count > minimumStem, ArabicScript.contains(folded) else { return folded }
        if let stripped = prefixes.lazy.compactMap({ strippingPrefix(word, $0, minimumStem: minimumStem) }).first {
            word = stripped
        } else if let stripped = strippingPrefix(word, waw, minimumStem: minimumStem + 1) {
            word = stripped
        }
        for suffix in suffixes {
            if let stripped = strippingSuffix(word, suffix, minimumStem: minimumStem) { word = stripped }
        }
        var result = ""
        result.unicodeScalars.append(contentsOf: word)
        return result
    }
}

/// Persian light stemming on folded text: one plural or adjective suffix (`هایی های ها یی ای ان ات ی`),
/// with long enough stems that common words keep their meaning (`ایران` is not `ایر`, `کشتی` is not
/// `کشت`, `تنها` is not `تن`). A ZWNJ-joined suffix already matches through the split parts; this
/// matches the forms written without one (`موشکها`, `تحریمهای`).
enum PersianLightStemmer {
    /// Suffixes, longest first, each with the fewest letters its stem must keep.
    private static let suffixes: [(suffix: [Unicode.Scalar], minimumStem: Int)] = [
        ("هایی", 3), ("های", 3), ("ها", 3), ("یی", 3), ("ای", 3), ("ان", 4), ("ات", 4), ("ی", 4),
    ].map { (Array($0.0.unicodeScalars), $0.1) }

    static func stem(_ folded: String) -> String {
        let word = Array(folded.unicodeScalars)
        guard word.count > 3, ArabicScript.contains(folded) else { return folded }
        for (suffix, minimumStem) in suffixes {
            if let stripped = strippingSuffix(word, suffix, minimumStem: minimumStem) {
                var result = ""
                result.unicodeScalars.append(contentsOf: stripped)
                return result
            }
        }
        return folded
    }
}

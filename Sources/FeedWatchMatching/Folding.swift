import Foundation

/// How the tokenizer treats one Unicode scalar.
enum ScalarKind: UInt8 {
    /// Ends a word.
    case separator
    /// Part of a word; contributes its folded form.
    case letter
    /// Part of a word, contributes a folded digit (so `.` and `,` between digits join, as in `90,000`).
    case digit
    /// Inside a word but dropped: diacritics, tatweel, zero-width joiner, soft hyphen.
    case ignorable
    /// A hyphen or a zero-width non-joiner: splits the word into parts that are also indexed joined
    /// (`test-fire` ~ `testfire`, `موشک‌ها` ~ `موشکها`).
    case hyphen
    /// An apostrophe or typographic single quote: kept inside a word (`Iran's`, `Iran’s`).
    case apostrophe
    /// A Han, Hiragana or Katakana character: a word on its own.
    case ideograph
}

/// The folded form of one non-ASCII scalar: lower case, no diacritics, Arabic/Persian letters unified.
struct ScalarFold {
    var kind: ScalarKind
    var folded: [UInt8]
}

/// Case, diacritic and script folding shared by queries and articles.
enum Folding {
    /// Folds one non-ASCII scalar. ASCII is handled inline by the tokenizer.
    static func fold(_ scalar: Unicode.Scalar) -> ScalarFold {
        let value = scalar.value
        switch value {
        case 0x2019, 0x02BC, 0x2018, 0x02B9:
            return ScalarFold(kind: .apostrophe, folded: [UInt8(ascii: "'")])
        case 0x2010, 0x2011:
            return ScalarFold(kind: .hyphen, folded: [])
        case 0x200C:
            // A Persian zero-width non-joiner joins a suffix or prefix to its word (موشک‌ها): like a
            // hyphen, it splits the parts (so the bare word matches on its own) and indexes them joined.
            return ScalarFold(kind: .hyphen, folded: [])
        case 0x200D, 0x0640, 0x00AD, 0x2060, 0xFEFF:
            return ScalarFold(kind: .ignorable, folded: [])
        case 0x064A, 0x0649, 0x0626, 0x06D0:  // Arabic yeh, alef maksura, yeh with hamza → Persian yeh
            return letter("\u{06CC}")
        case 0x0643, 0x06AA:  // Arabic kaf, swash kaf → Persian keheh
            return letter("\u{06A9}")
        case 0x0622, 0x0623, 0x0625, 0x0671, 0x0672, 0x0673:  // alef with madda, hamza or wasla → bare alef
            return letter("\u{0627}")
        case 0x0629, 0x06C0, 0x06C1, 0x06D5:  // teh marbuta, heh with yeh above, heh goal → heh
            return letter("\u{0647}")
        case 0x0624:  // waw with hamza → waw
            return letter("\u{0648}")
        case 0x0660...0x0669:  // Arabic-Indic digits
            return ScalarFold(kind: .digit, folded: [UInt8(0x30 + value - 0x0660)])
        case 0x06F0...0x06F9:  // Extended Arabic-Indic (Persian) digits
            return ScalarFold(kind: .digit, folded: [UInt8(0x30 + value - 0x06F0)])
        default:
            break
        }
        if isDroppedMark(value) { return ScalarFold(kind: .ignorable, folded: []) }
        if isIdeograph(value) { return ScalarFold(kind: .ideograph, folded: Array(String(scalar).utf8)) }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber:
            return ScalarFold(kind: .digit, folded: Array(String(scalar).utf8))
        case .spacingMark, .nonspacingMark, .enclosingMark:
            // Marks outside the diacritic blocks carry meaning (Indic vowel signs): keep them.
            return ScalarFold(kind: .letter, folded: Array(String(scalar).utf8))
        default:
            break
        }
        guard properties.isAlphabetic else { return ScalarFold(kind: .separator, folded: []) }
        if usesDiacriticFolding(value) {
            let folded = String(scalar).folding(
                options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
            let kept = folded.unicodeScalars.filter { !isDroppedMark($0.value) }
            var text = ""
            text.unicodeScalars.append(contentsOf: kept)
            return ScalarFold(kind: .letter, folded: Array(text.lowercased().utf8))
        }
        return ScalarFold(kind: .letter, folded: Array(properties.lowercaseMapping.utf8))
    }

    private static func letter(_ text: String) -> ScalarFold {
        ScalarFold(kind: .letter, folded: Array(text.utf8))
    }

    /// Diacritics dropped everywhere: combining accents, Arabic harakat, Hebrew points.
    static func isDroppedMark(_ value: UInt32) -> Bool {
        switch value {
        case 0x0300...0x036F, 0x1AB0...0x1AFF, 0x1DC0...0x1DFF, 0x20D0...0x20FF, 0xFE20...0xFE2F,
             0x0591...0x05C7, 0x0610...0x061A, 0x064B...0x065F, 0x0670, 0x06D6...0x06DC, 0x06DF...0x06E4,
             0x06E7...0x06E8, 0x06EA...0x06ED:
            return true
        default:
            return false
        }
    }

    /// Scripts whose precomposed letters carry foldable accents (Latin, Greek, Cyrillic, full-width forms).
    private static func usesDiacriticFolding(_ value: UInt32) -> Bool {
        switch value {
        case 0x0080...0x058F, 0x1E00...0x1FFF, 0xFF00...0xFFEF: return true
        default: return false
        }
    }

    private static func isIdeograph(_ value: UInt32) -> Bool {
        switch value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FFFF: return true
        default: return false
        }
    }
}

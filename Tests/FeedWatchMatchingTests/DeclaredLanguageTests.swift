import FeedWatchMatching
import FeedWatchModel
import Testing

/// The feed's declared language chooses how an article's words are analysed, for a topic that
/// lists it (sentences in the style of BBC Persian, IRNA, Al Jazeera and Asharq Al-Awsat, written
/// for these tests). Persian news often writes plurals without a ZWNJ (`تحریمهای`), which only the
/// Persian stemmer reduces to `تحریم`; Arabic prefixes the article (`العقوبات`), which only the
/// Arabic stemmer strips. Arabic script is shared, so the script alone cannot tell them apart.
@Suite("Declared article language")
struct DeclaredLanguageTests {
    static let persian = (
        title: "تحریمهای تازه آمریکا علیه صنعت پهپادی ایران",
        body: "وزارت خزانه‌داری آمریکا روز سه‌شنبه از وضع تحریمهای تازه علیه شش شرکت سازنده قطعات پهپاد خبر داد.")
    static let arabic = (
        title: "واشنطن تفرض العقوبات على شركات الطائرات المسيرة",
        body: "أعلنت وزارة الخزانة الأمريكية فرض العقوبات على ست شركات إيرانية تصنع مكونات الطائرات المسيرة.")

    static func matcher(_ query: String, languages: [String]) throws -> TopicMatcher {
        try TopicMatcher(topics: [Topic(id: "t", name: "t", query: query, languages: languages)])
    }

    static func matches(_ matcher: TopicMatcher, _ text: (title: String, body: String), declared: String?) -> Bool {
        !matcher.matches(MatchDocument(title: text.title, body: text.body, language: declared)).isEmpty
    }

    @Test func aPersianArticleIsAnalysedAsPersianAndAnArabicOneAsArabic() throws {
        let matcher = try Self.matcher("تحریم OR عقوبات", languages: ["fa", "ar"])
        // Declared Persian: تحریمهای is تحریم + های; declared Arabic: light10 leaves تحریمها.
        #expect(Self.matches(matcher, Self.persian, declared: "fa"))
        #expect(Self.matches(matcher, Self.persian, declared: "fa-IR"))
        #expect(!Self.matches(matcher, Self.persian, declared: "ar"))
        // Declared Arabic: العقوبات is ال + عقوب + ات; declared Persian: only ات goes, leaving العقوب.
        #expect(Self.matches(matcher, Self.arabic, declared: "ar"))
        #expect(Self.matches(matcher, Self.arabic, declared: "AR_sa"))
        #expect(!Self.matches(matcher, Self.arabic, declared: "fa"))
        // Undeclared, or a language no topic knows: both analyses, as before.
        for declared in [nil, "", "tlh", "x-klingon", "de"] {
            #expect(Self.matches(matcher, Self.persian, declared: declared), "\(declared ?? "nil")")
            #expect(Self.matches(matcher, Self.arabic, declared: declared), "\(declared ?? "nil")")
        }
    }

    @Test func aTopicThatDoesNotListTheDeclaredLanguageAnalysesAsBefore() throws {
        // Only Arabic in the topic: a Persian-declared article is still read with the Arabic stemmer.
        let arabicOnly = try Self.matcher("عقوبات", languages: ["ar"])
        #expect(Self.matches(arabicOnly, Self.arabic, declared: "fa"))
        let english = try Self.matcher("missile", languages: ["en"])
        let french = (title: "Pyongyang tire deux missiles balistiques", body: "La Corée du Nord a tiré deux missiles.")
        #expect(Self.matches(english, french, declared: "fr"))
    }

    @Test func onlyWordsInTheDeclaredLanguagesScriptAreNarrowed() throws {
        // A Persian article quoting English: the English word is still analysed as English.
        let matcher = try Self.matcher("missile OR تحریم", languages: ["en", "fa", "ar"])
        let quoting = (title: "گزارش", body: "رسانه‌های آمریکایی از آزمایش missiles جدید خبر دادند")
        #expect(Self.matches(matcher, quoting, declared: "fa"))
        // An English article quoting Persian: the Persian word keeps both Arabic-script analyses.
        let english = (title: "Tehran reacts", body: "Officials called the تحریمهای new measures illegal")
        #expect(Self.matches(matcher, english, declared: "en"))
    }

    @Test func aLatinScriptArticleDeclaredGermanIsStemmedAsGerman() throws {
        let matcher = try Self.matcher("Rakete", languages: ["en", "de"])
        let german = (title: "Nordkorea feuert zwei Raketen ab", body: "Die Raketen landeten im Meer.")
        // German stems Raketen to raket; English leaves raketen (and stems Rakete to raket).
        #expect(Self.matches(matcher, german, declared: "de"))
        #expect(Self.matches(matcher, german, declared: "de-AT"))
        #expect(!Self.matches(matcher, german, declared: "en"))
        #expect(Self.matches(matcher, german, declared: nil))
    }

    @Test func phrasesNearAndNegationsUseTheDeclaredAnalysis() throws {
        let phrase = try Self.matcher("\"تحریم تازه\"", languages: ["fa", "ar"])
        #expect(Self.matches(phrase, Self.persian, declared: "fa"))
        #expect(!Self.matches(phrase, Self.persian, declared: "ar"))
        let near = try Self.matcher("عقوبات NEAR/3 شركات", languages: ["fa", "ar"])
        #expect(Self.matches(near, Self.arabic, declared: "ar"))
        #expect(!Self.matches(near, Self.arabic, declared: "fa"))
        // NOT reads the article the same way: declared Persian, العقوبات is not عقوبات.
        let negated = try Self.matcher("شركات -عقوبات", languages: ["fa", "ar"])
        #expect(!Self.matches(negated, Self.arabic, declared: "ar"))
        #expect(Self.matches(negated, Self.arabic, declared: "fa"))
    }

    @Test func theTrialTextAnalysisShowsTheDeclaredLanguagesKeys() throws {
        let matcher = try Self.matcher("تحریم", languages: ["fa", "ar"])
        let undeclared = try #require(matcher.analysis(ofTopic: "t", text: "تحریمهای"))
        #expect(undeclared.query.first?.keys == ["fa:تحریم", "ar:تحریم"])
        #expect(undeclared.text.first?.keys == ["=تحریمهای", "fa:تحریم", "ar:تحریمها"])
        let persian = try #require(matcher.analysis(ofTopic: "t", text: "تحریمهای", language: "fa"))
        #expect(persian.query.first?.keys == ["fa:تحریم"])
        #expect(persian.text.first?.keys == ["=تحریمهای", "fa:تحریم"])
        let arabic = try #require(matcher.analysis(ofTopic: "t", text: "تحریمهای", language: "ar"))
        #expect(arabic.text.first?.keys == ["=تحریمهای", "ar:تحریمها"])
    }
}

import FeedWatchMatching
import FeedWatchModel
import Testing

/// Persian and Arabic as news sites write them (sentences in the style of IRNA, BBC Persian,
/// Al Jazeera and Asharq Al-Awsat, written for these tests).
@Suite("Persian and Arabic matching")
struct PersianArabicTests {
    private static func matches(_ row: SemanticsCase) throws -> Bool {
        let matcher = try TopicMatcher(topics: [Topic(id: "t", name: "t", query: row.query, languages: row.languages)])
        return !matcher.matches(MatchDocument(title: row.title, body: row.body)).isEmpty
    }

    @Test("Arabic-script normalisation applies to every topic language", arguments: [
        SemanticsCase(query: "أمريكا", body: "قالت امريكا إن العقوبات ستستمر", matches: true, languages: ["en"]),
        SemanticsCase(query: "إيران", body: "اعلنت ايران عن تجربة صاروخية", matches: true, languages: ["fa"]),
        SemanticsCase(query: "آمریکا", body: "تحریم‌های جدید امریکا علیه ایران", matches: true, languages: ["fa"]),
        SemanticsCase(query: "القرآن", body: "تلاوة القران الكريم", matches: true, languages: ["en"]),
        SemanticsCase(query: "الذرية", body: "الوكالة الدولية للطاقه الذريه", matches: true, languages: ["en"]),
        SemanticsCase(query: "مستشفى", body: "نقل الجرحى إلى مستشفي المدينة", matches: true, languages: ["en"]),
        SemanticsCase(query: "رئيس", body: "رییس‌جمهور ایران در سفر به مسکو", matches: true, languages: ["fa"]),
        SemanticsCase(query: "۱۴۰۰", body: "in 1400 the budget", matches: true, languages: ["fa"]),
        SemanticsCase(query: "1403", body: "بودجه سال ۱۴۰۳ تصویب شد", matches: true, languages: ["en"]),
        SemanticsCase(query: "2024", body: "في عام ٢٠٢٤ أجرت إيران تجربة", matches: true, languages: ["ar"]),
        SemanticsCase(query: "صاروخ", body: "إطلاق صــاروخٍ باليستي", matches: true, languages: ["ar"]),
        SemanticsCase(query: "۱۴۰۰", body: "بودجه سال ۱۴۰۳ تصویب شد", matches: false, languages: ["fa"]),
    ])
    func normalisation(_ row: SemanticsCase) throws { #expect(try Self.matches(row) == row.matches) }

    @Test("Persian: ZWNJ-joined and written-together suffixes match the bare word", arguments: [
        SemanticsCase(query: "موشک", body: "آزمایش موشک‌های بالستیک ایران", matches: true, languages: ["fa"]),
        SemanticsCase(query: "موشک", body: "سپاه موشک‌ها را به نمایش گذاشت", matches: true, languages: ["fa"]),
        SemanticsCase(query: "موشک", body: "سپاه موشکها را به نمایش گذاشت", matches: true, languages: ["fa"]),
        SemanticsCase(query: "تحریم", body: "تحریم‌های جدید آمریکا علیه نفت ایران", matches: true, languages: ["fa"]),
        SemanticsCase(query: "تحریم", body: "تحریمهای جدید آمریکا علیه نفت ایران", matches: true, languages: ["fa"]),
        SemanticsCase(query: "تحریم‌ها", body: "آمریکا تحریم تازه‌ای وضع کرد", matches: true, languages: ["fa"]),
        SemanticsCase(query: "آمریکا", body: "واکنش مقام‌های آمریکایی به آزمایش", matches: true, languages: ["fa"]),
        SemanticsCase(query: "کودک", body: "کودکان در غزه", matches: true, languages: ["fa"]),
        SemanticsCase(query: "ایرانی", body: "دیپلمات‌های ایران در وین", matches: true, languages: ["fa"]),
        SemanticsCase(query: "\"موشک بالستیک\"", body: "آزمایش موشک‌های بالستیک ایران", matches: true, languages: ["fa"]),
        SemanticsCase(query: "\"تحریم‌های جدید\"", body: "تحریم‌های جدید آمریکا", matches: true, languages: ["fa"]),
        SemanticsCase(query: "میخواهم", body: "می‌خواهم", matches: true, languages: ["fa"]),
    ])
    func persianSuffixes(_ row: SemanticsCase) throws { #expect(try Self.matches(row) == row.matches) }

    @Test("Persian: light stemming makes no false matches; = keeps the literal form", arguments: [
        SemanticsCase(query: "ایر", body: "سفر وزیر خارجه ایران به پکن", matches: false, languages: ["fa"]),
        SemanticsCase(query: "کشت", body: "توقیف یک کشتی نفتکش در خلیج فارس", matches: false, languages: ["fa"]),
        SemanticsCase(query: "تن", body: "ایران تنها نیست", matches: false, languages: ["fa"]),
        SemanticsCase(query: "موشک", body: "آزمایش پهپاد جدید", matches: false, languages: ["fa"]),
        SemanticsCase(query: "=موشک", body: "آزمایش موشک‌های بالستیک", matches: true, languages: ["fa"]),
        SemanticsCase(query: "=موشک‌ها", body: "سپاه موشک‌ها را نشان داد", matches: true, languages: ["fa"]),
        SemanticsCase(query: "=موشک‌ها", body: "آزمایش یک موشک بالستیک", matches: false, languages: ["fa"]),
        SemanticsCase(query: "=موشکها", body: "آزمایش یک موشک بالستیک", matches: false, languages: ["fa"]),
    ])
    func persianNegatives(_ row: SemanticsCase) throws { #expect(try Self.matches(row) == row.matches) }

    @Test("Arabic: light10 prefixes and suffixes", arguments: [
        SemanticsCase(query: "عقوبات", body: "فرضت الولايات المتحدة العقوبات على إيران", matches: true, languages: ["ar"]),
        SemanticsCase(query: "العقوبات", body: "عقوبات جديدة على قطاع النفط", matches: true, languages: ["ar"]),
        SemanticsCase(query: "عقوبات", body: "ورفضت طهران العقوبة الأمريكية", matches: true, languages: ["ar"]),
        SemanticsCase(query: "عقوبات", body: "والعقوبات لن تغير موقفنا", matches: true, languages: ["ar"]),
        SemanticsCase(query: "عقوبات", body: "رفع العقوبات عن البنك المركزي", matches: true, languages: ["ar"]),
        SemanticsCase(query: "صاروخ", body: "أطلق الحرس الثوري الصاروخ فجر اليوم", matches: true, languages: ["ar"]),
        SemanticsCase(query: "الولايات المتحدة", body: "قالت الولايات المتحدة", matches: true, languages: ["ar"]),
        SemanticsCase(query: "متحدة", body: "الأمم المتحدة تدعو إلى ضبط النفس", matches: true, languages: ["ar"]),
        SemanticsCase(query: "كتاب", body: "صدر الكتاب بالعربية", matches: true, languages: ["ar"]),
        SemanticsCase(query: "مفاوض", body: "المفاوضون الإيرانيون في فيينا", matches: true, languages: ["ar"]),
        SemanticsCase(query: "للطاقة", body: "وكالة الطاقة الذرية", matches: true, languages: ["ar"]),
    ])
    func arabicStemming(_ row: SemanticsCase) throws { #expect(try Self.matches(row) == row.matches) }

    @Test("Arabic: short words do not collide; = keeps the literal form", arguments: [
        SemanticsCase(query: "طن", body: "حب الوطن من الإيمان", matches: false, languages: ["ar"]),
        SemanticsCase(query: "زن", body: "زيادة الوزن", matches: false, languages: ["ar"]),
        SemanticsCase(query: "كتاب", body: "كتب الصحفي مقالا", matches: false, languages: ["ar"]),
        SemanticsCase(query: "صاروخ", body: "طائرة مسيرة فوق الخليج", matches: false, languages: ["ar"]),
        SemanticsCase(query: "=عقوبات", body: "فرضت الولايات المتحدة العقوبات", matches: false, languages: ["ar"]),
        SemanticsCase(query: "=العقوبات", body: "فرضت الولايات المتحدة العقوبات", matches: true, languages: ["ar"]),
    ])
    func arabicNegatives(_ row: SemanticsCase) throws { #expect(try Self.matches(row) == row.matches) }

    @Test("One topic names its words in several languages and scripts", arguments: [
        SemanticsCase(query: "sanction* OR تحریم OR عقوبات", body: "New sanctions on Iran's oil", matches: true,
                      languages: ["en", "fa", "ar"]),
        SemanticsCase(query: "sanction* OR تحریم OR عقوبات", body: "تحریم‌های جدید آمریکا", matches: true,
                      languages: ["en", "fa", "ar"]),
        SemanticsCase(query: "sanction* OR تحریم OR عقوبات", body: "فرضت الولايات المتحدة العقوبات على إيران",
                      matches: true, languages: ["en", "fa", "ar"]),
        SemanticsCase(query: "sanction* OR تحریم OR عقوبات", body: "Talks resume in Vienna", matches: false,
                      languages: ["en", "fa", "ar"]),
        SemanticsCase(query: "missile OR موشک OR صاروخ", body: "Two missiles were fired", matches: true,
                      languages: ["en", "fa", "ar"]),
        SemanticsCase(query: "missile OR موشک OR صاروخ", body: "إطلاق الصواريخ", matches: false,
                      languages: ["en", "fa", "ar"]),
        SemanticsCase(query: "missile OR موشک OR صاروخ", body: "أطلق الصاروخ", matches: true,
                      languages: ["en", "fa", "ar"]),
        SemanticsCase(query: "missiles", body: "a missile", matches: true, languages: ["fa", "en"]),
        SemanticsCase(query: "missiles", body: "a missile", matches: false, languages: ["fa"]),
    ])
    func mixedTopics(_ row: SemanticsCase) throws { #expect(try Self.matches(row) == row.matches) }

    @Test("Evidence in Persian is highlighted on whole words")
    func persianSnippet() throws {
        let matcher = try TopicMatcher(topics: [Topic(id: "t", name: "t", query: "تحریم", languages: ["fa"])])
        let body = "به گزارش خبرگزاری‌ها، تحریم‌های جدید آمریکا علیه صنعت نفت و پتروشیمی ایران امروز اعلام شد."
        let hit = try #require(matcher.matches(MatchDocument(title: "", body: body)).first)
        let snippet = try #require(hit.snippets.first)
        let highlighted = snippet.parts.filter(\.highlighted).map(\.text)
        #expect(highlighted == ["تحریم\u{200C}های"])
        #expect(snippet.parts.map(\.text).joined().contains("آمریکا"))
    }

    @Test("The analysis shows the tokens each side produced")
    func analysisTokens() throws {
        let matcher = try TopicMatcher(topics: [
            Topic(id: "t", name: "t", query: "sanction* OR تحریم OR عقوبات", languages: ["en", "fa", "ar"]),
        ])
        let analysis = try #require(matcher.analysis(ofTopic: "t", text: "تحریم‌های جدید"))
        #expect(analysis.query.map(\.keys) == [["*sanction"], ["fa:تحریم", "ar:تحریم"], ["fa:عقوب", "ar:عقوب"]])
        #expect(analysis.text.map(\.written) == ["تحریم", "های", "تحریم\u{200C}های", "جدید"])
        #expect(analysis.text.map(\.isJoined) == [false, false, true, false])
        #expect(analysis.text[2].keys.contains("fa:تحریم"))
        #expect(matcher.analysis(ofTopic: "other", text: "x") == nil)
    }

    @Test("Evidence in Arabic is highlighted on whole words")
    func arabicSnippet() throws {
        let matcher = try TopicMatcher(topics: [Topic(id: "t", name: "t", query: "عقوبات", languages: ["ar"])])
        let body = "فرضت الولايات المتحدة العقوبات على إيران بسبب برنامجها الصاروخي"
        let hit = try #require(matcher.matches(MatchDocument(title: "", body: body)).first)
        #expect(hit.snippets.first?.parts.filter(\.highlighted).map(\.text) == ["العقوبات"])
    }

    @Test("A snippet that would start at a ZWNJ-joined suffix starts at its whole word")
    func snippetStartsOnWholeWord() throws {
        let matcher = try TopicMatcher(topics: [Topic(id: "t", name: "t", query: "تحریم", languages: ["fa"])])
        // موشک is word 0 and های word 1; the hit is word 11, so the window starts 10 words earlier, at های.
        let filler = Array(repeating: "خبر", count: 9).joined(separator: " ")
        let after = Array(repeating: "گزارش", count: 30).joined(separator: " ")
        let body = "موشک‌های \(filler) تحریم \(after)"
        let hit = try #require(matcher.matches(MatchDocument(title: "", body: body)).first)
        let text = try #require(hit.snippets.first).parts.map(\.text).joined()
        #expect(text.hasPrefix("… موشک\u{200C}های خبر"), "\(text)")
    }
}

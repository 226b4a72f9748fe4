import Foundation
import FeedWatchDigest
import FeedWatchModel

/// Digests the renderer tests share: a realistic one to look at, and one written by an attacker.
enum DigestFixtures {
    static let berlin = DigestClock(timeZoneIdentifier: "Europe/Berlin")!

    static func snippet(_ parts: [(String, Bool)]) -> Snippet {
        Snippet(parts: parts.map { Snippet.Part(text: $0.0, highlighted: $0.1) })
    }

    /// Two topics, a story reported twice, an item without link, non-ASCII text.
    static var sample: Digest {
        let missiles = TopicReference(id: "missile-tests", name: "Missile tests")
        let sanctions = TopicReference(id: "sanctions", name: "Sanctions")
        let khamenei = Digest.Item(
            articleID: 1, title: "Khamenei Pushes Iranian Missile Program, More Conflict with West",
            link: "https://www.iranfocus.com/en/nuclear/khamenei-pushes-missile-program", feedName: "Iran Focus",
            published: Date(timeIntervalSince1970: 1_458_639_000), score: 3.25,
            snippets: [snippet([
                ("Iran's Revolutionary Guards carried out the test-launch of a nuclear-capable ", false),
                ("ballistic missile", true), (", in violation of UN Security Council resolutions.", false),
            ])])
        let copy = Digest.Item(
            articleID: 2, title: "Khamenei pushes Iranian missile program — more conflict with West!",
            link: "https://news.example.net/khamenei", feedName: "Agence Exemple", published: nil, score: 1, snippets: [])
        let launch = Digest.Item(
            articleID: 3, title: "Nordkorea testet erneut Rakete über dem Japanischen Meer",
            link: "https://example.de/nk-rakete", feedName: "Beispiel-Zeitung",
            published: Date(timeIntervalSince1970: 1_458_700_000), score: 1.5,
            snippets: [snippet([("Pjöngjang hat nach Angaben Südkoreas eine ", false), ("Rakete", true), (" getestet.", false)])])
        let eu = Digest.Item(
            articleID: 4, title: "EU extends sanctions on Iranian officials for another year", link: nil, feedName: "EU Observer",
            published: Date(timeIntervalSince1970: 1_458_650_000), score: 2,
            snippets: [snippet([("The Council decided to extend the ", false), ("sanctions", true), (" until April 2017.", false)])])
        return Digest(
            day: "2016-03-23", timeZone: "Europe/Berlin", created: Date(timeIntervalSince1970: 1_458_712_800),
            sections: [
                Digest.Section(topic: missiles, items: [khamenei, copy, launch]),
                Digest.Section(topic: sanctions, items: [khamenei, eu]),
            ])
    }

    /// Persian and Arabic news mixed with English (written for these tests in the style of BBC
    /// Persian, Al Jazeera and a wire service; snippets as the matcher cuts them), topic names in
    /// two scripts, a story under two topics, and a title carrying stray bidi controls.
    static var rightToLeft: Digest {
        let missiles = TopicReference(id: "missile-tests", name: "Missile tests · آزمایش موشکی")
        let sanctions = TopicReference(id: "sanctions", name: "Sanctions · تحریم‌ها · العقوبات")
        let persian = Digest.Item(
            articleID: 11, title: "سپاه از آزمایش موفق موشک بالستیک «خیبرشکن» خبر داد؛ واکنش آمریکا (ویدئو)",
            link: "https://fa.news.example/1", feedName: "بی‌بی‌سی فارسی (نمونه)",
            published: Date(timeIntervalSince1970: 1_458_639_000), score: 2.5,
            snippets: [snippet([
                ("… گزارش خبرگزاری‌ها، سپاه پاسداران روز پنجشنبه اعلام کرد که ", false), ("موشک‌های", true),
                (" بالستیک جدید با برد ۱۴۵۰ کیلومتر را با موفقیت آزمایش کرده است. سخنگوی وزارت خارجه آمریکا این آزمایش …", false),
            ])],
            alsoReportedBy: [Digest.Link(feedName: "الجزيرة (نموذج)", url: "https://ar.news.example/1",
                                         title: "الحرس الثوري يعلن اختبار صاروخ باليستي جديد… وواشنطن تندد!")])
        let english = Digest.Item(
            articleID: 12, title: "Iran's Guards test-fire new ballistic missile; U.S. weighs sanctions",
            link: "https://en.news.example/1", feedName: "World Wire", published: Date(timeIntervalSince1970: 1_458_641_000),
            score: 2,
            snippets: [snippet([
                ("… Guards said on Thursday they had successfully tested a new ", false), ("ballistic missile", true),
                (" with a range of 1,450 km. The slogan «مرگ بر آمریکا» was painted on its side, state TV …", false),
            ])])
        let arabic = Digest.Item(
            articleID: 13, title: "الاتحاد الأوروبي يفرض العقوبات على 8 كيانات إيرانية بسبب المسيّرات",
            link: "https://ar.news.example/2", feedName: "الجزيرة (نموذج)", published: Date(timeIntervalSince1970: 1_458_650_000),
            score: 2,
            snippets: [snippet([
                ("اعتمد مجلس الاتحاد الأوروبي، الاثنين، حزمة جديدة من ", false), ("العقوبات", true),
                (" تستهدف ثمانية كيانات وستة أفراد إيرانيين بسبب نقل طائرات مسيّرة وصواريخ إلى روسيا. وقال جوزيب بوريل إن ", false),
                ("العقوبات", true), (" تشمل حظر السفر …", false),
            ])])
        let spoof = Digest.Item(
            articleID: 14, title: "تحریمهای جدید \u{2069}\u{202E}علیه ۸ نهاد ایرانی", link: "https://fa.news.example/2",
            feedName: "بی‌بی‌سی فارسی (نمونه)", published: nil, score: 1,
            snippets: [snippet([("… شورای اتحادیه اروپا روز دوشنبه ", false), ("تحریمهای", true), (" جدیدی را تصویب کرد.", false)])])
        return Digest(
            day: "2016-03-23", timeZone: "Europe/Berlin", created: Date(timeIntervalSince1970: 1_458_712_800),
            sections: [
                Digest.Section(topic: missiles, items: [persian, english, spoof]),
                Digest.Section(topic: sanctions, items: [spoof, arabic, english]),
            ])
    }

    /// Every string a feed controls carries a payload.
    static var hostile: Digest {
        let topic = TopicReference(id: "x\"><script>alert('id')</script>", name: "<img src=x onerror=alert('topic')>")
        let item = Digest.Item(
            articleID: 66, title: "<script>alert('title')</script><b onmouseover=\"alert(1)\">bold</b> & ]]> \u{1}\u{7}",
            link: "javascript:alert('link')", feedName: "<iframe src=\"https://evil.example/\"></iframe>",
            published: Date(timeIntervalSince1970: 1_458_639_000), score: 1,
            snippets: [snippet([
                ("</blockquote></article><style>body{display:none}</style>", false),
                ("<svg/onload=alert('mark')>", true), ("<a href=\"data:text/html;base64,PHNjcmlwdD4=\">click</a>", false),
            ])],
            alsoReportedBy: [
                Digest.Link(feedName: "<script>alert('also')</script>", url: "data:text/html,<script>alert(1)</script>"),
                Digest.Link(feedName: "Quote breaker", url: "https://ok.example/\" onclick=\"alert(1)"),
                Digest.Link(feedName: "Fine source", url: "https://fine.example/story?a=1&b=2"),
            ])
        let tracker = Digest.Item(
            articleID: 67, title: "Pixel <img src=\"https://tracker.example/p.gif\">", link: "JaVaScRiPt:alert(2)",
            feedName: "Tracker", published: nil, score: 0.5,
            snippets: [snippet([("<img src=https://tracker.example/q.gif>", true)])])
        let vbs = Digest.Item(
            articleID: 68, title: "Odd schemes", link: " https://spaced.example/", feedName: "Spaces", published: nil, score: 0.25,
            snippets: [])
        return Digest(
            day: "2016-03-22", timeZone: "Europe/Berlin", created: Date(timeIntervalSince1970: 1_458_630_000),
            sections: [Digest.Section(topic: topic, items: [item, tracker, vbs])])
    }

    /// What the sample's page says besides its matches: the period since the previous
    /// digest, its neighbours, and a health report with one feed of each kind of trouble.
    static var sampleContext: DigestContext {
        DigestContext(
            since: Date(timeIntervalSince1970: 1_458_712_800 - 86400), health: DigestHealth(
                failing: [DigestHealth.Failing(
                    feedName: "Defense Desk", lastSuccess: Date(timeIntervalSince1970: 1_458_600_000), errorCount: 3,
                    error: "HTTP 503 from defense.example")],
                disabled: [DigestHealth.Disabled(feedName: "Old Wire", reason: "HTTP 410 Gone from wire.example: the publisher removed this feed")],
                silent: [DigestHealth.Silent(feedName: "Weekly Review", lastEntry: Date(timeIntervalSince1970: 1_457_000_000), usualGap: 7 * 3600)],
                pendingMatches: 2, feedCount: 12),
            previousDay: "2016-03-22", nextDay: "2016-03-24")
    }

    /// A health report whose feed names and errors carry payloads too.
    static var hostileContext: DigestContext {
        DigestContext(
            since: Date(timeIntervalSince1970: 1_458_630_000 - 3 * 86400), health: DigestHealth(
                failing: [DigestHealth.Failing(
                    feedName: "<script>alert('feed')</script>", lastSuccess: nil, errorCount: 1,
                    error: "parser: not a feed: <img src=x onerror=alert('error')> & \\[x](javascript:y)")],
                disabled: [DigestHealth.Disabled(feedName: "*bold* _feed_", reason: "</li></ul><script>alert(1)</script>")],
                feedCount: 2))
    }
}

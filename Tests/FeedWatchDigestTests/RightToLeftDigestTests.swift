import Foundation
import FeedWatchDigest
import FeedWatchModel
import Testing

/// Persian and Arabic in a digest read in their own direction without disturbing the English
/// around them (looked at in headless Chromium: `make screenshot-digest`, page `rtl`).
@Suite struct RightToLeftDigestTests {
    static let clock = DigestFixtures.berlin
    static let digest = DigestStories.mergeDuplicates(DigestFixtures.rightToLeft)

    @Test func htmlIsolatesNamesAndTitlesInsideEnglishLines() {
        let html = HTMLDigestRenderer(clock: Self.clock).render(Self.digest, context: DigestContext())
        // The count after a topic name ending in Persian stays after it (it joined the Persian run).
        #expect(html.contains("<li><a href=\"#topic-missile-tests\"><bdi>Missile tests · آزمایش موشکی</bdi></a> <span class=\"count\">3</span></li>"))
        #expect(html.contains("<h2><bdi>Sanctions · تحریم‌ها · العقوبات</bdi> <span class=\"count\">3</span></h2>"))
        // The feed's name is isolated: a time after an Arabic-script name stays after it.
        #expect(html.contains("<p class=\"meta\"><bdi class=\"source\">بی‌بی‌سی فارسی (نمونه)</bdi> · <time"))
        // A reference line is English with the title isolated, not a right-to-left line.
        #expect(html.contains("<p class=\"ref\"><bdi><a href=\"https://fa.news.example/2\""))
        #expect(!html.contains("class=\"ref\" dir="))
        #expect(html.contains("Also reported by <bdi>الجزيرة (نموذج)</bdi>: <a href=\"https://ar.news.example/1\" rel=\"noopener noreferrer\"><bdi>"))
        // Titles and snippets take their own direction; the quote bar sits at the start of either.
        #expect(html.contains("<h3 dir=\"auto\"><a href=\"https://fa.news.example/1\""))
        #expect(html.contains("<blockquote dir=\"auto\">… گزارش خبرگزاری‌ها"))
        #expect(html.contains("border-inline-start:3px solid var(--rule);border-inline-end:0"))
        // A feed's stray PDI would close the isolate and its RLO reverse the rest of the line.
        #expect(!html.unicodeScalars.contains { $0.value == 0x2069 || $0.value == 0x202E })
        #expect(html.contains("<p class=\"ref\"><bdi><a href=\"https://fa.news.example/2\" rel=\"noopener noreferrer\">تحریمهای جدید علیه ۸ نهاد ایرانی</a></bdi>"))
    }

    @Test func theTextPartIsolatesRightToLeftNamesOnEnglishLines() {
        let text = PlainTextDigestRenderer(clock: Self.clock).render(Self.digest, context: DigestContext())
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains("\u{2068}Missile tests · آزمایش موشکی\u{2069} (3)"))
        // Underlined to the visible width (the isolate marks take no room).
        let index = lines.firstIndex(of: "\u{2068}Missile tests · آزمایش موشکی\u{2069} (3)") ?? 0
        #expect(lines[index + 1] == String(repeating: "=", count: "Missile tests · آزمایش موشکی (3)".count))
        #expect(lines.contains { $0.hasPrefix("  \u{2068}بی‌بی‌سی فارسی (نمونه)\u{2069} · ") && $0.hasSuffix(" · id 11") })
        // The feed's stray PDI and RLO are dropped, so they neither close the isolate nor reverse the line.
        #expect(lines.contains("* \u{2068}تحریمهای جدید علیه ۸ نهاد ایرانی\u{2069} (also under \u{2068}Missile tests · آزمایش موشکی\u{2069}; id 14)"))
        #expect(!text.unicodeScalars.contains { $0.value == 0x202E })
        // English stays as it was: no isolate marks around an English title or name.
        #expect(lines.contains("* Iran's Guards test-fire new ballistic missile; U.S. weighs sanctions"))
        #expect(lines.contains { $0.hasPrefix("  World Wire · ") })
        // A title alone on its line and the snippets are left to take their own direction.
        #expect(lines.contains("* سپاه از آزمایش موفق موشک بالستیک «خیبرشکن» خبر داد؛ واکنش آمریکا (ویدئو)"))
    }

    @Test func markdownKeepsPersianTitlesInWorkingLinks() {
        let markdown = MarkdownDigestRenderer(clock: Self.clock).render(Self.digest, context: DigestContext())
        #expect(markdown.contains("### [سپاه از آزمایش موفق موشک بالستیک «خیبرشکن» خبر داد؛ واکنش آمریکا \\(ویدئو\\)](<https://fa.news.example/1>)")
            || markdown.contains("### [سپاه از آزمایش موفق موشک بالستیک «خیبرشکن» خبر داد؛ واکنش آمریکا (ویدئو)](<https://fa.news.example/1>)"))
        #expect(markdown.contains("**موشک‌های**"))
        #expect(!markdown.unicodeScalars.contains { $0.value == 0x2069 || $0.value == 0x202E })
        #expect(markdown.contains("تحریمهای جدید علیه ۸ نهاد ایرانی"))
    }
}

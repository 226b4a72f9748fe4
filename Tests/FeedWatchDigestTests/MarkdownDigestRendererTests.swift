import Foundation
import FeedWatchDigest
import FeedWatchModel
import FeedWatchTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct MarkdownDigestRendererTests {
    let berlin = DigestClock(timeZoneIdentifier: "Europe/Berlin")!

    func digest(title: String = "Khamenei Pushes Iranian Missile Program", link: String? = "https://example.org/a") -> Digest {
        let snippet = Snippet(parts: [
            .init(text: "carried out the test-launch of a nuclear-capable ", highlighted: false),
            .init(text: "ballistic missile", highlighted: true),
            .init(text: ", in violation", highlighted: false),
        ])
        let item = Digest.Item(
            articleID: 1, title: title, link: link, feedName: "Iran Focus",
            published: Date(timeIntervalSince1970: 1_458_639_000), score: 2.5, snippets: [snippet])
        return Digest(
            day: "2016-03-22", timeZone: "Europe/Berlin", created: Date(timeIntervalSince1970: 1_458_630_000),
            sections: [Digest.Section(topic: TopicReference(id: "missile-tests", name: "Missile tests"), items: [item])])
    }

    @Test func rendersTopicArticleSourceTimeAndHighlightedSnippet() {
        let text = MarkdownDigestRenderer(clock: berlin).render(digest())
        #expect(text.hasPrefix("# feedwatch digest for 2016-03-22\n"))
        #expect(text.contains("## Missile tests"))
        #expect(text.contains("### [Khamenei Pushes Iranian Missile Program](<https://example.org/a>)"))
        // 09:30 UTC is 10:30 in Berlin in March (CET, before the DST change).
        #expect(text.contains("*Iran Focus* · 2016-03-22 10:30 "))
        #expect(text.contains("> carried out the test-launch of a nuclear-capable **ballistic missile**, in violation"))
    }

    @Test func isDeterministic() {
        let renderer = MarkdownDigestRenderer(clock: berlin)
        #expect(renderer.render(digest()) == renderer.render(digest()))
    }

    @Test func feedTextCannotInjectMarkupOrScriptLinks() {
        let text = MarkdownDigestRenderer(clock: berlin).render(
            digest(title: "<script>alert(1)</script> [click](javascript:alert(1))", link: "javascript:alert(1)"))
        #expect(!text.contains("<script>"))
        // Every link target the renderer emits is an http(s) URL in angle brackets; feed text
        // that looks like a link has its brackets escaped.
        var rest = Substring(text)
        while let range = rest.range(of: "](") {
            let escaped = range.lowerBound > rest.startIndex && rest[rest.index(before: range.lowerBound)] == "\\"
            #expect(escaped || rest[range.upperBound...].hasPrefix("<http") || rest[range.upperBound...].hasPrefix("#topic-"))
            rest = rest[range.upperBound...]
        }
        #expect(!text.contains("<javascript:"))
        #expect(text.contains("&lt;script&gt;"))
    }

    @Test func emptyDigestSaysSo() {
        let empty = Digest(day: "2026-11-29", timeZone: "UTC", created: Date(timeIntervalSince1970: 0), sections: [])
        #expect(MarkdownDigestRenderer(clock: berlin).render(empty).contains("Nothing new matched"))
    }

    @Test func dayFollowsTheDigestTimeZone() {
        // 23:30 UTC on 28 Nov is already 29 Nov in Berlin and still 28 Nov in New York.
        let moment = Date(timeIntervalSince1970: 1_795_908_600)
        #expect(DigestClock(timeZoneIdentifier: "UTC")!.day(of: moment) == "2026-11-28")
        #expect(berlin.day(of: moment) == "2026-11-29")
        #expect(DigestClock(timeZoneIdentifier: "America/New_York")!.day(of: moment) == "2026-11-28")
    }
}

@Suite struct AtomicFileWriterTests {
    @Test func writesAndReplacesWithoutLeavingTemporaryFiles() throws {
        let directory = try TemporaryDirectory(prefix: "fw-digest")
        // A directory the writer has to create.
        let dir = directory.path + "/digests"
        let path = dir + "/2026-11-29.md"
        try AtomicFileWriter.write("first", to: path)
        try AtomicFileWriter.write("second", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["2026-11-29.md"])
    }

    /// Issue 15, item 7: in a shared digest directory another user plants symlinks where the
    /// writer used to put its temporary file (`path.tmp-<pid>`) and at the digest's own name;
    /// neither makes the writer touch the file they point to.
    @Test func plantedSymlinksNeverRedirectTheWrite() throws {
        let directory = try TemporaryDirectory(prefix: "fw-symlink")
        let victim = directory.path + "/victim"
        try "precious".write(toFile: victim, atomically: false, encoding: .utf8)
        #expect(chmod(victim, 0o600) == 0)
        let digests = directory.path + "/digests"
        try FileManager.default.createDirectory(atPath: digests, withIntermediateDirectories: false)
        let path = digests + "/2026-12-04.md"
        try FileManager.default.createSymbolicLink(atPath: path + ".tmp-\(getpid())", withDestinationPath: victim)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: victim)
        try AtomicFileWriter.write("the digest", to: path, mode: AtomicFileWriter.digestFileMode)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious")
        var info = stat()
        #expect(stat(victim, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG, "the digest is a file of its own")
        #expect(info.st_mode & 0o777 == 0o640)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "the digest")
        // The writer's own temporary files are gone; the planted link is left alone.
        let names = try FileManager.default.contentsOfDirectory(atPath: digests).sorted()
        #expect(names == ["2026-12-04.md", "2026-12-04.md.tmp-\(getpid())"])
    }

    /// A replaced file keeps its mode; `followSymlink` (the configuration) replaces the file a
    /// link points to and keeps the link.
    @Test func aSymlinkedPrivateConfigurationStaysBoth() throws {
        let directory = try TemporaryDirectory(prefix: "fw-config-link")
        let target = directory.path + "/real.toml"
        try "a = 1".write(toFile: target, atomically: false, encoding: .utf8)
        #expect(chmod(target, 0o600) == 0)
        let link = directory.path + "/feedwatch.toml"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        try AtomicFileWriter.write("a = 2", to: link, followSymlink: true)
        var info = stat()
        #expect(lstat(link, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK)
        #expect(stat(target, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(try String(contentsOfFile: link, encoding: .utf8) == "a = 2")
    }

    @Test func anUnwritableDirectoryGivesAClearError() throws {
        let directory = try TemporaryDirectory(prefix: "fw-ro")
        // A regular file where the directory should be makes the write fail even for root.
        let blocker = directory.path + "/digests"
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        #expect {
            try AtomicFileWriter.write("x", to: blocker + "/2026-11-29.md")
        } throws: { error in
            "\(error)".contains("cannot write \(blocker)/2026-11-29.md")
        }
    }
}

import Foundation
import FeedWatchDigest
import FeedWatchModel
import FeedWatchTestSupport
import Testing

/// Digest files are rendered straight to disk through a bounded buffer: a day of tens of
/// thousands of matches never exists in memory as a file, and what is published stays
/// atomic (old file or new, nothing published lost on a failure).
@Suite struct DigestStreamingTests {
    /// A busy day: `items` distinct stories over three topics, each with a snippet, and one
    /// story carried by `copies` feeds (folded into one item with a long "also reported by").
    static func busyDay(items: Int, copies: Int) -> Digest {
        let topics = ["missiles", "sanctions", "shipping"].map { TopicReference(id: $0, name: $0.capitalized) }
        var sections = topics.map { Digest.Section(topic: $0, items: []) }
        for n in 0..<items {
            let item = Digest.Item(
                articleID: Int64(n), title: "Story number \(n) about <\(topics[n % 3].name)> & its \"consequences\"",
                link: "https://news.example/\(n)?a=1&b=2", feedName: "Feed \(n % 97)",
                published: Date(timeIntervalSince1970: 1_764_800_000 + Double(n)), score: Double(n % 7) / 3,
                snippets: [DigestFixtures.snippet([("The ", false), ("missile", true), (" test number \(n) was seen from the coast.", false)])])
            sections[n % 3].items.append(item)
        }
        // First in its topic, so the topic's feed (its first 200 stories) carries it too.
        let wire = (0..<copies).map { copy in
            Digest.Item(
                articleID: Int64(items + copy), title: "One wire story carried everywhere", link: "https://wire.example/story",
                feedName: "Syndicate \(copy)", published: nil, score: 1, snippets: [])
        }
        sections[0].items = wire + sections[0].items
        return Digest(day: "2026-12-04", timeZone: "Europe/Berlin", created: Date(timeIntervalSince1970: 1_764_860_000), sections: sections)
    }

    static func publisher(_ directory: String) -> DigestPublisher {
        var settings = DigestPublisher.Settings(directory: directory, formats: DigestFormat.allCases, atomEntries: 2)
        settings.topics = ["missiles", "sanctions", "shipping"].map { TopicReference(id: $0, name: $0.capitalized) }
        return DigestPublisher(settings: settings, clock: DigestFixtures.berlin)
    }

    /// Every file of a day whose HTML and JSON run to megabytes is written holding at most
    /// the 64 KiB buffer of it at once (a renderer that built a file, a page body, an Atom
    /// entry or a long "also reported by" as one string would hand over megabytes), and the
    /// bytes are exactly those rendered as text.
    @Test func aBusyDayIsWrittenThroughABoundedBuffer() throws {
        let temporary = try TemporaryDirectory(prefix: "fw-stream")
        let publisher = Self.publisher(temporary.path)
        let day = Self.busyDay(items: 6_000, copies: 3_000)
        let edition = DigestEdition(digest: day, listed: [DigestSummary(day: day.day, matchCount: day.matchCount, created: day.created)])
        let bound = 64 * 1024
        let written = try publisher.publish(edition, bufferSize: bound)
        let expected = publisher.outputs(for: edition)
        #expect(written.map(\.path) == expected.map(\.path))
        for (file, text) in zip(written, expected) {
            #expect(file.largestHeld <= bound, "\(file.path) held \(file.largestHeld) bytes at once")
            #expect(try Data(contentsOf: URL(fileURLWithPath: file.path)) == Data(text.contents.utf8), "\(file.path)")
            #expect(file.byteCount == text.contents.utf8.count)
        }
        // The bound means something: the big files are many times the buffer.
        for name in ["2026-12-04.html", "2026-12-04.json", "2026-12-04.md", "digests.atom", "topics/missiles.atom"] {
            let size = try #require(written.first { $0.path.hasSuffix("/" + name) }).byteCount
            #expect(size > (name.hasPrefix("topics/") ? 2 : 20) * bound, "\(name): \(size) bytes")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path).allSatisfy { !$0.contains(".tmp-") })
    }

    /// A file that cannot be published (its name is taken by a directory) stops the
    /// publication with an error naming it; the files published before it are complete, the
    /// earlier day's files not reached yet are as they were, and no temporary file is left.
    @Test func aFailedFileLosesNothingPublished() throws {
        let temporary = try TemporaryDirectory(prefix: "fw-stream-fail")
        let publisher = Self.publisher(temporary.path)
        var first = Self.busyDay(items: 300, copies: 5)
        first.day = "2026-12-03"
        let firstSummary = DigestSummary(day: first.day, matchCount: first.matchCount, created: first.created)
        let before = try publisher.publish(DigestEdition(digest: first, listed: [firstSummary]))
        func contents(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: temporary.path + "/" + name)) }
        let atomBefore = try contents("digests.atom")

        let second = Self.busyDay(items: 600, copies: 5)
        try FileManager.default.createDirectory(atPath: temporary.path + "/2026-12-04.json/kept", withIntermediateDirectories: true)
        let listed = [DigestSummary(day: second.day, matchCount: second.matchCount, created: second.created), firstSummary]
        let edition = DigestEdition(digest: second, listed: listed, stored: [first.day: first])
        #expect(throws: DigestWriteError.self) { try publisher.publish(edition) }
        do {
            _ = try publisher.publish(edition)
        } catch {
            #expect(error.path.hasSuffix("/2026-12-04.json"), "\(error)")
        }
        let expected = Dictionary(uniqueKeysWithValues: publisher.outputs(for: edition).map { ($0.path, $0.contents) })
        // Written before the failure: complete, as rendered.
        for name in ["2026-12-04.md", "2026-12-04.html", "index.html", "2026-12-03.html"] {
            #expect(try contents(name) == Data(try #require(expected[temporary.path + "/" + name]).utf8), "\(name)")
        }
        // Not reached: the earlier day's feed as it was; the directory in the way untouched.
        #expect(try contents("digests.atom") == atomBefore)
        #expect(before.contains { $0.path.hasSuffix("/digests.atom") })
        #expect(FileManager.default.fileExists(atPath: temporary.path + "/2026-12-04.json/kept"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path).allSatisfy { !$0.contains(".tmp-") })
    }

    /// A stream given up before it is committed (discarded, or dropped) leaves the old file
    /// as it was and no temporary file.
    @Test func anUncommittedStreamChangesNothing() throws {
        let temporary = try TemporaryDirectory(prefix: "fw-stream-discard")
        let path = temporary.path + "/kept.html"
        try AtomicFileWriter.write("the old file\n", to: path, mode: AtomicFileWriter.digestFileMode)
        let big = String(repeating: "new text that never lands\n", count: 40_000)
        let stream = try AtomicFileStream(path: path, mode: AtomicFileWriter.digestFileMode, comparing: true, bufferSize: 4096)
        stream.write(big)
        #expect(stream.largestBuffered <= 4096 && stream.byteCount == big.utf8.count)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path).count == 2)
        stream.discard()
        do {
            let dropped = try AtomicFileStream(path: path, mode: AtomicFileWriter.digestFileMode)
            dropped.write(big)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "the old file\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path) == ["kept.html"])
    }

    /// The streaming comparison finds a file unchanged only when every byte and the length
    /// match: a longer or shorter old file, or one differing in a single byte at or across a
    /// buffer boundary, is replaced; an identical one keeps its inode and mtime.
    @Test(arguments: [1, 3, 7, 64])
    func anUnchangedFileIsFoundByComparingAsItIsWritten(bufferSize: Int) throws {
        let temporary = try TemporaryDirectory(prefix: "fw-stream-compare")
        let path = temporary.path + "/file.md"
        let new = "0123456789abcdefghijklmnopqrstuvwxyz-é-موشک\n"
        var olds = [new, new + "x", String(new.dropLast()), "", new.replacingOccurrences(of: "z", with: "Z")]
        for index in [0, 6, 7, 20, 21, new.utf8.count - 1] {
            var bytes = Array(new.utf8)
            bytes[index] ^= 0x01
            olds.append(String(decoding: bytes, as: UTF8.self))
        }
        for old in olds {
            try AtomicFileWriter.write(old, to: path, mode: AtomicFileWriter.digestFileMode)
            let before = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
            let stream = try AtomicFileStream(path: path, mode: AtomicFileWriter.digestFileMode, comparing: true, bufferSize: bufferSize)
            for character in new { stream.write(String(character)) }
            let unchanged = try stream.commit()
            let after = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
            #expect(unchanged == (Array(old.utf8) == Array(new.utf8)), "old \(old.debugDescription)")
            #expect((before == after) == unchanged)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == new)
        }
        // Another mode is not "the same file": it is replaced, with the digest mode.
        try AtomicFileWriter.write(new, to: path, mode: 0o600)
        let stream = try AtomicFileStream(path: path, mode: AtomicFileWriter.digestFileMode, comparing: true, bufferSize: bufferSize)
        stream.write(new)
        #expect(try stream.commit() == false)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == Int(AtomicFileWriter.digestFileMode))
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path) == ["file.md"])
    }
}

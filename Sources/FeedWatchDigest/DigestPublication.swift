import Foundation
import FeedWatchModel

/// One publication of a day's files, fed the day's stories one at a time: every file that
/// lists the day (its Markdown, HTML and JSON files, the Atom feeds whose newest entry it is)
/// is open at once and takes each story as it comes, so the day is read once, a page at a
/// time, and never held whole. The other files (the index, the previous day's page) are
/// rendered whole when the publication finishes.
///
/// Feed it `beginSection`, `add` for each story of that topic, `endSection`, for each topic of
/// the outline in order, then `finish`, which ends and commits every file in configuration
/// order (`DigestPublisher.publish`'s order). A publication dropped before `finish`, or one
/// whose `finish` fails, leaves every file it had not committed as it was.
public final class DigestPublication {
    private struct File {
        var format: DigestFormat
        var path: String
        var renderer: any DigestRenderer
        var edition: DigestEdition
        /// Open from the start when the file lists the day's stories.
        var stream: AtomicFileStream?
        var output: DigestOutput?
        var steps: (any DigestSteps)?
    }

    private var files: [File]
    /// The open files' steps, in file order: each story goes to every one of them, and walking
    /// `files` for it copied each whole `File` (its edition, renderer and stream) per story.
    private var streaming: [any DigestSteps] = []
    private let bufferSize: Int
    /// The day as the reader gets it, without its stories.
    public let outline: DigestOutline
    private var section = -1
    private var position = 0
    /// How many stories were added.
    public private(set) var storyCount = 0

    init(
        files: [(format: DigestFormat, path: String, renderer: any DigestRenderer, edition: DigestEdition)], outline: DigestOutline,
        day: String, bufferSize: Int
    ) throws(DigestWriteError) {
        self.outline = outline
        self.bufferSize = bufferSize
        self.files = []
        for file in files {
            var opened = File(format: file.format, path: file.path, renderer: file.renderer, edition: file.edition)
            if file.edition.digest.day == day, let renderer = file.renderer as? any StreamingDigestRenderer {
                let stream = try Self.stream(file.path, bufferSize: bufferSize)
                let output = DigestOutput(stream: stream)
                if let steps = renderer.steps(for: file.edition, to: output) {
                    steps.begin(outline)
                    (opened.stream, opened.output, opened.steps) = (stream, output, steps)
                } else {
                    stream.discard()
                }
            }
            self.files.append(opened)
        }
        streaming = self.files.compactMap(\.steps)
    }

    /// Topic `outline.sections[n]` starts, n counting from 0 in order.
    public func beginSection() {
        section += 1
        position = 0
        for steps in streaming { steps.beginSection(section) }
    }

    /// The current topic's next story.
    public func add(_ story: DigestStory) {
        for steps in streaming { steps.story(story, at: position) }
        position += 1
        storyCount += 1
    }

    /// The current topic ends.
    public func endSection() {
        for steps in streaming { steps.endSection(section) }
    }

    /// Every story of `digest` (as the reader gets it, the outline's digest) in order.
    func add(_ digest: Digest) {
        for section in DigestLayout(digest, cap: nil).sections {
            beginSection()
            for entry in section.entries { add(entry) }
            endSection()
        }
    }

    /// Ends and commits every file in order; a file already holding exactly its new bytes is
    /// left alone. On a failure the files not committed yet stay as they were.
    public func finish() throws(DigestWriteError) -> [DigestPublisher.WrittenFile] {
        var written: [DigestPublisher.WrittenFile] = []
        streaming = []
        defer { for file in files { file.stream?.discard() } }
        for index in files.indices {
            let file = files[index]
            let stream: AtomicFileStream
            let output: DigestOutput
            if let steps = file.steps, let open = file.stream, let opened = file.output {
                steps.end()
                (stream, output) = (open, opened)
            } else {
                stream = try Self.stream(file.path, bufferSize: bufferSize)
                output = DigestOutput(stream: stream)
                file.renderer.render(file.edition, to: output)
            }
            let unchanged = try stream.commit()
            files[index].stream = nil
            files[index].steps = nil
            written.append(
                DigestPublisher.WrittenFile(
                    format: file.format, path: file.path, byteCount: stream.byteCount, unchanged: unchanged,
                    largestHeld: max(stream.largestBuffered, output.largestPiece)))
        }
        return written
    }

    private static func stream(_ path: String, bufferSize: Int) throws(DigestWriteError) -> AtomicFileStream {
        try AtomicFileStream(
            path: path, mode: AtomicFileWriter.digestFileMode, directoryMode: AtomicFileWriter.digestDirectoryMode, comparing: true,
            bufferSize: bufferSize)
    }
}

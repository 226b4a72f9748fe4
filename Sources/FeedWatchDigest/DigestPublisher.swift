import Foundation
public import FeedWatchModel

/// Turns a digest edition (values the daemon read from the store) into files, and writes them
/// atomically: readers see the old file or the new one, never a torn mix.
///
/// Owns the digest vocabulary: which formats make which files, what they are called, and what
/// a delivery says. It reads nothing but its arguments; the daemon decides when to publish and
/// hands over what the store holds.
public struct DigestPublisher: Sendable {
    /// What the configuration says about digest files.
    public struct Settings: Sendable, Hashable {
        /// The directory the files are written to.
        public var directory: String
        /// The formats written, in configuration order.
        public var formats: [DigestFormat]
        /// `skip_empty`: a period with no match writes no files, and empty digests are not listed.
        public var skipEmpty: Bool
        /// `atom_entries`: how many of the latest digests `digests.atom` carries.
        public var atomEntries: Int
        /// `base_url`: where the directory is published, for absolute links in the Atom feed.
        public var baseURL: String?
        /// `max_stories_per_topic`: the most stories a topic shows in Markdown and e-mail.
        public var maxStoriesPerTopic: Int?
        /// The configured topics, in order: the `atom` format writes a feed per topic.
        public var topics: [TopicReference] = []

        /// Settings from the `[digest]` values.
        public init(
            directory: String, formats: [DigestFormat], skipEmpty: Bool = false, atomEntries: Int = 30, baseURL: String? = nil,
            maxStoriesPerTopic: Int? = nil
        ) {
            self.directory = directory
            self.formats = formats
            self.skipEmpty = skipEmpty
            self.atomEntries = atomEntries
            self.baseURL = baseURL
            self.maxStoriesPerTopic = maxStoriesPerTopic
        }

        /// A stable id per digest directory: feed readers key entries on it.
        var feedID: String { "urn:feedwatch:" + ContentDigest.hexDigest(of: Array(directory.utf8)).prefix(16) }
    }

    /// One digest file, rendered.
    public struct Output: Sendable, Hashable {
        /// The format the file belongs to (`index.html` belongs to `html`).
        public var format: DigestFormat
        /// Where it is written.
        public var path: String
        /// What it holds.
        public var contents: String

        /// A rendered file.
        public init(format: DigestFormat, path: String, contents: String) {
            self.format = format
            self.path = path
            self.contents = contents
        }
    }

    /// Where and in which formats digests are written.
    public let settings: Settings
    /// The digest time zone: which day a moment belongs to, and how lists across days show times.
    public let clock: DigestClock

    /// A publisher writing to `settings.directory`, with days in `clock`'s time zone.
    public init(settings: Settings, clock: DigestClock) {
        self.settings = settings
        self.clock = clock
    }

    /// Whether the digest is empty and skipped: no files, no deliveries.
    public func skips(_ digest: Digest) -> Bool { settings.skipEmpty && digest.matchCount == 0 }

    /// The digests a reader sees in lists, out of `all` (newest first): not the empty ones
    /// when they are skipped.
    public func listed(_ all: [DigestSummary]) -> [DigestSummary] {
        all.filter { !(settings.skipEmpty && $0.matchCount == 0) }
    }

    /// The stored digests, besides `day`'s own, that rendering `formats` for `day` reads (the
    /// Atom feed's entries), out of `listed` (newest first).
    public func earlierDays(upTo day: String, listed: [DigestSummary], formats: [DigestFormat]? = nil) -> [String] {
        var days: [String] = []
        for renderer in (formats ?? settings.formats).flatMap({ renderers($0, timeZone: nil) }) {
            for needed in renderer.earlierDays(upTo: day, listed: listed) where needed != day && !days.contains(needed) {
                days.append(needed)
            }
        }
        return days
    }

    /// A file `publish` wrote. Its contents are not kept: a busy day's files are large, and
    /// a cycle holds one of them at a time.
    public struct WrittenFile: Sendable, Hashable {
        /// The format the file belongs to (`index.html` belongs to `html`).
        public var format: DigestFormat
        /// Where it was written.
        public var path: String
        /// Its size in bytes.
        public var byteCount: Int
        /// Whether the file already held these bytes and was left as it was.
        public var unchanged: Bool
        /// The most bytes of the file held in memory at once while it was written: the
        /// writer's buffer, or a larger piece a renderer handed over whole.
        public var largestHeld: Int

        public init(format: DigestFormat, path: String, byteCount: Int, unchanged: Bool = false, largestHeld: Int = 0) {
            self.format = format
            self.path = path
            self.byteCount = byteCount
            self.unchanged = unchanged
            self.largestHeld = largestHeld
        }
    }

    /// Every file of every configured format for `edition`; with `html`, the previous day's
    /// page again too, whose "next" link now has somewhere to point.
    public func outputs(for whole: DigestEdition) -> [Output] {
        files(for: whole.prepared()).map { file in
            let output = DigestOutput()
            file.renderer.render(file.edition, to: output)
            return Output(format: file.format, path: file.path, contents: output.contents)
        }
    }

    /// Renders and writes every file `outputs(for:)` lists, each straight to its temporary
    /// file through a buffer of `bufferSize` bytes and then renamed over the old one
    /// (`AtomicFileStream`): no file's text is ever held whole. The files that list the day
    /// are written side by side in one pass over its stories (`DigestPublication`). A file
    /// that already holds exactly the new bytes (a topic feed without news, the previous
    /// day's page) is left alone. `beforeFirstWrite` runs once, before the first file is
    /// written. Without `rewritingPreviousPage`, the previous day's page (unchanged when this
    /// day was listed already) is neither rendered nor written.
    public func publish(
        _ whole: DigestEdition, rewritingPreviousPage: Bool = true, bufferSize: Int = AtomicFileStream.defaultBufferSize,
        beforeFirstWrite: () -> Void = {}
    ) throws(DigestWriteError) -> [WrittenFile] {
        let edition = whole.prepared()
        beforeFirstWrite()
        let publication = try publication(
            of: edition, outline: DigestOutline(edition.digest), rewritingPreviousPage: rewritingPreviousPage, bufferSize: bufferSize)
        publication.add(edition.digest)
        return try publication.finish()
    }

    /// A publication of `edition`'s files whose day is fed story by story: `edition.digest`
    /// names the day (its sections are not read), `outline` says what the reader gets of it,
    /// and the caller adds its stories in order (`DigestPublication`). The earlier days the
    /// edition holds must already be as the reader gets them (`DigestEdition.prepared`).
    public func publication(
        of edition: DigestEdition, outline: DigestOutline, rewritingPreviousPage: Bool = true,
        bufferSize: Int = AtomicFileStream.defaultBufferSize
    ) throws(DigestWriteError) -> DigestPublication {
        try DigestPublication(
            files: files(for: edition.prepared(), previousPage: rewritingPreviousPage), outline: outline, day: edition.digest.day,
            bufferSize: bufferSize)
    }

    /// A publication of only the HTML page of `edition`'s day, fed story by story as
    /// `publication(of:outline:)`: the page of the day before a new one, whose "next" link
    /// now has somewhere to point. Nil when HTML is not written.
    public func previousPagePublication(of edition: DigestEdition, outline: DigestOutline) throws(DigestWriteError) -> DigestPublication? {
        guard settings.formats.contains(.html) else { return nil }
        let renderer = renderers(.html, timeZone: edition.digest.timeZone)[0]
        return try DigestPublication(
            files: [(format: .html, path: path(renderer.fileName(day: edition.digest.day)), renderer: renderer, edition: edition.prepared())],
            outline: outline, day: edition.digest.day, bufferSize: AtomicFileStream.defaultBufferSize)
    }

    /// Renders `edition`'s own file of `format` straight to `path` (`write(day:format:)`).
    public func write(_ format: DigestFormat, _ edition: DigestEdition, to path: String) throws(DigestWriteError) {
        let stream = try AtomicFileStream(
            path: path, mode: AtomicFileWriter.digestFileMode, directoryMode: AtomicFileWriter.digestDirectoryMode)
        renderers(format, timeZone: edition.digest.timeZone)[0].render(edition.prepared(), to: DigestOutput(stream: stream))
        try stream.commit()
    }

    /// The files of `edition` (already prepared) in order, each with the renderer and the
    /// edition that make it.
    private func files(
        for edition: DigestEdition, previousPage: Bool = true
    ) -> [(format: DigestFormat, path: String, renderer: any DigestRenderer, edition: DigestEdition)] {
        settings.formats.flatMap { format -> [(format: DigestFormat, path: String, renderer: any DigestRenderer, edition: DigestEdition)] in
            var files = renderers(format, timeZone: edition.digest.timeZone).map { renderer in
                (format: format, path: path(renderer.fileName(day: edition.digest.day)), renderer: renderer, edition: edition)
            }
            if format == .html, previousPage, let previous = edition.previousDayEdition() {
                let renderer = renderers(format, timeZone: previous.digest.timeZone)[0]
                files.append((format: format, path: path(renderer.fileName(day: previous.digest.day)), renderer: renderer, edition: previous))
            }
            return files
        }
    }

    /// How many stories of each topic the Atom feeds can show of one day: `digests.atom`
    /// shows `max_stories_per_topic`, a topic's feed at most `TopicAtomRenderer.maxStories`.
    /// Days other than the newest are read in this form (`DigestStories.feedForm`).
    public var feedStoryLimit: Int { max(TopicAtomRenderer.maxStories, settings.maxStoriesPerTopic ?? Int.max) }

    /// The day's own file of `format` for `edition` (for `atom`, the feed as it was when the
    /// edition's digest was the newest).
    public func render(_ format: DigestFormat, _ edition: DigestEdition) -> String {
        renderers(format, timeZone: edition.digest.timeZone)[0].render(edition)
    }

    /// The path of `day`'s own file in `format`.
    public func path(day: String, format: DigestFormat) -> String {
        path(renderers(format, timeZone: nil)[0].fileName(day: day))
    }

    /// Writes `outputs`, each atomically. Digest files are readable by the service's group
    /// (0640 in a 0750 directory), whatever the umask: that group is how people read digests
    /// the service writes.
    public func write(_ outputs: [Output]) throws(DigestWriteError) {
        for output in outputs {
            try AtomicFileWriter.write(
                output.contents, to: output.path, mode: AtomicFileWriter.digestFileMode,
                directoryMode: AtomicFileWriter.digestDirectoryMode)
        }
    }

    /// The message a notifier sends for a digest: the edition of the delivery's day, as plain
    /// text for reading and as HTML, each topic capped at `max_stories_per_topic` with the rest
    /// counted (and linked when `base_url` publishes the HTML pages). `deliveryID` is stable
    /// across retries (`Notification.deliveryID(number:key:)`). `route` keeps only the
    /// notifier's topics and titles the message with its template.
    public func notification(digestOf whole: DigestEdition, deliveryID: String, route: NotificationRoute = .all) -> Notification {
        var edition = whole
        edition.digest = route.filter(whole.digest)
        let digest = edition.digest
        let clock = DigestClock(timeZoneIdentifier: digest.timeZone) ?? self.clock
        let reading = edition.reading
        var context = edition.context(day: digest.day)
        context.previousDay = nil
        context.nextDay = nil
        context.maxStoriesPerTopic = settings.maxStoriesPerTopic
        if settings.formats.contains(.html), let base = settings.baseURL.flatMap(DigestMarkup.safeURL) {
            context.fullDigestLink = (base.hasSuffix("/") ? base : base + "/") + "\(digest.day).html"
        }
        let subject = Self.title(
            "feedwatch digest \(digest.day): \(digest.matchCount) \(digest.matchCount == 1 ? "match" : "matches")",
            of: reading, day: digest.day, route: route)
        // The file a command gets: the first configured format with a file per day.
        let filePath = settings.formats.first(where: \.isDaily).map { path(day: digest.day, format: $0) }
        return Notification(
            event: .digest, deliveryID: deliveryID, subject: subject,
            text: PlainTextDigestRenderer(clock: clock).render(reading, context: context),
            html: HTMLDigestRenderer(clock: clock).render(reading, context: context, cut: true),
            json: JSONDigestRenderer(clock: clock).render(reading, context: edition.context(day: digest.day)), filePath: filePath,
            content: NotificationContent(digest: reading, event: .digest, title: subject, link: pageURL(day: digest.day)))
    }

    /// The message a notifier sends for an alert: its frozen payload, one line per story.
    public func notification(alert whole: Digest, deliveryID: String, route: NotificationRoute = .all) -> Notification {
        let digest = route.filter(whole)
        let clock = DigestClock(timeZoneIdentifier: digest.timeZone) ?? self.clock
        let reading = DigestStories.mergeDuplicates(digest)
        let alert = AlertRenderer(clock: clock)
        let subject = Self.title(alert.subject(reading), of: reading, day: digest.day, route: route)
        return Notification(
            event: .alert, deliveryID: deliveryID, subject: subject, text: alert.text(reading), html: alert.html(reading),
            json: JSONDigestRenderer(clock: clock).render(reading), filePath: nil,
            content: NotificationContent(digest: reading, event: .alert, title: subject, link: nil))
    }

    /// The message for `event` from a bare digest (no period, health or dismissals).
    public func notification(_ event: NotifierEvent, of digest: Digest, deliveryID: String, route: NotificationRoute = .all) -> Notification {
        switch event {
        case .digest: return notification(digestOf: DigestEdition(digest: digest, listed: []), deliveryID: deliveryID, route: route)
        case .alert: return notification(alert: digest, deliveryID: deliveryID, route: route)
        }
    }

    /// `standard`, or the route's title template filled in from `reading`.
    private static func title(_ standard: String, of reading: Digest, day: String, route: NotificationRoute) -> String {
        guard let template = route.title else { return standard }
        let topics = reading.sections.filter { !$0.items.isEmpty }.map(\.topic.name)
        return template.render(
            topic: topics.joined(separator: ", "), count: reading.matchCount, date: day,
            title: reading.sections.first(where: { !$0.items.isEmpty })?.items.first?.title ?? "")
    }

    /// Where the day's page is published: `base_url` and the first daily file (HTML when
    /// written), or nil without `base_url`.
    func pageURL(day: String) -> String? {
        guard let base = settings.baseURL, let format = settings.formats.first(where: { $0 == .html }) ?? settings.formats.first(where: \.isDaily) else {
            return nil
        }
        let name = renderers(format, timeZone: nil)[0].fileName(day: day)
        return (base.hasSuffix("/") ? base : base + "/") + name
    }

    private func path(_ fileName: String) -> String {
        (settings.directory as NSString).appendingPathComponent(fileName)
    }

    /// A format's renderers for a digest made in `timeZone` (nil: only file names are wanted).
    private func renderers(_ format: DigestFormat, timeZone: String?) -> [any DigestRenderer] {
        let dayClock = timeZone.flatMap(DigestClock.init(timeZoneIdentifier:)) ?? clock
        return format.renderers(DigestRenderContext(settings: settings, clock: clock, dayClock: dayClock))
    }
}

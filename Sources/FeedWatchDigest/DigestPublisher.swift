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

        /// Settings from the `[digest]` values.
        public init(directory: String, formats: [DigestFormat], skipEmpty: Bool = false, atomEntries: Int = 30, baseURL: String? = nil) {
            self.directory = directory
            self.formats = formats
            self.skipEmpty = skipEmpty
            self.atomEntries = atomEntries
            self.baseURL = baseURL
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

    /// Every file of every configured format for `edition`.
    public func outputs(for edition: DigestEdition) -> [Output] {
        settings.formats.flatMap { format in
            renderers(format, timeZone: edition.digest.timeZone).map { renderer in
                Output(format: format, path: path(renderer.fileName(day: edition.digest.day)), contents: renderer.render(edition))
            }
        }
    }

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

    /// The message a notifier sends for `event`: for a digest, the stored digest of the
    /// delivery's day; for an alert, its frozen one-match digest. `deliveryID` is stable
    /// across retries (`Notification.deliveryID(number:key:)`). `route` keeps only the
    /// notifier's topics and titles the message with its template.
    public func notification(_ event: NotifierEvent, of whole: Digest, deliveryID: String, route: NotificationRoute = .all) -> Notification {
        let digest = route.filter(whole)
        let clock = DigestClock(timeZoneIdentifier: digest.timeZone) ?? self.clock
        let reading = DigestStories.mergeDuplicates(digest)
        var subject: String
        var filePath: String?
        switch event {
        case .digest:
            subject = "feedwatch digest \(digest.day): \(digest.matchCount) \(digest.matchCount == 1 ? "match" : "matches")"
            // The file a command gets: the first configured format with a file per day.
            filePath = settings.formats.first(where: \.isDaily).map { path(day: digest.day, format: $0) }
        case .alert:
            let section = digest.sections.first
            subject = "feedwatch alert: \(section?.topic.name ?? "topic"): \(section?.items.first?.title ?? "")"
        }
        if let template = route.title {
            let topics = reading.sections.filter { !$0.items.isEmpty }.map(\.topic.name)
            subject = template.render(
                topic: topics.joined(separator: ", "), count: reading.matchCount, date: digest.day,
                title: reading.sections.first(where: { !$0.items.isEmpty })?.items.first?.title ?? "")
        }
        return Notification(
            event: event, deliveryID: deliveryID, subject: subject,
            text: MarkdownDigestRenderer(clock: clock).render(reading), html: HTMLDigestRenderer(clock: clock).render(reading),
            json: JSONDigestRenderer(clock: clock).render(reading), filePath: filePath,
            content: NotificationContent(digest: reading, event: event, title: subject, link: event == .digest ? pageURL(day: digest.day) : nil))
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

import Foundation
import FeedWatchDigest
import FeedWatchModel
import FeedWatchStore

/// Turns stored matches into digest files: collects pending matches into the digest of a
/// day (one transaction), then renders every configured format from what the store holds,
/// so a regenerated digest is byte-for-byte the written one.
public struct DigestPublisher: Sendable {
    public let configuration: DigestConfiguration
    public let store: any Store
    public let clock: DigestClock

    public init(configuration: DigestConfiguration, store: any Store) throws(ConfigurationError) {
        guard let clock = DigestClock(timeZoneIdentifier: configuration.timeZone) else {
            throw ConfigurationError(file: "", problems: [ConfigurationProblem("digest.timezone", "unknown time zone \(configuration.timeZone)")])
        }
        self.configuration = configuration
        self.store = store
        self.clock = clock
    }

    /// One written digest file.
    public struct Output: Sendable, Hashable {
        public var format: DigestFormat
        public var path: String
        public var contents: String
    }

    /// Collects pending matches into today's digest (in the digest time zone) and writes it.
    public func publish(now: Date = Date()) async throws -> [Output] {
        let day = clock.day(of: now)
        _ = try await store.collectDigest(day: day, timeZone: configuration.timeZone, now: now)
        return try await write(day: day)
    }

    /// The scheduled digest: builds today's digest and writes it only if no daemon sharing the
    /// store has built it yet, so each day's digest is built, written and delivered once.
    /// Returns nothing when another daemon (or an earlier run) built it.
    public func publishOnce(now: Date = Date()) async throws -> [Output] {
        let day = clock.day(of: now)
        guard try await store.buildDigestOnce(day: day, timeZone: configuration.timeZone, now: now) != nil else { return [] }
        return try await write(day: day)
    }

    /// Renders the stored digest of `day` in `format`; nil when there is no such digest.
    public func render(day: String, format: DigestFormat) async throws -> String? {
        guard let digest = try await store.digest(day: day) else { return nil }
        return render(digest, format: format)
    }

    func render(_ digest: Digest, format: DigestFormat) -> String {
        let clock = DigestClock(timeZoneIdentifier: digest.timeZone) ?? self.clock
        switch format {
        case .markdown: return MarkdownDigestRenderer(clock: clock).render(digest)
        }
    }

    /// Writes every configured format of the stored digest of `day`, atomically.
    public func write(day: String) async throws -> [Output] {
        guard let digest = try await store.digest(day: day) else { return [] }
        var outputs: [Output] = []
        for format in configuration.formats {
            let contents = render(digest, format: format)
            let path = (configuration.directory as NSString).appendingPathComponent("\(day).\(format.fileExtension)")
            try AtomicFileWriter.write(contents, to: path)
            outputs.append(Output(format: format, path: path, contents: contents))
        }
        return outputs
    }
}

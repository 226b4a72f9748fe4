import Foundation

/// Where the team's shared test material lives (real-world feeds, seeds).
public enum SharedCorpus {
    /// `$FEEDWATCH_SHARED`, else `<repository>/../shared`; nil when neither is a directory.
    public static var directory: URL? {
        let environment = ProcessInfo.processInfo.environment
        if let configured = environment["FEEDWATCH_SHARED"], !configured.isEmpty {
            return existingDirectory(URL(fileURLWithPath: configured))
        }
        // This file is <repository>/Tests/FeedWatchTestSupport/SharedCorpus.swift.
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return existingDirectory(repository.deletingLastPathComponent().appendingPathComponent("shared"))
    }

    /// `directory/corpus`, when present.
    public static var corpusDirectory: URL? {
        directory.flatMap { existingDirectory($0.appendingPathComponent("corpus")) }
    }

    private static func existingDirectory(_ url: URL) -> URL? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        return url.standardizedFileURL
    }
}

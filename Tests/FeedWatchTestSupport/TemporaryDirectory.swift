import Foundation

/// A uniquely named, empty directory for one test, removed with everything in it when the
/// instance is released, whether the test passed, failed or threw.
///
/// Hold the instance for as long as the directory is in use: a `let` in the test's scope
/// does that, as does a stored property of a fixture or server that owns it.
public final class TemporaryDirectory: Sendable {
    /// The directory's absolute path, `<parent>/<prefix>-<UUID>`.
    public let path: String

    /// Creates the directory.
    /// - Parameters:
    ///   - prefix: the start of its name, so a leftover points at its test (`fw-store`…).
    ///   - parent: where to create it: the system's temporary directory unless given (`/tmp`
    ///     where a Unix socket path inside must stay short).
    public init(prefix: String, in parent: String = FileManager.default.temporaryDirectory.path) throws {
        path = URL(fileURLWithPath: parent).appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        // Not withIntermediateDirectories: an existing directory of that name is an error, not shared.
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Why a digest file could not be written.
public struct DigestWriteError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "digest: cannot write \(path): \(reason)" }
}

/// Writes a file so that readers see the old content or the new, never a torn mix: the bytes
/// go to a temporary file in the same directory, are flushed to disk, then renamed over the
/// target, and the directory is synced so the rename survives a crash.
///
/// Permissions are explicit where they matter: the process umask (0077 under the shipped
/// unit) would otherwise decide who may read a digest.
public enum AtomicFileWriter {
    /// Digest files: the service's group reads them, nobody else.
    public static let digestFileMode: mode_t = 0o640
    /// A digest directory the writer creates: the service's group may list and enter it.
    public static let digestDirectoryMode: mode_t = 0o750

    public static func write(
        _ contents: String, to path: String, mode: mode_t? = nil, directoryMode: mode_t? = nil, followSymlink: Bool = false
    ) throws(DigestWriteError) {
        let stream = try AtomicFileStream(path: path, mode: mode, directoryMode: directoryMode, followSymlink: followSymlink)
        stream.write(contents)
        try stream.commit()
    }

    /// Writes `bytes` to `path`. `mode` nil keeps the mode (and, for root, the owner) of the
    /// file being replaced, so a configuration edited in place stays as private as it was;
    /// a new file then gets 0644 less the umask. `directoryMode` applies to the parent
    /// directory when this call creates it.
    ///
    /// The temporary file is created exclusively with an unpredictable name (`mkstemp`: never
    /// through a symlink planted in a shared directory) and mode 0600 until it is complete.
    /// A symlink at `path` itself is replaced by the file, unless `followSymlink`: then the
    /// file it points to is replaced and the link stays (a configuration kept elsewhere).
    public static func write(
        _ bytes: [UInt8], to requestedPath: String, mode: mode_t? = nil, directoryMode: mode_t? = nil,
        followSymlink: Bool = false
    ) throws(DigestWriteError) {
        let stream = try AtomicFileStream(
            path: requestedPath, mode: mode, directoryMode: directoryMode, followSymlink: followSymlink)
        bytes.withUnsafeBytes { stream.append($0) }
        try stream.commit()
    }
}

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

    public static func write(_ contents: String, to path: String, mode: mode_t? = nil, directoryMode: mode_t? = nil) throws(DigestWriteError) {
        try write(Array(contents.utf8), to: path, mode: mode, directoryMode: directoryMode)
    }

    /// Writes `bytes` to `path`. `mode` nil keeps the mode of the file being replaced (a
    /// configuration edited in place stays as private as it was), else the umask decides.
    /// `directoryMode` applies to the parent directory when this call creates it.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t? = nil, directoryMode: mode_t? = nil) throws(DigestWriteError) {
        let directory = (path as NSString).deletingLastPathComponent
        let parent = directory.isEmpty ? "." : directory
        if !FileManager.default.fileExists(atPath: parent) {
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                throw DigestWriteError(path: path, reason: "cannot create directory \(directory): \(error.localizedDescription)")
            }
            if let directoryMode, chmod(parent, directoryMode) != 0 { throw DigestWriteError(path: parent, reason: errnoText()) }
        }
        var existing = stat()
        let keep: mode_t? = stat(path, &existing) == 0 ? existing.st_mode & 0o7777 : nil
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DigestWriteError(path: path, reason: errnoText()) }
        if let wanted = mode ?? keep, fchmod(fd, wanted) != 0 {
            let reason = errnoText()
            close(fd)
            unlink(temporary)
            throw DigestWriteError(path: path, reason: reason)
        }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress! + offset, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                let reason = errnoText()
                close(fd)
                unlink(temporary)
                throw DigestWriteError(path: path, reason: reason)
            }
            offset += written
        }
        if fsync(fd) != 0 {
            let reason = errnoText()
            close(fd)
            unlink(temporary)
            throw DigestWriteError(path: path, reason: reason)
        }
        close(fd)
        if rename(temporary, path) != 0 {
            let reason = errnoText()
            unlink(temporary)
            throw DigestWriteError(path: path, reason: reason)
        }
        let dirfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }

    private static func errnoText() -> String {
        let code = errno
        if code == ENOSPC { return "the disk is full" }
        return String(cString: strerror(code))
    }
}

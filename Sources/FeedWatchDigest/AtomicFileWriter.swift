import Foundation

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
public enum AtomicFileWriter {
    public static func write(_ contents: String, to path: String) throws(DigestWriteError) {
        try write(Array(contents.utf8), to: path)
    }

    public static func write(_ bytes: [UInt8], to path: String) throws(DigestWriteError) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true)
        } catch {
            throw DigestWriteError(path: path, reason: "cannot create directory \(directory): \(error.localizedDescription)")
        }
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DigestWriteError(path: path, reason: errnoText()) }
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

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

    /// Whether `path` is a regular file (not a symlink) with `mode` that holds exactly
    /// `contents`: writing it again would change nothing but cost an fsync and a rename.
    public static func holds(_ path: String, exactly contents: String, mode: mode_t) -> Bool {
        var status = stat()
        guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, (status.st_mode & 0o7777) == mode,
              Int(status.st_size) == contents.utf8.count,
              let handle = FileHandle(forReadingAtPath: path)
        else { return false }
        defer { try? handle.close() }
        guard let existing = try? handle.readToEnd() else { return contents.isEmpty }
        return existing.elementsEqual(contents.utf8)
    }

    public static func write(
        _ contents: String, to path: String, mode: mode_t? = nil, directoryMode: mode_t? = nil, followSymlink: Bool = false
    ) throws(DigestWriteError) {
        try write(Array(contents.utf8), to: path, mode: mode, directoryMode: directoryMode, followSymlink: followSymlink)
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
        var path = requestedPath
        if followSymlink, let resolved = realpath(requestedPath, nil) {
            path = String(cString: resolved)
            free(resolved)
        }
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
        // lstat: a symlink at `path` is replaced, and its target's mode is no guide.
        var existing = stat()
        let replaced: stat? = lstat(path, &existing) == 0 && (existing.st_mode & S_IFMT) == S_IFREG ? existing : nil
        var template = Array((path + ".tmp-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw DigestWriteError(path: path, reason: errnoText()) }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        func fail(_ reason: String) -> DigestWriteError {
            close(fd)
            unlink(temporary)
            return DigestWriteError(path: path, reason: reason)
        }
        if let replaced, mode == nil, geteuid() == 0, replaced.st_uid != 0 || replaced.st_gid != 0 {
            _ = fchown(fd, replaced.st_uid, replaced.st_gid)
        }
        let wanted = mode ?? replaced.map { $0.st_mode & 0o7777 } ?? (0o644 & ~currentUmask())
        if fchmod(fd, wanted) != 0 { throw fail(errnoText()) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress! + offset, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw fail(errnoText())
            }
            offset += written
        }
        if fsync(fd) != 0 { throw fail(errnoText()) }
        close(fd)
        if rename(temporary, path) != 0 {
            let reason = errnoText()
            unlink(temporary)
            throw DigestWriteError(path: path, reason: reason)
        }
        let dirfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }

    /// The process umask (read by setting it and putting it back).
    private static func currentUmask() -> mode_t {
        let mask = umask(0o022)
        umask(mask)
        return mask
    }

    private static func errnoText() -> String {
        let code = errno
        if code == ENOSPC { return "the disk is full" }
        return String(cString: strerror(code))
    }
}

public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A file written as it is produced, through a buffer of bounded size, so a file of tens of
/// megabytes (a day of 40,000 matches as HTML) never exists in memory as a whole: readers see
/// the old file or the new one, never a torn mix (`AtomicFileWriter`'s guarantees).
///
/// The bytes go to an exclusively created temporary file in the target's directory; `commit`
/// flushes it to disk, renames it over the target and syncs the directory. Until then nothing
/// published is touched: a failure (or a process that dies) leaves the old file as it was.
///
/// With `comparing`, each buffer is compared with the same stretch of the file being replaced
/// as it is written; when every byte matched, `commit` leaves that file alone (no fsync, no
/// rename) and throws the temporary file away.
public final class AtomicFileStream {
    /// 64 KiB: large enough that writes are few, small enough not to matter beside a cycle.
    public static let defaultBufferSize = 64 * 1024

    /// The file this stream replaces when committed (a symlink's target with `followSymlink`).
    public let path: String
    /// The most bytes the stream ever held in memory, for the tests that prove the bound.
    public private(set) var largestBuffered = 0
    /// Bytes written so far.
    public private(set) var byteCount = 0

    private let parent: String
    private let temporary: String
    private var descriptor: Int32
    private let bufferSize: Int
    private var buffer: [UInt8]
    /// The file being replaced, open while every byte so far matched it; -1 otherwise.
    private var existing: Int32 = -1
    private var scratch: [UInt8] = []
    private var failure: DigestWriteError?
    private var finished = false

    /// Opens a temporary file beside `requestedPath`. `mode` nil keeps the mode (and, for
    /// root, the owner) of the file being replaced; a new file then gets 0644 less the umask.
    /// `directoryMode` applies to the parent directory when this call creates it. With
    /// `comparing`, a regular file at the path with exactly `mode` is compared as bytes come.
    public init(
        path requestedPath: String, mode: mode_t? = nil, directoryMode: mode_t? = nil, followSymlink: Bool = false,
        comparing: Bool = false, bufferSize: Int = AtomicFileStream.defaultBufferSize
    ) throws(DigestWriteError) {
        var path = requestedPath
        if followSymlink, let resolved = realpath(requestedPath, nil) {
            path = String(cString: resolved)
            free(resolved)
        }
        self.path = path
        self.bufferSize = max(1, bufferSize)
        let directory = (path as NSString).deletingLastPathComponent
        parent = directory.isEmpty ? "." : directory
        if !FileManager.default.fileExists(atPath: parent) {
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                throw DigestWriteError(path: path, reason: "cannot create directory \(directory): \(error.localizedDescription)")
            }
            if let directoryMode, chmod(parent, directoryMode) != 0 { throw DigestWriteError(path: parent, reason: Self.errnoText()) }
        }
        // lstat: a symlink at `path` is replaced, and its target's mode is no guide.
        var status = stat()
        let replaced: stat? = lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG ? status : nil
        var template = Array((path + ".tmp-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw DigestWriteError(path: path, reason: Self.errnoText()) }
        descriptor = fd
        temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        buffer = []
        buffer.reserveCapacity(self.bufferSize)
        if let replaced, mode == nil, geteuid() == 0, replaced.st_uid != 0 || replaced.st_gid != 0 {
            _ = fchown(fd, replaced.st_uid, replaced.st_gid)
        }
        let wanted = mode ?? replaced.map { $0.st_mode & 0o7777 } ?? (0o644 & ~Self.currentUmask())
        if fchmod(fd, wanted) != 0 {
            let reason = Self.errnoText()
            close(fd)
            unlink(temporary)
            finished = true
            throw DigestWriteError(path: path, reason: reason)
        }
        if comparing, let replaced, let mode, (replaced.st_mode & 0o7777) == mode {
            existing = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            if existing >= 0 { scratch = [UInt8](repeating: 0, count: self.bufferSize) }
        }
    }

    deinit { if !finished { discard() } }

    /// Appends `text`'s UTF-8 bytes.
    public func write(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Appends `bytes`, a buffer's worth at a time.
    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, !finished else { return }
        byteCount += bytes.count
        var start = 0
        while start < bytes.count {
            let take = min(bufferSize - buffer.count, bytes.count - start)
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + take)]))
            start += take
            largestBuffered = max(largestBuffered, buffer.count)
            if buffer.count == bufferSize { flush() }
        }
    }

    /// Publishes the file: flushed, synced, renamed over `path`, the directory synced. Returns
    /// true when the file being replaced already held exactly these bytes and was left alone.
    /// On failure the temporary file is removed and the old file stays as it was.
    @discardableResult
    public func commit() throws(DigestWriteError) -> Bool {
        precondition(!finished, "an AtomicFileStream is committed once")
        flush()
        if let failure {
            discard()
            throw failure
        }
        if existing >= 0 {
            // Everything matched so far; the old file must end here too.
            var byte: UInt8 = 0
            let more = Self.readFully(existing, into: &byte, count: 1)
            if more == 0 {
                discard()
                return true
            }
        }
        closeExisting()
        finished = true
        if fsync(descriptor) != 0 { throw fail(Self.errnoText()) }
        close(descriptor)
        if rename(temporary, path) != 0 {
            let reason = Self.errnoText()
            unlink(temporary)
            throw DigestWriteError(path: path, reason: reason)
        }
        let directory = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
        return false
    }

    /// Throws the temporary file away; the file at `path` stays as it was.
    public func discard() {
        guard !finished else { return }
        finished = true
        closeExisting()
        close(descriptor)
        unlink(temporary)
    }

    /// Writes the buffer to the temporary file, first comparing it with the old file.
    private func flush() {
        guard !buffer.isEmpty, failure == nil else { return }
        if existing >= 0 {
            let count = buffer.count
            let read = scratch.withUnsafeMutableBytes { Self.readFully(existing, into: $0.baseAddress!, count: count) }
            if read != count || !buffer.withUnsafeBytes({ mine in scratch.withUnsafeBytes { memcmp(mine.baseAddress!, $0.baseAddress!, count) == 0 } }) {
                closeExisting()
            }
        }
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                failure = DigestWriteError(path: path, reason: Self.errnoText())
                break
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    private func closeExisting() {
        guard existing >= 0 else { return }
        close(existing)
        existing = -1
        scratch = []
    }

    private func fail(_ reason: String) -> DigestWriteError {
        close(descriptor)
        unlink(temporary)
        return DigestWriteError(path: path, reason: reason)
    }

    /// Reads up to `count` bytes, short only at the end of the file; -1 on an error.
    private static func readFully(_ fd: Int32, into pointer: UnsafeMutableRawPointer, count: Int) -> Int {
        var total = 0
        while total < count {
            let got = read(fd, pointer + total, count - total)
            if got < 0 {
                if errno == EINTR { continue }
                return -1
            }
            if got == 0 { break }
            total += got
        }
        return total
    }

    /// The process umask (read by setting it and putting it back).
    private static func currentUmask() -> mode_t {
        let mask = umask(0o022)
        umask(mask)
        return mask
    }

    static func errnoText() -> String {
        let code = errno
        if code == ENOSPC { return "the disk is full" }
        return String(cString: strerror(code))
    }
}

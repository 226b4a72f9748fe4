import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program without a shell (no word splitting, no expansion of anything a feed or a
/// digest contains), feeds it `input` on standard input, and kills it with SIGKILL when
/// `timeout` passes: Foundation's children ignore SIGTERM on Linux.
enum CommandRunner {
    /// How much of the program's standard error is kept for the error message.
    static let maxErrorBytes = 2048

    static func run(
        path: String, arguments: [String], input: [UInt8], timeout: Double, environment: [String: String] = [:]
    ) async throws(DeliveryError) {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw DeliveryError("command \(path): no such executable file", retryable: false)
        }
        let inputFile: FileHandle
        let errorFile: FileHandle
        do {
            inputFile = try temporaryFile(contents: input)
            errorFile = try temporaryFile(contents: [])
        } catch {
            throw DeliveryError("command \(path): cannot prepare its input: \(error.localizedDescription)")
        }
        defer {
            try? inputFile.close()
            try? errorFile.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"]
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardInput = inputFile
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errorFile
        let exited = Mutex(false)
        let status: Int32? = await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
            process.terminationHandler = { finished in
                exited.withLock { $0 = true }
                continuation.resume(returning: finished.terminationStatus)
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(returning: nil)
                return
            }
            let pid = process.processIdentifier
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: timeout)
                // Checked under the lock so a pid already reaped (and maybe reused) is never hit.
                exited.withLock { done in if !done { kill(pid, SIGKILL) } }
            }
        }
        guard let status else { throw DeliveryError("command \(path): cannot start it") }
        if process.terminationReason == .uncaughtSignal {
            throw DeliveryError(status == SIGKILL ? "command \(path): killed after \(Int(timeout))s timeout" : "command \(path): killed by signal \(status)")
        }
        guard status == 0 else {
            try? errorFile.seek(toOffset: 0)
            let bytes = (try? errorFile.read(upToCount: maxErrorBytes)) ?? Data()
            let firstLine = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
            throw DeliveryError("command \(path) exited with status \(status)" + (firstLine.isEmpty ? "" : ": \(firstLine)"))
        }
    }

    /// An unlinked temporary file holding `contents`, positioned at its start.
    private static func temporaryFile(contents: [UInt8]) throws -> FileHandle {
        var template = Array((NSTemporaryDirectory() + "/feedwatch-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try handle.write(contentsOf: Data(contents))
        try handle.seek(toOffset: 0)
        return handle
    }
}

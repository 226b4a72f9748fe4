#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The process's malloc arenas and its mmap threshold, set once at start-up.
///
/// glibc gives threads that meet at the heap arenas of their own (up to eight per core), and
/// memory one arena freed is reused only by the threads allocating from it. Two settings keep
/// both the CPU and the memory of a cycle low:
/// - **A few arenas: the CPUs plus two.** Every allocation that misses a thread's own cache
///   takes its arena's lock. With one arena for the process, a cold 2,000-feed cycle on two CPUs
///   made about 60,000 `futex` calls, nearly all on that lock, and cost 5–12 % more CPU than
///   with four (CycleBenchmark.md, "Session 12"). The refreshes run on Swift's pool (one thread per
///   CPU), the SQLite writer, the readers and the curl engine, so CPUs + 2 arenas let the
///   threads that run at once each have one.
/// - **A fixed mmap threshold of 256 KiB.** glibc raises its threshold each time a large block
///   is freed (up to 32 MiB), after which large buffers come from the arenas and stay with
///   them when freed. A fixed threshold keeps every block of 256 KiB or more in a mapping of its
///   own, returned to the kernel on `free`, whichever arena the thread uses. A cold 10,000-feed
///   cycle peaked at 143 MB with one arena, 150 MB with two and glibc's threshold, and 142, 144
///   and 147 MB with two, three and four arenas and the fixed one.
public enum MallocArenas {
    /// The default arena count: the CPUs this process may use, plus two, at most eight.
    public static var defaultCount: Int32 {
        Int32(min(8, max(1, ProcessInfo.processInfo.activeProcessorCount) + 2))
    }

    /// The default mmap threshold: blocks of 256 KiB and more get mappings of their own.
    public static let defaultMmapThreshold: Int32 = 256 << 10

    /// Limits glibc to `count` arenas and fixes its mmap threshold, each unless the environment
    /// sets it (`MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_`; glibc applies those itself). Call
    /// first thing in `main`, before threads exist: an arena a thread already took stays with
    /// it. Returns whether the arena limit was set.
    @discardableResult
    public static func limit(
        to count: Int32 = defaultCount, mmapThreshold: Int32 = defaultMmapThreshold, environment: [String: String]? = nil
    ) -> Bool {
        let environment = environment ?? ProcessInfo.processInfo.environment
        if environment["MALLOC_MMAP_THRESHOLD_"] == nil {
            _ = mallopt(-3, mmapThreshold)  // M_MMAP_THRESHOLD
        }
        guard environment["MALLOC_ARENA_MAX"] == nil else { return false }
        return mallopt(-8, count)  // M_ARENA_MAX
    }

    /// glibc's `mallopt(parameter, value)`; false when it refuses or is not there.
    private static func mallopt(_ parameter: Int32, _ value: Int32) -> Bool {
        #if canImport(Glibc)
        // mallopt is declared in <malloc.h>, which the Glibc module does not export.
        guard let symbol = dlsym(nil, "mallopt") else { return false }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        return unsafeBitCast(symbol, to: Mallopt.self)(parameter, value) == 1
        #else
        return false
        #endif
    }
}

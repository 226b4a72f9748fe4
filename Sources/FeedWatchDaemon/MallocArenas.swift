#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The process's malloc arenas, limited once at start-up.
///
/// glibc gives threads that meet at the heap arenas of their own (up to eight per core), and
/// memory one arena freed is reused only by the threads allocating from it. A cycle's refreshes
/// run on one set of threads and its digest publication on another, so the publication grew
/// the process instead of reusing what the refreshes had freed: one arena brought a cold
/// 10,000-feed cycle from 182 to 150 MB at its peak (CycleBenchmark), for the same CPU. Each
/// thread still has glibc's own per-thread cache, so small allocations rarely take the lock.
public enum MallocArenas {
    /// The default: one arena.
    public static let defaultCount: Int32 = 1

    /// Limits glibc to `count` arenas, unless `MALLOC_ARENA_MAX` in the environment says
    /// otherwise (glibc applies that itself). Call first thing in `main`, before threads
    /// exist: an arena a thread already took stays with it. Returns whether the limit was set.
    @discardableResult
    public static func limit(
        to count: Int32 = defaultCount, environment: [String: String]? = nil
    ) -> Bool {
        guard (environment ?? ProcessInfo.processInfo.environment)["MALLOC_ARENA_MAX"] == nil else { return false }
        #if canImport(Glibc)
        // mallopt is declared in <malloc.h>, which the Glibc module does not export.
        guard let symbol = dlsym(nil, "mallopt") else { return false }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let arenaMax: Int32 = -8  // M_ARENA_MAX
        return unsafeBitCast(symbol, to: Mallopt.self)(arenaMax, count) == 1
        #else
        return false
        #endif
    }
}

#ifndef FEEDWATCH_CSQLITESHIMS_H
#define FEEDWATCH_CSQLITESHIMS_H

/// Turns off SQLite's memory statistics (`SQLITE_CONFIG_MEMSTATUS`, on by default) for this
/// process. With them on, every allocation SQLite makes takes a process-wide mutex to count
/// its bytes (`sqlite3_status`), which feedwatch never reads. Takes effect only before SQLite
/// is initialised (the first connection opened): returns SQLITE_OK (0) then, and
/// SQLITE_MISUSE (21) afterwards, when nothing changes.
int feedwatch_sqlite_disable_memory_statistics(void);

/// Whether SQLite counts the bytes it allocates: 1 while its memory statistics are on, 0 when
/// they are off (`sqlite3_memory_used` then stays 0 whatever is allocated).
int feedwatch_sqlite_memory_statistics_enabled(void);

#endif

#include <sqlite3.h>
#include "CSQLiteShims.h"

// sqlite3_config is variadic, which Swift cannot call: this shim gives it a typed entry point.
int feedwatch_sqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int feedwatch_sqlite_memory_statistics_enabled(void) {
    // With statistics on, a live allocation shows in sqlite3_memory_used; off, it stays 0.
    void *probe = sqlite3_malloc(4096);
    int counted = sqlite3_memory_used() > 0;
    sqlite3_free(probe);
    return counted;
}

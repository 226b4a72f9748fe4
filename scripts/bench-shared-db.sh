#!/usr/bin/env bash
# Measures one cycle over 10,000 loopback feeds with one and with three `feedwatch run`
# daemons sharing one PostgreSQL database: wall time, HTTP requests, statements (round trips)
# and commits per feed. Starts its own throwaway PostgreSQL (scripts/with-postgres.sh).
#
# Usage: scripts/bench-shared-db.sh [FEEDS]   (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
export FEEDWATCH_BENCH=1
export FEEDWATCH_BENCH_FEEDS="${1:-10000}"
timeout 1800 swift build --build-tests 2>&1 | grep -E "error|warning:" || true
scripts/with-postgres.sh timeout 3600 swift test --skip-build --filter SharedDatabaseBenchmark 2>&1 | grep -E "BENCH|skipped|✘|error" 

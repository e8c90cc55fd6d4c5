/**
 * The suppression list: recipients that hard-bounced (or that an operator added) and that intake
 * refuses before they are queued, for every sender or for one sender domain.
 *
 * <p>The store is H2's MVStore: a log-structured B-tree in one file, pure Java (no native library
 * to ship per platform, unlike RocksDB or LMDB), already resolvable in this build, and
 * append-only: a commit writes a new chunk and then points the file header at it, so a kill -9
 * finds the last whole commit and never a torn file. Each change here is committed before add or
 * remove returns (its bytes are in the OS then; MVStore does not fsync each commit, so a power
 * failure can lose the last moments). A lookup is a B-tree descent over cached pages:
 * microseconds with ten million entries (see bench/suppression-store). MapDB and Xodus would also
 * do with less upkeep behind them; RocksDB's JNI jar carries native code for every platform.
 */
package org.caravan.suppression;

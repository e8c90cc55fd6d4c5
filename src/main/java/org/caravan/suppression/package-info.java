/**
 * The suppression list: recipients that hard-bounced (or that an operator added) and that intake
 * refuses before they are queued, for every sender or for one sender domain.
 *
 * <p>The store is H2's MVStore: a log-structured B-tree in one file, pure Java (no native library
 * to ship per platform, unlike RocksDB or LMDB), already resolvable in this build, and its commit
 * writes a new root only after the chunk is on disk, so a kill -9 loses at most the writes since
 * the last commit and never the file. Each change here is committed at once. A lookup is a B-tree
 * descent over cached pages: microseconds with ten million entries (see bench/suppression-store).
 * MapDB and Xodus would also do, but add less-maintained dependencies; RocksDB's JNI jar is 60 MB.
 */
package org.caravan.suppression;

package org.caravan.outcome;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PowerMTA-style accounting CSV, one line per recipient outcome, in {@code acct-yyyyMMdd-NNN.csv}
 * files that roll when the UTC day changes or a file passes its size limit. Thread-safe.
 *
 * <p>Writing never fails its caller: an outcome handed to {@link #record} is in the log's custody
 * until {@link #sync} has forced it to disk. When the disk refuses (full, read-only, directory
 * gone) the file is abandoned, the log reports {@link #failure()}, and the next successful sync
 * rewrites every outcome not yet durable into a fresh file. The commit batcher syncs before each
 * broker commit, so no message is acked before its record is on disk.
 */
public final class AccountingLog implements AutoCloseable {

    /** PowerMTA's fields first, so that its tooling reads the file; ours follow. */
    public static final String[] HEADER = {
        "type", "timeLogged", "timeQueued", "orig", "rcpt", "dsnAction", "dsnStatus", "dsnDiag",
        "dsnMta", "bounceCat", "vmta", "jobId", "envId", "policy", "domain", "messageId", "attempt",
        "tlsProtocol", "tlsCipher", "tlsVerified"
    };

    private static final long MILLIS_PER_DAY = 86_400_000L;

    /** How often a waiting consumer tries the disk again. */
    private static final long RETRY_MILLIS = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(AccountingLog.class);

    private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder()
            .setHeader(HEADER)
            .setRecordSeparator('\n')
            .get();

    private final Path directory;
    private final long maxFileBytes;
    private final Clock clock;
    /** Recorded since the last successful sync: rewritten into a fresh file if the current one fails. */
    private final ArrayDeque<DeliveryOutcome> unsynced = new ArrayDeque<>();

    /** The file now written to; null after a failure until a sync opens a fresh one. */
    private AccountingFile file;
    private Path lastFile;
    /** Volatile: delivery reads it before every batch extension, without taking the lock. */
    private volatile String failure;
    private long syncs;
    /** Outcomes ever taken into custody, and how many of them are on disk: unsynced holds the difference. */
    private long taken;
    private long durable;
    /** fdatasyncs running outside the lock, and the highest count of outcomes one of them covers. */
    private int forcers;
    private long forcingUpTo;
    private boolean closed;
    private volatile boolean stopping;

    /** Opens the next free file of today in {@code directory}, creating the directory if needed. */
    public AccountingLog(Path directory, long maxFileBytes, Clock clock) {
        if (maxFileBytes <= 0) {
            throw new IllegalArgumentException("maxFileBytes must be positive: " + maxFileBytes);
        }
        this.directory = directory;
        this.maxFileBytes = maxFileBytes;
        this.clock = clock;
        try {
            Files.createDirectories(directory);
            file = AccountingFile.create(directory, epochDay(), FORMAT);
            lastFile = file.path();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open accounting file in " + directory, e);
        }
    }

    /** Takes one outcome into custody (see {@link #record(List)}). */
    public synchronized void record(DeliveryOutcome o) {
        record(List.of(o));
    }

    /**
     * Takes the outcomes into custody and writes them with one flush, so that they are in the OS
     * at once. Durable only after the next {@link #sync}. Never throws on a disk failure: that
     * shows in {@link #failure()} and is repaired by a later sync.
     */
    public synchronized void record(List<DeliveryOutcome> outcomes) {
        if (closed) {
            throw new IllegalStateException("accounting log is closed: " + lastFile);
        }
        if (failure != null) {
            take(outcomes); // the next sync rewrites them with the rest
            return;
        }
        boolean inCustody = false;
        try {
            rollIfDue();
            take(outcomes);
            inCustody = true;
            for (DeliveryOutcome o : outcomes) {
                print(o);
            }
            file.flush();
        } catch (IOException e) {
            if (!inCustody) {
                take(outcomes);
            }
            fail(e);
        }
    }

    private void take(List<DeliveryOutcome> outcomes) {
        unsynced.addAll(outcomes);
        taken += outcomes.size();
    }

    /**
     * Forces every recorded outcome to disk, first rewriting them into a fresh file if the current
     * one failed. A group commit: the fdatasync runs outside the lock, so recording goes on
     * meanwhile, and a caller whose outcomes an fdatasync in progress covers waits for it instead
     * of starting another. Returns at once when nothing is pending.
     *
     * @throws UncheckedIOException when the disk still refuses; {@link #failure()} says why
     */
    public void sync() {
        AccountingFile target;
        long upTo;
        synchronized (this) {
            if (!awaitCoveringForce()) {
                return;
            }
            try {
                if (failure != null || file == null) {
                    reopen();
                    // writable again: a sync that comes while this one forces waits for it instead
                    // of rewriting the same pending outcomes into yet another file
                    failure = null;
                }
                file.flush();
            } catch (IOException e) {
                fail(e);
                throw new UncheckedIOException(failure, e);
            }
            target = file;
            upTo = taken;
            forcers++;
            forcingUpTo = Math.max(forcingUpTo, upTo);
        }
        IOException error = null;
        try {
            target.forceFlushed();
        } catch (IOException e) {
            error = e;
        }
        forced(target, upTo, error);
    }

    /** Waits while a force in progress covers everything taken so far; false when nothing is left to sync. */
    private boolean awaitCoveringForce() {
        while (forcers > 0 && forcingUpTo >= taken && failure == null) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return durable < taken || failure != null;
    }

    private synchronized void forced(AccountingFile target, long upTo, IOException error) {
        forcers--;
        notifyAll();
        if (error == null || durable >= upTo) {
            // a roll in the meantime forced and closed that file itself
            while (durable < upTo) {
                unsynced.pollFirst();
                durable++;
            }
            syncs++;
            if (target == file) {
                failure = null;
            }
            return;
        }
        if (target == file) {
            fail(error);
        }
        throw new UncheckedIOException(failure == null ? "cannot sync " + target.path() : failure, error);
    }

    /**
     * Syncs, retrying every second while the disk refuses, so that a consumer waits for the disk
     * instead of failing a transaction whose mail was already sent. Gives up only once the engine
     * is stopping, by throwing: the open batches then roll back and are redone after the restart.
     */
    public void awaitDurable() {
        for (int tries = 0; ; tries++) {
            try {
                sync();
                if (tries > 0) {
                    LOG.warn("accounting is writable again in {} after {} tries", directory, tries);
                }
                return;
            } catch (UncheckedIOException e) {
                if (tries == 0) {
                    LOG.error("{}; delivery and intake wait until it can be written", e.getMessage());
                }
                if (stopping) {
                    throw new IllegalStateException("stopping while " + e.getMessage(), e);
                }
                pause();
            }
        }
    }

    /** Waits only while accounting is failing: what delivery checks before it sends more mail. */
    public void awaitWritable() {
        if (failure() != null) {
            awaitDurable();
        }
    }

    /** The engine is stopping: waits for the disk end, so that the shutdown does not hang on it. */
    public void stopWaiting() {
        stopping = true;
    }

    private void pause() {
        try {
            Thread.sleep(RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    /** Why accounting cannot be written now, or null while it can. */
    public String failure() {
        return failure;
    }

    /** Outcomes recorded but not yet on disk. */
    public synchronized int unsynced() {
        return unsynced.size();
    }

    /** Successful fsyncs so far (one covers every caller since the previous one). */
    public synchronized long syncs() {
        return syncs;
    }

    /** The file now written to. */
    public synchronized Path currentFile() {
        return lastFile;
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = true;
        }
        try {
            sync();
        } catch (UncheckedIOException e) {
            // reported by failure(); the broker rolls those batches back, so they are redone, not lost
        } finally {
            synchronized (this) {
                abandon();
            }
        }
    }

    private void print(DeliveryOutcome o) throws IOException {
        file.printRecord(AccountingCells.of(o));
    }

    /** Rolls on a new UTC day or at the size limit, syncing the old file first. */
    private void rollIfDue() throws IOException {
        if (file != null && epochDay() == file.epochDay() && file.bytes() < maxFileBytes) {
            return;
        }
        reopen();
    }

    /** Closes the current file durably (if it still works) and writes everything not yet synced into a new one. */
    private void reopen() throws IOException {
        if (file != null && failure == null) {
            file.force();
            syncs++;
            unsynced.clear();
            durable = taken;
        }
        abandon();
        file = AccountingFile.create(directory, epochDay(), FORMAT);
        lastFile = file.path();
        for (DeliveryOutcome o : unsynced) {
            print(o);
        }
        file.flush();
    }

    private void fail(IOException e) {
        failure = "cannot write accounting file " + (file == null ? "in " + directory : file.path()) + ": " + e;
        abandon();
    }

    private void abandon() {
        if (file != null) {
            file.abandon();
            file = null;
        }
    }

    private long epochDay() {
        return Math.floorDiv(clock.millis(), MILLIS_PER_DAY);
    }
}

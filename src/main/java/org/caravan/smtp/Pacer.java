package org.caravan.smtp;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import org.caravan.config.Rate;

/**
 * Even pacing by the generic cell rate algorithm (GCRA, "leaky bucket as a meter"): one cell
 * (message, connection) each 1/rate, and after a pause up to {@code burst} at once, never more.
 * It keeps one number, the theoretical time of the last cell; a cell conforms once
 * {@code now >= last + interval - (burst - 1) * interval}. Rate and burst are read at every
 * decision, so backoff mode and a change over JMX apply to the next cell.
 *
 * <p>One pacer is shared by all consumers of a (vmta, policy). Besides {@link #take()} it has a
 * turn: the consumer holding it is the one that takes a message off the queue when the next cell
 * conforms ({@link #awaitTurn}), while the others park on the turn holding nothing. So a waiting
 * line leaves its mail on the queue, and one thread, not all of them, watches the clock. The
 * SMTP sender paces the bodies again with a {@link #twin()}, at the moment each goes out.
 */
public final class Pacer {

    /** The longest nap while waiting: how soon a rate change or the end of backoff is noticed. */
    private static final long LONGEST_NAP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Supplier<Rate> rate;
    private final IntSupplier burst;
    private final ReentrantLock turn = new ReentrantLock(true);
    /** Theoretical time (System.nanoTime) of the last cell; meaningful once started. */
    private long last;
    private boolean started;
    /** When the slot came for the thread holding the turn; guarded by the turn. */
    private long turnAt;

    public Pacer(Supplier<Rate> rate, IntSupplier burst) {
        this.rate = rate;
        this.burst = burst;
    }

    /** The rate in force now. */
    public Rate rate() {
        return rate.get();
    }

    /** Another pacer with the same rate and burst and a meter of its own. */
    public Pacer twin() {
        return new Pacer(rate, burst);
    }

    /** A pacer that never waits. */
    public static Pacer unlimited() {
        return new Pacer(() -> Rate.UNLIMITED, () -> 1);
    }

    /**
     * Blocks until this thread has the turn and the next cell conforms, and keeps the turn; a
     * {@link #take()} or {@link #pass()} on this thread gives it up. Free when the rate is
     * unlimited. False, without the turn, as soon as {@code stillWanted} is false.
     */
    public boolean awaitTurn(BooleanSupplier stillWanted) throws InterruptedException {
        if (rate.get().isUnlimited()) {
            return true;
        }
        while (!turn.tryLock(LONGEST_NAP_NANOS, TimeUnit.NANOSECONDS)) {
            if (!stillWanted.getAsBoolean()) {
                return false;
            }
        }
        try {
            long asked = System.nanoTime();
            long now = asked;
            long wait;
            while ((wait = waitNanos(now)) > 0) {
                if (!stillWanted.getAsBoolean()) {
                    turn.unlock();
                    return false;
                }
                nap(wait);
                now = System.nanoTime();
            }
            // the slot came at now + wait (a nap overshoots it); an idle line's slot is when it asked
            turnAt = Math.max(asked, now + wait);
            return true;
        } catch (InterruptedException e) {
            turn.unlock();
            throw e;
        }
    }

    /** Takes the turn only if nobody has it and the next cell conforms now; true when taken (or unlimited). */
    public boolean tryTurn() {
        if (rate.get().isUnlimited()) {
            return true;
        }
        if (!turn.tryLock()) {
            return false;
        }
        long now = System.nanoTime();
        if (waitNanos(now) > 0) {
            turn.unlock();
            return false;
        }
        turnAt = now;
        return true;
    }

    /** Takes one cell, waiting until it conforms, and gives up the turn if this thread has it. */
    public void take() throws InterruptedException {
        try {
            if (rate.get().isUnlimited()) {
                return;
            }
            // with the turn, the cell is counted when its slot came, not when the work reached this
            // step: time spent receiving and naps' overshoot would otherwise add to every interval.
            // Without it (the wire, split transactions) it is counted when it goes: exact spacing.
            long at = turn.isHeldByCurrentThread() ? turnAt : System.nanoTime();
            while (true) {
                long wait;
                synchronized (this) {
                    wait = waitNanos(at);
                    if (wait <= 0) {
                        admit(at);
                        return;
                    }
                }
                nap(wait);
                at = System.nanoTime();
            }
        } finally {
            pass();
        }
    }

    /** Gives up the turn without a cell (nothing was taken off the queue); nothing when not held. */
    public void pass() {
        if (turn.isHeldByCurrentThread()) {
            turn.unlock();
        }
    }

    /** Nanoseconds until the next cell conforms at {@code now}; zero or less: it conforms. */
    synchronized long waitNanos(long now) {
        if (!started) {
            return 0;
        }
        long interval = rate.get().intervalNanos();
        return last + interval - tolerance(interval) - now;
    }

    /** Counts a conforming cell at {@code now}. */
    synchronized void admit(long now) {
        long interval = rate.get().intervalNanos();
        last = started ? Math.max(last + interval, now) : now;
        started = true;
    }

    /** (burst - 1) intervals: how far ahead of the even pace cells may run after a pause. */
    private long tolerance(long interval) {
        long extra = Math.max(1, burst.getAsInt()) - 1L;
        if (extra == 0 || interval == 0) {
            return 0;
        }
        return extra > Long.MAX_VALUE / 4 / interval ? Long.MAX_VALUE / 4 : extra * interval;
    }

    private static void nap(long nanos) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(Math.min(nanos, LONGEST_NAP_NANOS));
    }
}

package org.caravan.smtp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Closes SMTP sockets whose write blocks past the write timeout or whose transaction passed its
 * deadline: a blocked socket write has no timeout of its own, so only closing the socket from
 * another thread gives the consumer back. One daemon thread for all connections; a check is a few
 * volatile reads per open connection.
 */
public final class SmtpWatchdog {

    /** How often the sockets are checked; limits overrun the configured times by at most this. */
    static final long TICK_MILLIS = 100;

    private static final Set<SmtpSocket> SOCKETS = ConcurrentHashMap.newKeySet();
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "caravan-smtp-watchdog");
        t.setDaemon(true);
        return t;
    });

    static {
        TIMER.scheduleWithFixedDelay(SmtpWatchdog::check, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** A transaction still running past its deadline plus a margin: its consumer is stuck. */
    public record Overdue(String line, String server, Duration age, Duration limit) {
    }

    private SmtpWatchdog() {
    }

    static void watch(SmtpSocket socket) {
        SOCKETS.add(socket);
    }

    static void forget(SmtpSocket socket) {
        SOCKETS.remove(socket);
    }

    private static void check() {
        long now = System.nanoTime();
        for (SmtpSocket socket : SOCKETS) {
            try {
                socket.enforce(now);
            } catch (RuntimeException e) {
                // one bad socket must not stop the checks of the others
            }
        }
    }

    /**
     * Transactions older than their deadline plus the margin. The watchdog closed their sockets
     * at the deadline, so a consumer still in one is held by something else than the server.
     */
    public static List<Overdue> overdue(Duration margin) {
        long now = System.nanoTime();
        List<Overdue> out = new ArrayList<>();
        for (SmtpSocket socket : SOCKETS) {
            long started = socket.transactionStarted();
            Duration limit = socket.transactionLimit();
            if (started != 0 && now - started > limit.plus(margin).toNanos()) {
                out.add(new Overdue(socket.owner, String.valueOf(socket.getRemoteSocketAddress()),
                        Duration.ofNanos(now - started), limit));
            }
        }
        return out;
    }
}

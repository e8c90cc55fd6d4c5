package org.caravan.smtp;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import org.caravan.config.Rate;
import org.caravan.routing.NextHop;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * The open SMTP connections of one (vmta, policy): at most maxOpen at once (max-smtp-out), new
 * ones no faster than max-conn-rate, each retired after max-msg-per-connection messages or when
 * idle too long. Connections are kept per next hop, since a policy's domains can have many MXs.
 */
public final class SmtpConnectionPool implements AutoCloseable {

    private final Session session;
    private volatile int maxOpen;
    private volatile int maxMessagesPerConnection;
    private final long idleNanos;
    private volatile SlidingWindowLimiter connectionRate;
    private volatile Rate maxConnRate;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private final Map<NextHop, ArrayDeque<SmtpConnection>> idle = new HashMap<>();
    private int open;
    private long opened;
    private boolean closed;

    public SmtpConnectionPool(Session session, int maxOpen, int maxMessagesPerConnection, Rate maxConnRate,
            Duration idleTimeout) {
        this.session = session;
        this.maxOpen = maxOpen;
        this.maxMessagesPerConnection = maxMessagesPerConnection;
        this.idleNanos = idleTimeout.toNanos();
        this.connectionRate = new SlidingWindowLimiter(maxConnRate);
        this.maxConnRate = maxConnRate;
    }

    // Run-time limits, set by operators over JMX; they apply to the next borrow.

    public int maxOpen() {
        return maxOpen;
    }

    public void maxOpen(int value) {
        this.maxOpen = Math.max(1, value);
        lock.lock();
        try {
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public int maxMessagesPerConnection() {
        return maxMessagesPerConnection;
    }

    public void maxMessagesPerConnection(int value) {
        this.maxMessagesPerConnection = Math.max(1, value);
    }

    public Rate maxConnRate() {
        return maxConnRate;
    }

    public void maxConnRate(Rate rate) {
        this.connectionRate = new SlidingWindowLimiter(rate);
        this.maxConnRate = rate;
    }

    /** An open connection to hop: an idle one if there is one, else a new one once the limits allow. */
    SmtpConnection borrow(NextHop hop) throws MessagingException, InterruptedException {
        while (true) {
            SmtpConnection victim = null;
            lock.lockInterruptibly();
            try {
                while (victim == null) {
                    if (closed) {
                        throw new MessagingException("connection pool closed");
                    }
                    ArrayDeque<SmtpConnection> ready = idle.get(hop);
                    if (ready != null && !ready.isEmpty()) {
                        return ready.pollLast();
                    }
                    if (open < maxOpen) {
                        open++;
                        break;
                    }
                    // a slot held by an idle connection to another hop is worth more to us now
                    victim = takeOneIdle();
                    if (victim == null) {
                        released.await(1, TimeUnit.SECONDS);
                    }
                }
            } finally {
                lock.unlock();
            }
            if (victim == null) {
                return connect(hop);
            }
            retire(victim); // outside the lock: closing waits for the server to hang up
        }
    }

    private SmtpConnection connect(NextHop hop) throws MessagingException, InterruptedException {
        boolean ok = false;
        try {
            connectionRate.acquire();
            SMTPTransport transport = (SMTPTransport) session.getTransport("smtp");
            transport.connect(hop.host(), hop.port(), null, null);
            ok = true;
            return new SmtpConnection(hop, transport);
        } finally {
            if (!ok) {
                forget();
            } else {
                countOpened();
            }
        }
    }

    /** Returns a connection after a transaction; reusable=false when the session is in doubt. */
    void release(SmtpConnection connection, boolean reusable) {
        connection.messagesSent++;
        connection.lastUsedNanos = System.nanoTime();
        boolean keep = reusable && connection.messagesSent < maxMessagesPerConnection;
        lock.lock();
        try {
            if (keep && !closed) {
                idle.computeIfAbsent(connection.hop, h -> new ArrayDeque<>()).addLast(connection);
                released.signal();
                return;
            }
        } finally {
            lock.unlock();
        }
        retire(connection);
    }

    /**
     * Closes a connection taken out of use, then gives its slot back: only once the session is
     * closed, so the server never sees one too many. Never under the lock (the close waits).
     */
    private void retire(SmtpConnection connection) {
        connection.close();
        forget();
    }

    /** Closes connections idle longer than the idle timeout; called on a timer. */
    public void evictIdle() {
        long now = System.nanoTime();
        java.util.List<SmtpConnection> stale = new java.util.ArrayList<>();
        lock.lock();
        try {
            for (ArrayDeque<SmtpConnection> ready : idle.values()) {
                while (!ready.isEmpty() && now - ready.peekFirst().lastUsedNanos >= idleNanos) {
                    stale.add(ready.pollFirst());
                }
            }
        } finally {
            lock.unlock();
        }
        if (stale.isEmpty()) {
            return;
        }
        stale.forEach(SmtpConnection::close);
        lock.lock();
        try {
            open -= stale.size();
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The oldest idle connection of some hop, out of the idle set but still counted open; called under the lock. */
    private SmtpConnection takeOneIdle() {
        for (ArrayDeque<SmtpConnection> ready : idle.values()) {
            SmtpConnection victim = ready.pollFirst();
            if (victim != null) {
                return victim;
            }
        }
        return null;
    }

    private void forget() {
        lock.lock();
        try {
            open--;
            released.signal();
        } finally {
            lock.unlock();
        }
    }

    private void countOpened() {
        lock.lock();
        try {
            opened++;
        } finally {
            lock.unlock();
        }
    }

    /** Connections open now (busy and idle). */
    public int openConnections() {
        lock.lock();
        try {
            return open;
        } finally {
            lock.unlock();
        }
    }

    /** Connections opened since start: with reuse, far fewer than messages sent. */
    public long connectionsOpened() {
        lock.lock();
        try {
            return opened;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        java.util.List<SmtpConnection> all = new java.util.ArrayList<>();
        lock.lock();
        try {
            closed = true;
            idle.values().forEach(all::addAll);
            idle.clear();
            open -= all.size();
            released.signalAll();
        } finally {
            lock.unlock();
        }
        all.forEach(SmtpConnection::close);
    }
}

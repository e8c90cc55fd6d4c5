package org.caravan.smtp;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import org.caravan.config.Rate;
import org.caravan.config.TlsLevel;
import org.caravan.routing.NextHop;

/**
 * The open SMTP connections of one (vmta, policy): at most maxOpen at once (max-smtp-out), new
 * ones evenly paced at max-conn-rate (one each 1/rate, no burst), each retired after max-msg-per-connection messages or when
 * idle too long. Connections are kept per next hop, since a policy's domains can have many MXs;
 * a hop without idle connections is forgotten, and all idle connections are also kept in one
 * list oldest first, so eviction and "take an idle slot of another hop" never walk every hop.
 */
public final class SmtpConnectionPool implements AutoCloseable {

    private final SmtpSettings settings;
    private final SmtpConnector connector;
    private volatile int maxOpen;
    private volatile int maxMessagesPerConnection;
    private final long idleNanos;
    private volatile Rate maxConnRate;
    private final Pacer connectionPace = new Pacer(() -> maxConnRate, () -> 1);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private final Map<NextHop, ArrayDeque<SmtpConnection>> idle = new HashMap<>();
    private final LinkedHashSet<SmtpConnection> idleByAge = new LinkedHashSet<>();
    private int open;
    private long opened;
    private boolean closed;
    private volatile SmtpEvents events = SmtpEvents.NONE;

    public SmtpConnectionPool(Session session, int maxOpen, int maxMessagesPerConnection, Rate maxConnRate,
            Duration idleTimeout) {
        this.settings = SmtpSessions.settings(session);
        this.connector = new SmtpConnector(session);
        this.maxOpen = maxOpen;
        this.maxMessagesPerConnection = maxMessagesPerConnection;
        this.idleNanos = idleTimeout.toNanos();
        this.maxConnRate = maxConnRate;
    }

    /** Tells observer of every connection this pool opens or fails to open, and of every answered transaction. */
    public void observe(SmtpEvents observer) {
        this.events = observer;
        connector.observe(observer);
    }

    SmtpEvents events() {
        return events;
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

    /** Applies to the next new connection: it comes one new interval after the last one. */
    public void maxConnRate(Rate rate) {
        this.maxConnRate = rate;
    }

    SmtpConnection borrow(NextHop hop) throws MessagingException, InterruptedException {
        return borrow(hop, TlsLevel.NONE);
    }

    /**
     * An open connection to hop with at least the TLS the message demands: an idle one if there is
     * one, else a new one once the limits allow.
     */
    SmtpConnection borrow(NextHop hop, TlsLevel demanded) throws MessagingException, InterruptedException {
        while (true) {
            SmtpConnection victim = null;
            lock.lockInterruptibly();
            try {
                while (victim == null) {
                    if (closed) {
                        throw new MessagingException("connection pool closed");
                    }
                    SmtpConnection ready = takeIdle(hop, demanded);
                    if (ready != null) {
                        return ready;
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
                return connect(hop, demanded);
            }
            retire(victim); // outside the lock: closing waits for the server to hang up
        }
    }

    private SmtpConnection connect(NextHop hop, TlsLevel demanded) throws MessagingException, InterruptedException {
        boolean ok = false;
        try {
            connectionPace.take();
            SmtpConnection connection = connector.open(hop, demanded);
            ok = true;
            return connection;
        } finally {
            if (!ok) {
                forget();
            } else {
                countOpened();
            }
        }
    }

    /** Settings this pool's connections use. */
    SmtpSettings settings() {
        return settings;
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
                idleByAge.add(connection);
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
        List<SmtpConnection> stale = new ArrayList<>();
        lock.lock();
        try {
            SmtpConnection oldest;
            while ((oldest = oldestIdle()) != null && now - oldest.lastUsedNanos >= idleNanos) {
                removeIdle(oldest);
                stale.add(oldest);
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
        SmtpConnection victim = oldestIdle();
        if (victim != null) {
            removeIdle(victim);
        }
        return victim;
    }

    /**
     * The most recently used idle connection to hop (the one least likely to be timed out) that has
     * the TLS demanded, or null; under the lock.
     */
    private SmtpConnection takeIdle(NextHop hop, TlsLevel demanded) {
        ArrayDeque<SmtpConnection> ready = idle.get(hop);
        if (ready == null) {
            return null;
        }
        SmtpConnection connection = ready.peekLast();
        if (!connection.satisfies(hop, demanded)) {
            connection = null;
            for (SmtpConnection c : ready) {
                if (c.satisfies(hop, demanded)) {
                    connection = c;
                }
            }
            if (connection == null) {
                return null;
            }
        }
        removeIdle(connection);
        return connection;
    }

    private SmtpConnection oldestIdle() {
        Iterator<SmtpConnection> it = idleByAge.iterator();
        return it.hasNext() ? it.next() : null;
    }

    /** Takes a connection out of both idle structures; the oldest of all is the oldest of its hop. */
    private void removeIdle(SmtpConnection connection) {
        idleByAge.remove(connection);
        ArrayDeque<SmtpConnection> ready = idle.get(connection.hop);
        if (ready != null) {
            if (ready.peekFirst() == connection) {
                ready.pollFirst();
            } else {
                ready.remove(connection);
            }
            if (ready.isEmpty()) {
                idle.remove(connection.hop);
            }
        }
    }

    /** Next hops with idle connections now (hops without any are not kept). */
    int idleHops() {
        lock.lock();
        try {
            return idle.size();
        } finally {
            lock.unlock();
        }
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
        List<SmtpConnection> all;
        lock.lock();
        try {
            closed = true;
            all = new ArrayList<>(idleByAge);
            idle.clear();
            idleByAge.clear();
            open -= all.size();
            released.signalAll();
        } finally {
            lock.unlock();
        }
        all.forEach(SmtpConnection::close);
    }
}

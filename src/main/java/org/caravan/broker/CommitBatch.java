package org.caravan.broker;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

import jakarta.jms.JMSException;
import jakarta.jms.Session;

/**
 * The uncommitted work of one listener's transacted session: how many fully processed messages
 * wait for the commit, since when, and how long the last one took. It wraps the session so that
 * closing it (container shutdown, consumer scale-down) commits that finished work instead of
 * rolling it back: rolled back, already-delivered mail would be sent again after a graceful restart.
 */
final class CommitBatch implements InvocationHandler {

    private final Session session;
    private final Runnable beforeCommit;
    private int pending;
    private long oldestNanos;
    private long takenNanos;
    private long lastWorkNanos;
    /** After a rollback, commit one by one for a while so a poison message fails alone. */
    private int singles;
    /**
     * What else closes with the session. Spring's caching connection factory only returns a closed
     * session to its cache: a consumer the container did not make itself would stay open on it,
     * holding its queue (a removed policy's queue could not be deleted).
     */
    private Runnable onClose = () -> { };

    private CommitBatch(Session session, Runnable beforeCommit) {
        this.session = session;
        this.beforeCommit = beforeCommit;
    }

    static Session wrap(Session session, Runnable beforeCommit) {
        return (Session) Proxy.newProxyInstance(CommitBatch.class.getClassLoader(),
                new Class<?>[] {Session.class}, new CommitBatch(session, beforeCommit));
    }

    /** The batch behind a session made by {@link #wrap}, or null for any other session. */
    static CommitBatch of(Session session) {
        if (session != null && Proxy.isProxyClass(session.getClass())
                && Proxy.getInvocationHandler(session) instanceof CommitBatch batch) {
            return batch;
        }
        return null;
    }

    /** Runs closing when the session closes, after its finished work is committed. */
    void onClose(Runnable closing) {
        this.onClose = closing;
    }

    /** A message was just received into this session; its work starts now. */
    void taken() {
        takenNanos = System.nanoTime();
    }

    /**
     * True when one more message, taking as long as the last one did, would still finish before
     * the oldest finished message's ack is due: what keeps the duplicate window at maxAge.
     */
    boolean mayTakeAnother(long maxAgeNanos) {
        long left = maxAgeNanos - (System.nanoTime() - oldestNanos);
        return lastWorkNanos < left;
    }

    /** Counts one more processed message; true when the batch may stay open a while longer. */
    boolean addAndMayWait(int maxMessages, long maxAgeNanos) {
        long now = System.nanoTime();
        lastWorkNanos = now - takenNanos;
        if (pending++ == 0) {
            oldestNanos = now;
        }
        if (singles > 0) {
            singles--;
            return false;
        }
        return pending < maxMessages && now - oldestNanos < maxAgeNanos;
    }

    boolean hasPending() {
        return pending > 0;
    }

    int pending() {
        return pending;
    }

    /** Runs the before-commit step (accounting's fsync), then commits the session. */
    void commit() throws JMSException {
        beforeCommit.run();
        pending = 0;
        session.commit();
    }

    /** The session is about to roll back: its work is gone, and the next messages go singly. */
    void rolledBack(int isolateNext) {
        pending = 0;
        singles = isolateNext;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        switch (method.getName()) {
            case "close" -> {
                if (pending > 0) {
                    try {
                        commit();
                    } catch (JMSException | RuntimeException e) {
                        // connection gone or not durable: the broker rolls the batch back and redelivers it
                    }
                }
                onClose.run();
            }
            case "rollback" -> pending = 0;
            case "equals" -> {
                return proxy == args[0];
            }
            case "hashCode" -> {
                return System.identityHashCode(proxy);
            }
            default -> { }
        }
        try {
            return method.invoke(session, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}

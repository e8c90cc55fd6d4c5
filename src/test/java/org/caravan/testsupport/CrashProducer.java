package org.caravan.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * The crash suite's submissions, each stored exactly once across kills: non-transacted persistent
 * sends to mail.submit, each returning once the broker has journaled it (then it counts as
 * confirmed). A send cut by a kill is repeated when the broker is back, with the same Artemis
 * duplicate-detection id, so a repeat of a send that did reach the journal is dropped by the
 * broker and the producer can never be the source of a duplicate delivery.
 */
public final class CrashProducer {

    /** Artemis duplicate detection (Message.HDR_DUPLICATE_DETECTION_ID). */
    private static final String DUPLICATE_ID = "_AMQ_DUPL_ID";

    private final String url;
    private final String user;
    private final String password;
    private final String[] bodies;
    private final String job;
    private final int threads;
    private final Duration giveUp;
    private final AtomicInteger confirmed = new AtomicInteger();
    private final AtomicInteger resends = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean stopped;

    /**
     * bodies[i] goes out with jobId job and duplicate id job.i, from threads threads; a thread
     * fails when no broker takes its connection for giveUp.
     */
    public CrashProducer(int brokerPort, String user, String password, String[] bodies, String job, int threads,
            Duration giveUp) {
        this.url = "tcp://127.0.0.1:" + brokerPort + "?reconnectAttempts=0&callTimeout=30000";
        this.user = user;
        this.password = password;
        this.bodies = bodies;
        this.job = job;
        this.threads = threads;
        this.giveUp = giveUp;
    }

    public void start() {
        if (started()) {
            return;
        }
        running.set(threads);
        for (int t = 0; t < threads; t++) {
            int tid = t;
            Thread w = new Thread(() -> {
                try {
                    send(tid);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    running.decrementAndGet();
                }
            }, "crash-producer-" + t);
            w.setDaemon(true);
            workers.add(w);
            w.start();
        }
    }

    private boolean started() {
        return !workers.isEmpty();
    }

    private void send(int tid) throws Exception {
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(url, user, password)) {
            Connection c = null;
            Session s = null;
            MessageProducer p = null;
            long giveUpAt = Long.MAX_VALUE;
            try {
                for (int i = tid; i < bodies.length && !stopped;) {
                    try {
                        if (c == null) {
                            c = cf.createConnection();
                            s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
                            p = s.createProducer(s.createQueue("mail.submit"));
                            p.setDeliveryMode(DeliveryMode.PERSISTENT);
                        }
                        TextMessage m = s.createTextMessage(bodies[i]);
                        m.setStringProperty("jobId", job);
                        m.setStringProperty(DUPLICATE_ID, job + "." + i);
                        p.send(m);
                        confirmed.incrementAndGet();
                        giveUpAt = Long.MAX_VALUE;
                        i += threads;
                    } catch (JMSException e) {
                        // the broker went away (a kill): reconnect when it is back and send i again
                        if (giveUpAt == Long.MAX_VALUE) {
                            giveUpAt = System.nanoTime() + giveUp.toNanos();
                            resends.incrementAndGet();
                        } else if (System.nanoTime() > giveUpAt) {
                            throw new IllegalStateException("no broker for " + giveUp.toMinutes() + " minutes", e);
                        }
                        closeQuietly(c);
                        c = null;
                        Thread.sleep(200);
                    }
                }
            } finally {
                closeQuietly(c);
            }
        }
    }

    static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // a dead broker
            }
        }
    }

    /** Submissions the broker has confirmed (journaled). */
    public int confirmed() {
        return confirmed.get();
    }

    /** Sends repeated after a kill cut them. */
    public int resends() {
        return resends.get();
    }

    /** Started, and every thread has ended: all sent, stopped or failed. */
    public boolean finished() {
        return started() && running.get() == 0;
    }

    public Throwable failure() {
        return failure.get();
    }

    public void stop() {
        stopped = true;
    }

    public void join() {
        for (Thread w : workers) {
            try {
                w.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

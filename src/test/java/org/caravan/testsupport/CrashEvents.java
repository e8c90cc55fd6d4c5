package org.caravan.testsupport;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * The crash suite's proof of commit: subscribes to mail.events on each engine (epoch 0 = the
 * first, k = the one started after the k-th kill) as soon as its broker takes logins. The engine
 * sends a delivery's event inside the broker transaction that acks the delivery, so an event seen
 * proves the commit; one not seen proves nothing (events are non-persistent, with gaps at every
 * restart). Used only to tell, at a kill, which deliveries the sink had answered 250 but the
 * engine had not committed; outcomes are counted from the sink and the accounting.
 *
 * <p>JSON read with regular expressions, not Jackson: bench/crash.sh compiles this file against
 * the engine's runtime classpath only.
 */
public final class CrashEvents implements AutoCloseable {

    private static final Pattern TYPE = Pattern.compile("\"type\":\"([^\"]*)\"");
    private static final Pattern RCPT = Pattern.compile("\"recipient\":\"([^\"]*)\"");
    private static final Pattern MID = Pattern.compile("\"messageId\":\"([^\"]*)\"");

    private final String url;
    private final String user;
    private final String password;
    /** epoch -> keys (CrashSink.key) with a 'delivered' event from that engine. */
    private final Map<Integer, Set<String>> delivered = new ConcurrentHashMap<>();
    private final Map<Integer, Long> connectedNs = new ConcurrentHashMap<>();
    private final AtomicInteger events = new AtomicInteger();
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final List<ActiveMQConnectionFactory> factories = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile int current = -1;
    private volatile boolean closed;

    public CrashEvents(int brokerPort, String user, String password) {
        this.url = "tcp://127.0.0.1:" + brokerPort + "?reconnectAttempts=0";
        this.user = user;
        this.password = password;
    }

    /** watch(epoch, () -> true): for a caller that subscribes before it starts the engine. */
    public void watch(int epoch) {
        watch(epoch, () -> true);
    }

    /**
     * Connects in the background to the engine of this epoch, every 20 ms until its broker takes
     * the login, while engineAlive holds, no later epoch is watched and this is not closed.
     */
    public void watch(int epoch, BooleanSupplier engineAlive) {
        delivered.put(epoch, ConcurrentHashMap.newKeySet());
        current = epoch;
        // the factory stays open until close(): closing it would close the connection made from it
        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(url, user, password);
        factories.add(cf);
        Thread t = new Thread(() -> {
            try {
                while (!closed && current == epoch && engineAlive.getAsBoolean()) {
                    try {
                        Connection c = cf.createConnection();
                        connections.add(c);
                        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
                        s.createConsumer(s.createTopic("mail.events")).setMessageListener(m -> onEvent(epoch, m));
                        c.start();
                        connectedNs.put(epoch, System.nanoTime());
                        return;
                    } catch (JMSException e) {
                        Thread.sleep(20);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "crash-events-" + epoch);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void onEvent(int epoch, Message m) {
        try {
            String json = ((TextMessage) m).getText();
            events.incrementAndGet();
            Matcher type = TYPE.matcher(json);
            Matcher rcpt = RCPT.matcher(json);
            Matcher mid = MID.matcher(json);
            if (type.find() && type.group(1).equals("delivered") && rcpt.find() && mid.find()) {
                delivered.get(epoch).add(CrashSink.key(mid.group(1), rcpt.group(1)));
            }
        } catch (JMSException | RuntimeException ignored) {
            // not one of ours
        }
    }

    /** True if the engine of this epoch sent the 'delivered' event of key: it committed that delivery. */
    public boolean committed(int epoch, String key) {
        Set<String> s = delivered.get(epoch);
        return s != null && s.contains(key);
    }

    /** When the watcher of this epoch got its subscription (nanoTime); MAX_VALUE if it never did. */
    public long connectedAt(int epoch) {
        return connectedNs.getOrDefault(epoch, Long.MAX_VALUE);
    }

    /** Events of any type received from all engines. */
    public int seen() {
        return events.get();
    }

    @Override
    public void close() {
        closed = true;
        connections.forEach(CrashProducer::closeQuietly);
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        factories.forEach(ActiveMQConnectionFactory::close);
    }
}

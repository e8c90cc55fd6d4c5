package org.caravan.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real SMTP server on 127.0.0.1 for integration tests: records every accepted message and
 * session, and misbehaves on purpose as scripted (per-recipient replies, DATA replies, rate
 * limits, drops, stalls, refused sessions). One thread per connection; no pipelining.
 *
 * <pre>{@code
 * try (var smtp = ScriptedSmtpServer.start()) {
 *     smtp.rcptReplies("retry@x.test", "451 4.7.1 try later", "250 OK");
 *     ... deliver to 127.0.0.1:smtp.port() ...
 *     assertThat(smtp.awaitMessages(1, Duration.ofSeconds(5))).isTrue();
 * }
 * }</pre>
 * Scripting methods may be called at any time and return this server for chaining.
 */
public final class ScriptedSmtpServer implements AutoCloseable {

    private static final long DEFAULT_SEED = 42;
    private static final long ONE_SECOND_NANOS = 1_000_000_000L;

    private final ServerSocket serverSocket;
    private final ExecutorService sessions;
    private final Thread acceptor;
    private final Set<Socket> openSockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger nextSessionId = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger openSessions = new AtomicInteger();
    private final AtomicInteger peakSessions = new AtomicInteger();
    private final AtomicInteger dataCommands = new AtomicInteger();
    private final Map<Integer, AtomicInteger> perConnection = new ConcurrentHashMap<>();
    private final List<Received> received = new ArrayList<>();
    private final List<String> mailCommands = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<String> ehloNames = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<Integer, String> peers = new ConcurrentHashMap<>();
    private final Map<Integer, String> ehloBySession = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> openByPeer = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> peakByPeer = new ConcurrentHashMap<>();
    private final ArrayDeque<Long> recentAccepts = new ArrayDeque<>();
    private final List<Long> connectionNanos = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile SmtpScript script = new SmtpScript(DEFAULT_SEED);

    private ScriptedSmtpServer() throws IOException {
        serverSocket = new ServerSocket();
        serverSocket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        AtomicInteger threadNumber = new AtomicInteger();
        sessions = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "scripted-smtp-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        acceptor = new Thread(this::acceptLoop, "scripted-smtp-accept-" + port());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts a server on an ephemeral port of 127.0.0.1 that answers everything with success. */
    public static ScriptedSmtpServer start() {
        try {
            return new ScriptedSmtpServer();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind a scripted SMTP server", e);
        }
    }

    /** The port it listens on (127.0.0.1). */
    public int port() {
        return serverSocket.getLocalPort();
    }

    // ---- scripting ----

    /** RCPT replies for an address (or "@domain") by attempt number across connections; the last repeats. */
    public ScriptedSmtpServer rcptReplies(String address, String... repliesByAttempt) {
        script.rcptReplies(address, repliesByAttempt);
        return this;
    }

    /** Answers every RCPT for this address (or "@domain") with the same reply. */
    public ScriptedSmtpServer alwaysRcpt(String address, String reply) {
        return rcptReplies(address, reply);
    }

    /** Defers unscripted recipients with "451 4.3.0 temporary failure" with this probability (seeded). */
    public ScriptedSmtpServer deferRcptRandomly(double probability) {
        script.deferRcptRandomly(probability);
        return this;
    }

    /** Final DATA replies by attempt number of the same message (by Message-ID); the last repeats. */
    public ScriptedSmtpServer dataReplies(String... repliesByAttempt) {
        script.dataReplies(repliesByAttempt);
        return this;
    }

    /** Answers every final DATA with the same reply. */
    public ScriptedSmtpServer alwaysData(String reply) {
        return dataReplies(reply);
    }

    /** Refuses MAIL FROM with "421 4.7.0 too many messages, slow down" and closes, once this many were accepted in the last second. */
    public ScriptedSmtpServer rateLimit(int maxPerSecond) {
        return rateLimit(maxPerSecond, SmtpScript.DEFAULT_RATE);
    }

    /** As {@link #rateLimit(int)} with your own reply (a 421 text, since the connection is closed after it). */
    public ScriptedSmtpServer rateLimit(int maxPerSecond, String reply) {
        script.rateLimit(maxPerSecond, reply);
        return this;
    }

    /** Closes the connection without a reply during the DATA transfers with these server-wide numbers (1-based). */
    public ScriptedSmtpServer dropDuringData(int... dataNumbers) {
        script.dropDuringData(dataNumbers);
        return this;
    }

    /** Closes the connection without a reply during each DATA transfer with this probability (seeded). */
    public ScriptedSmtpServer dropDuringDataRandomly(double probability) {
        script.dropDuringDataRandomly(probability);
        return this;
    }

    /** Holds back the reply at this stage for the duration, every time. */
    public ScriptedSmtpServer stall(SmtpStage stage, Duration duration) {
        return stall(stage, duration, Integer.MAX_VALUE);
    }

    /** Holds back the reply at this stage for the duration, the next {@code times} times only. */
    public ScriptedSmtpServer stall(SmtpStage stage, Duration duration, int times) {
        script.stall(stage, duration, times);
        return this;
    }

    /** Greets the next {@code sessions} connections with "421 4.3.2 service not available" and closes them. */
    public ScriptedSmtpServer refuseSessions(int sessions) {
        return refuseSessions(sessions, SmtpScript.DEFAULT_REFUSAL);
    }

    /** As {@link #refuseSessions(int)} with your own greeting. */
    public ScriptedSmtpServer refuseSessions(int sessions, String greeting) {
        script.refuseSessions(sessions, greeting);
        return this;
    }

    /** Greets with endless "220-" continuation lines, one per interval, never the final "220 ". */
    public ScriptedSmtpServer dripGreeting(Duration interval) {
        script.dripGreeting(interval);
        return this;
    }

    /** Closes with a TCP reset right after each 421, as busy servers do: a command sent after it fails. */
    public ScriptedSmtpServer resetAfter421() {
        script.resetAfter421();
        return this;
    }

    /** Accepts this many RCPT per transaction and answers "452 4.5.3 Too many recipients" to the rest. */
    public ScriptedSmtpServer maxRcptPerTransaction(int max) {
        script.maxRcptPerTransaction(max);
        return this;
    }

    /** What EHLO advertises: SIZE with this limit (0: SIZE without a limit) and 8BITMIME or not. */
    public ScriptedSmtpServer advertise(long sizeLimit, boolean eightBitMime) {
        script.advertise(sizeLimit, eightBitMime);
        return this;
    }

    /** Reseeds the random source of the probabilistic faults (default seed 42). */
    public ScriptedSmtpServer seed(long seed) {
        script.seed(seed);
        return this;
    }

    /** Forgets all rules, records and statistics (open sessions stay open and keep their ids). */
    public ScriptedSmtpServer reset() {
        script = new SmtpScript(DEFAULT_SEED);
        synchronized (received) {
            received.clear();
            recentAccepts.clear();
        }
        connections.set(0);
        peakSessions.set(openSessions.get());
        dataCommands.set(0);
        perConnection.clear();
        mailCommands.clear();
        ehloNames.clear();
        openByPeer.forEach((peer, open) -> peakByPeer.put(peer, new AtomicInteger(open.get())));
        return this;
    }

    // ---- records ----

    /** A snapshot of the accepted messages, in order of acceptance. */
    public List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /** How many messages were accepted. */
    public int messageCount() {
        synchronized (received) {
            return received.size();
        }
    }

    /** Waits until at least n messages were accepted; false on timeout. */
    public boolean awaitMessages(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            while (received.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(received, left);
            }
            return true;
        }
    }

    /** How many connections were accepted. */
    public int connections() {
        return connections.get();
    }

    /** System.nanoTime() of every accepted connection, in accept order. */
    public List<Long> connectionTimes() {
        return List.copyOf(connectionNanos);
    }

    /** How many sessions are open now. */
    public int openSessions() {
        return openSessions.get();
    }

    /** The largest number of sessions that were open at the same time. */
    public int peakConcurrentSessions() {
        return peakSessions.get();
    }

    /** Accepted messages per session id, for every accepted connection (0 if none), sorted by id. */
    public Map<Integer, Integer> messagesPerConnection() {
        Map<Integer, Integer> snapshot = new TreeMap<>();
        perConnection.forEach((id, count) -> snapshot.put(id, count.get()));
        return snapshot;
    }

    /** The most messages accepted on any one connection. */
    public int maxMessagesPerConnection() {
        return perConnection.values().stream().mapToInt(AtomicInteger::get).max().orElse(0);
    }

    /** How many RCPT TO commands named this address, whatever the reply. */
    public int rcptAttempts(String address) {
        return script.rcptAttempts(address);
    }

    /** Every MAIL FROM command line as received (with its parameters), in order. */
    public List<String> mailCommands() {
        return List.copyOf(mailCommands);
    }

    /** The name given in every EHLO or HELO, in order. */
    public List<String> ehloNames() {
        return List.copyOf(ehloNames);
    }

    /** How many DATA transfers were started (answered 354), including dropped and rejected ones. */
    public int dataCommands() {
        return dataCommands.get();
    }

    /** The client's address of a session (the source address it connected from), by session id. */
    public String peerOf(int sessionId) {
        return peers.get(sessionId);
    }

    /** The name the session gave in EHLO or HELO (the last one), by session id. */
    public String ehloOf(int sessionId) {
        return ehloBySession.get(sessionId);
    }

    /** The largest number of sessions open at the same time from one client address. */
    public int peakConcurrentSessionsFrom(String peer) {
        AtomicInteger peak = peakByPeer.get(peer);
        return peak == null ? 0 : peak.get();
    }

    /** Closes every open session at once, as a server does to idle clients; it keeps listening. */
    public ScriptedSmtpServer dropOpenSessions() {
        openSockets.forEach(ScriptedSmtpServer::closeQuietly);
        return this;
    }

    /** Stops listening and closes every open session. */
    @Override
    public void close() {
        try {
            serverSocket.close();
        } catch (IOException e) {
            // closing anyway
        }
        openSockets.forEach(ScriptedSmtpServer::closeQuietly);
        sessions.shutdownNow();
        try {
            acceptor.join(1000);
            sessions.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- called by sessions ----

    SmtpScript script() {
        return script;
    }

    void mailCommand(String command) {
        mailCommands.add(command);
    }

    void ehloName(String name) {
        ehloNames.add(name);
    }

    void ehloName(int sessionId, String name) {
        ehloName(name);
        ehloBySession.put(sessionId, name);
    }

    int nextDataNumber() {
        return dataCommands.incrementAndGet();
    }

    void record(int sessionId, String mailFrom, List<String> rcptTo, byte[] data) {
        long nanos = System.nanoTime();
        Received message = new Received(sessionId, mailFrom, rcptTo, data, nanos, System.currentTimeMillis());
        perConnection.computeIfAbsent(sessionId, id -> new AtomicInteger()).incrementAndGet();
        synchronized (received) {
            received.add(message);
            recentAccepts.addLast(nanos);
            received.notifyAll();
        }
    }

    int acceptedInLastSecond() {
        long since = System.nanoTime() - ONE_SECOND_NANOS;
        synchronized (received) {
            while (!recentAccepts.isEmpty() && recentAccepts.peekFirst() - since < 0) {
                recentAccepts.removeFirst();
            }
            return recentAccepts.size();
        }
    }

    void sessionEnded(Socket socket) {
        AtomicInteger fromPeer = openByPeer.get(socket.getInetAddress().getHostAddress());
        if (openSockets.contains(socket) && fromPeer != null) {
            fromPeer.decrementAndGet();
        }
        openSockets.remove(socket);
        openSessions.decrementAndGet();
    }

    private void acceptLoop() {
        while (!serverSocket.isClosed()) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                pauseAfterAcceptFailure();
                continue;
            }
            connectionNanos.add(System.nanoTime());
            int id = nextSessionId.incrementAndGet();
            connections.incrementAndGet();
            peakSessions.accumulateAndGet(openSessions.incrementAndGet(), Math::max);
            perConnection.put(id, new AtomicInteger());
            String peer = socket.getInetAddress().getHostAddress();
            peers.put(id, peer);
            int fromPeer = openByPeer.computeIfAbsent(peer, p -> new AtomicInteger()).incrementAndGet();
            peakByPeer.computeIfAbsent(peer, p -> new AtomicInteger()).accumulateAndGet(fromPeer, Math::max);
            openSockets.add(socket);
            try {
                sessions.execute(new SmtpSession(this, socket, id));
            } catch (RejectedExecutionException e) {
                closeQuietly(socket);
                sessionEnded(socket);
            }
        }
    }

    /** Keeps a persistent accept failure (e.g. out of file descriptors) from spinning a core. */
    private void pauseAfterAcceptFailure() {
        try {
            Thread.sleep(serverSocket.isClosed() ? 0 : 10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }
}

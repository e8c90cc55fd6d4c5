package org.caravan.testsupport;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The counting SMTP server of the crash suite (CrashSuiteTest and bench/crash/CrashSuite.java):
 * 127.0.0.1, one thread per connection, no pipelining, every recipient and message accepted. It
 * keeps, with System.nanoTime() stamps, every connection (open, close) and every DATA transaction
 * (DATA command, final '.', reply), so that the state at any kill moment can be computed after
 * the run (CrashVerdict).
 *
 * <p>A message counts as received when its final '.' arrives, before the reply (as an MTA that has
 * queued it), and the reply is held delayMs, so that kills find deliveries in DATA: a kill while
 * the reply is pending counts as delivered, the harsh reading.
 *
 * <p>Only the JDK: bench/crash.sh compiles this file with javac against the runtime classpath.
 */
public final class CrashSink implements AutoCloseable {

    /** One SMTP connection; closeNs stays MAX_VALUE while it is open. */
    public static final class Conn {
        final int id;
        public final long openNs;
        public volatile long closeNs = Long.MAX_VALUE;

        Conn(int id, long openNs) {
            this.id = id;
            this.openNs = openNs;
        }
    }

    /** One DATA transaction: dotNs and replyNs stay -1 until the final '.' and the reply. */
    public static final class Txn {
        public final Conn conn;
        public final long dataNs;
        public final List<String> rcpts;
        public volatile long dotNs = -1;
        public volatile long replyNs = -1;
        public volatile String messageId;

        Txn(Conn conn, long dataNs, List<String> rcpts) {
            this.conn = conn;
            this.dataNs = dataNs;
            this.rcpts = rcpts;
        }

        /** When the transaction stopped being in DATA: its reply, else the end of its connection. */
        public long endNs() {
            return replyNs >= 0 ? replyNs : conn.closeNs;
        }

        /** The delivery of this message to one of its recipients, as key() names it. */
        public String key(String rcpt) {
            return CrashSink.key(messageId == null ? "" : messageId, rcpt);
        }
    }

    /**
     * What names one delivery everywhere in the crash suite (sink, events, accounting): the
     * Message-ID without its angle brackets and the recipient in lower case.
     */
    public static String key(String messageId, String rcpt) {
        String id = messageId.trim();
        if (id.startsWith("<") && id.endsWith(">")) {
            id = id.substring(1, id.length() - 1);
        }
        return id + " " + rcpt.trim().toLowerCase(Locale.ROOT);
    }

    private final ServerSocket server;
    private final int delayMs;
    private final List<Conn> conns = new ArrayList<>();
    private final List<Txn> txns = new ArrayList<>();
    private final Set<String> distinct = ConcurrentHashMap.newKeySet();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger ids = new AtomicInteger();

    /** Listens on an ephemeral port of 127.0.0.1; delayMs: how long the reply to the final '.' waits. */
    public CrashSink(int delayMs) throws IOException {
        this.delayMs = delayMs;
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        Thread acceptor = new Thread(this::acceptLoop, "crash-sink-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Distinct deliveries (key()) received so far. */
    public int distinct() {
        return distinct.size();
    }

    public synchronized List<Txn> txns() {
        return new ArrayList<>(txns);
    }

    public synchronized List<Conn> conns() {
        return new ArrayList<>(conns);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Conn c = new Conn(ids.incrementAndGet(), System.nanoTime());
                synchronized (this) {
                    conns.add(c);
                }
                sockets.add(s);
                Thread t = new Thread(() -> serve(s, c), "crash-sink-" + c.id);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!server.isClosed()) {
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    private void serve(Socket socket, Conn c) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 16384);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 4096);
            reply(out, "220 127.0.0.1 ESMTP crash-sink");
            boolean mail = false;
            List<String> rcpts = new ArrayList<>();
            ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
            while (true) {
                if (readLine(in, line) < 0) {
                    return;
                }
                String cmd = line.toString(StandardCharsets.ISO_8859_1).strip();
                String verb = (cmd.length() >= 4 ? cmd.substring(0, 4) : cmd).toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> {
                        mail = false;
                        rcpts.clear();
                        reply(out, "250-127.0.0.1\r\n250-8BITMIME\r\n250-SIZE 104857600\r\n250 ENHANCEDSTATUSCODES");
                    }
                    case "HELO" -> {
                        mail = false;
                        rcpts.clear();
                        reply(out, "250 127.0.0.1");
                    }
                    case "MAIL" -> {
                        mail = true;
                        rcpts.clear();
                        reply(out, "250 2.1.0 OK");
                    }
                    case "RCPT" -> {
                        rcpts.add(address(cmd));
                        reply(out, "250 2.1.5 OK");
                    }
                    case "DATA" -> {
                        if (!mail || rcpts.isEmpty()) {
                            reply(out, "503 5.5.1 need MAIL and RCPT");
                            break;
                        }
                        mail = false;
                        if (!data(in, out, line, c, List.copyOf(rcpts))) {
                            return; // the client died in DATA: nothing was delivered
                        }
                        rcpts.clear();
                    }
                    case "RSET" -> {
                        mail = false;
                        rcpts.clear();
                        reply(out, "250 2.0.0 OK");
                    }
                    case "NOOP" -> reply(out, "250 2.0.0 OK");
                    case "QUIT" -> {
                        reply(out, "221 2.0.0 bye");
                        return;
                    }
                    default -> reply(out, "502 5.5.2 not implemented");
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client went away (a kill) or the sink is closing
        } finally {
            c.closeNs = System.nanoTime();
            sockets.remove(socket);
        }
    }

    /** One DATA transaction, recorded from the DATA command on; false if the client went away before the final '.'. */
    private boolean data(InputStream in, OutputStream out, ByteArrayOutputStream line, Conn c, List<String> rcpts)
            throws IOException, InterruptedException {
        Txn t = new Txn(c, System.nanoTime(), rcpts);
        synchronized (this) {
            txns.add(t);
        }
        reply(out, "354 end with <CRLF>.<CRLF>");
        ByteArrayOutputStream body = new ByteArrayOutputStream(4096);
        while (true) {
            int n = readLine(in, line);
            if (n < 0) {
                return false;
            }
            byte[] l = line.toByteArray();
            if (n == 3 && l[0] == '.' && l[1] == '\r') {
                break;
            }
            int skip = l[0] == '.' ? 1 : 0;
            body.write(l, skip, l.length - skip);
        }
        t.messageId = messageId(body.toByteArray());
        t.dotNs = System.nanoTime();
        for (String r : t.rcpts) {
            distinct.add(t.key(r));
        }
        if (delayMs > 0) {
            Thread.sleep(delayMs);
        }
        reply(out, "250 2.0.0 queued");
        t.replyNs = System.nanoTime();
        return true;
    }

    /** One line including CRLF into buf; its length, or -1 at end of stream. */
    private static int readLine(InputStream in, ByteArrayOutputStream buf) throws IOException {
        buf.reset();
        int b;
        while ((b = in.read()) >= 0) {
            buf.write(b);
            if (b == '\n') {
                return buf.size();
            }
        }
        return -1;
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static String address(String cmd) {
        int lt = cmd.indexOf('<');
        int gt = cmd.indexOf('>', lt + 1);
        if (lt >= 0 && gt > lt) {
            return cmd.substring(lt + 1, gt);
        }
        int colon = cmd.indexOf(':');
        return cmd.substring(colon + 1).trim().split("\\s+")[0];
    }

    /** The Message-ID header of the received message (unfolded), or null. */
    private static String messageId(byte[] data) {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        String head = end < 0 ? text : text.substring(0, end);
        String[] lines = head.replace("\r\n ", " ").replace("\r\n\t", " ").split("\r\n");
        for (String l : lines) {
            if (l.regionMatches(true, 0, "Message-ID:", 0, 11)) {
                return l.substring(11).trim();
            }
        }
        return null;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}

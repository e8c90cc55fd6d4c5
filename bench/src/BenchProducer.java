/*
 * BenchProducer: the load generator of bench/run.sh.
 *
 * Sends N persistent JMS messages, each one complete RFC 5322 message of about SIZE bytes, to a
 * queue (default mail.submit) over the Artemis JMS client, from several threads, each with its
 * own connection and a transacted session that commits every BATCH messages. All bodies are built
 * before the clock starts, so the figure printed is the broker's intake rate, not string building.
 *
 * Why not `artemis producer`: the CLI sends generated text that is not RFC 5322 mail, so the
 * engine would reject it as invalid instead of delivering it.
 *
 * Single-file program; run it either way:
 *   java -cp "$(cat bench/work/classpath.txt)" bench/src/BenchProducer.java --port 61616 ...
 *   javac -cp ... -d DIR bench/src/BenchProducer.java && java -cp DIR:... BenchProducer ...
 * (bench/run.sh compiles it once: the source launcher recompiles on every start, which costs
 * CPU that competes with the engine on a 2-core machine.)
 *
 * Output: key=value lines on stdout (start_ms, end_ms, sent, intake_rate, cpu_ms, ...).
 *
 * Other modes:
 *   --stream          build each message just before sending it instead of all up front (for the
 *                     scale run: 1,000,000 x 2 KB prebuilt would need 2 GB of heap); the building
 *                     is then inside the measured time (it is ~1 us a message).
 *   --progress-s S    print "progress t_ms=.. sent=.." to stderr every S seconds (committed count).
 *   --write-message FILE [--index I]
 *                     write message I (default 0) to FILE, LF line ends, and exit: the exact text
 *                     the Postfix scenario feeds to smtp-source -F, so both MTAs get the same mail.
 */

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

public class BenchProducer {

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = parseArgs(argv);
        if (a.containsKey("write-message")) {
            int size = Integer.parseInt(a.getOrDefault("size", "2048"));
            int index = Integer.parseInt(a.getOrDefault("index", "0"));
            String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
            String m = buildMessage(a.getOrDefault("job", "postfix-bench"), index, size,
                    a.getOrDefault("domain", "bench.test"), date);
            java.nio.file.Files.writeString(java.nio.file.Path.of(a.get("write-message")),
                    m.replace("\r\n", "\n"), StandardCharsets.US_ASCII);
            return;
        }
        if (a.containsKey("help") || (!a.containsKey("port") && !a.containsKey("url"))) {
            System.err.println("usage: BenchProducer --port BROKER_PORT | --url tcp://127.0.0.1:PORT"
                    + " [--user U --password P] [--queue mail.submit] [--messages 20000] [--size 2048]"
                    + " [--threads 4] [--batch 50] [--job ID] [--domain bench.test] [--domains 1] [--bytes] [--envelope]"
                    + " [--ready-file F --go-file G] [--stream] [--progress-s S]"
                    + " | --write-message FILE [--index I] [--size 2048] [--job ID]");
            System.exit(a.containsKey("help") ? 0 : 2);
        }
        String url = a.getOrDefault("url", "tcp://127.0.0.1:" + a.get("port"));
        String user = a.getOrDefault("user", System.getenv().getOrDefault("MTA_BROKER_USER", "caravan"));
        String password = a.getOrDefault("password", System.getenv().getOrDefault("MTA_BROKER_PASSWORD", "caravan"));
        String queueName = a.getOrDefault("queue", "mail.submit");
        int messages = Integer.parseInt(a.getOrDefault("messages", "20000"));
        int size = Integer.parseInt(a.getOrDefault("size", "2048"));
        int threads = Integer.parseInt(a.getOrDefault("threads", "4"));
        int batch = Integer.parseInt(a.getOrDefault("batch", "50"));
        String jobId = a.getOrDefault("job", "bench-" + System.currentTimeMillis());
        String domain = a.getOrDefault("domain", "bench.test");
        boolean bytes = a.containsKey("bytes");        // BytesMessage instead of TextMessage
        boolean envelope = a.containsKey("envelope");  // also set rcptTo / mailFrom properties
        boolean stream = a.containsKey("stream");      // build each body at send time
        DOMAINS = Integer.parseInt(a.getOrDefault("domains", "1"));
        double progressS = Double.parseDouble(a.getOrDefault("progress-s", "0"));

        if (!url.startsWith("tcp://127.0.0.1:") && !url.startsWith("tcp://localhost:")) {
            throw new IllegalArgumentException("refusing a non-loopback broker url: " + url);
        }

        // 1. Build every message before the clock starts (unless --stream).
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
        String[] bodies = stream ? null : new String[messages];
        for (int i = 0; !stream && i < messages; i++) {
            bodies[i] = buildMessage(jobId, i, size, domain, date);
        }
        int bodyLength = messages == 0 ? 0 : stream ? buildMessage(jobId, 0, size, domain, date).length() : bodies[0].length();

        // 2. Connect every thread before the clock starts.
        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(url, user, password);
        List<Connection> connections = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        AtomicLong sent = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            final int tid = t;
            Connection c = cf.createConnection();
            connections.add(c);
            c.start();
            Session s = c.createSession(true, Session.SESSION_TRANSACTED);
            Queue q = s.createQueue(queueName);
            MessageProducer p = s.createProducer(q);
            p.setDeliveryMode(DeliveryMode.PERSISTENT);
            Thread w = new Thread(() -> {
                try {
                    go.await();
                    int inTx = 0;
                    for (int i = tid; i < messages; i += threads) {
                        String body = stream ? buildMessage(jobId, i, size, domain, date) : bodies[i];
                        Message m;
                        if (bytes) {
                            BytesMessage bm = s.createBytesMessage();
                            bm.writeBytes(body.getBytes(StandardCharsets.US_ASCII));
                            m = bm;
                        } else {
                            m = s.createTextMessage(body);
                        }
                        m.setStringProperty("jobId", jobId);
                        if (envelope) {
                            m.setStringProperty("rcptTo", "user" + i + "@" + recipientDomain(i, domain));
                            m.setStringProperty("mailFrom", "sender@" + domain);
                        }
                        p.send(m);
                        if (++inTx == batch) {
                            s.commit();
                            sent.addAndGet(inTx);
                            inTx = 0;
                        }
                    }
                    if (inTx > 0) {
                        s.commit();
                        sent.addAndGet(inTx);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "producer-" + t);
            workers.add(w);
            w.start();
        }

        // 3. Optional handshake, so that the caller can sample /proc right before the clock starts:
        //    create --ready-file, then wait for --go-file to exist.
        if (a.containsKey("ready-file")) {
            java.nio.file.Files.writeString(java.nio.file.Path.of(a.get("ready-file")), "ready\n");
            java.nio.file.Path goFile = java.nio.file.Path.of(a.getOrDefault("go-file", a.get("ready-file") + ".go"));
            long deadline = System.currentTimeMillis() + 600_000;
            while (!java.nio.file.Files.exists(goFile)) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("no go file after 10 minutes: " + goFile);
                }
                Thread.sleep(1);
            }
        }

        // 4. Go.
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long start = System.currentTimeMillis();
        long t0 = System.nanoTime();
        go.countDown();
        if (progressS > 0) {
            long every = (long) (progressS * 1000);
            for (Thread w : workers) {
                while (w.isAlive()) {
                    w.join(every);
                    if (w.isAlive()) {
                        System.err.printf(Locale.ROOT, "progress t_ms=%d sent=%d%n", System.currentTimeMillis(), sent.get());
                    }
                }
            }
        }
        for (Thread w : workers) {
            w.join();
        }
        long elapsedNs = System.nanoTime() - t0;
        long end = System.currentTimeMillis();
        long cpu1 = os.getProcessCpuTime();
        for (Connection c : connections) {
            try { c.close(); } catch (Exception ignored) { }
        }
        cf.close();

        double elapsedMs = elapsedNs / 1e6;
        long n = sent.get();
        double cpuMs = (cpu1 - cpu0) / 1e6;
        System.out.printf(Locale.ROOT, "job=%s%n", jobId);
        System.out.printf(Locale.ROOT, "sent=%d%n", n);
        System.out.printf(Locale.ROOT, "size_bytes=%d%n", bodyLength);
        System.out.printf(Locale.ROOT, "threads=%d%nbatch=%d%n", threads, batch);
        System.out.printf(Locale.ROOT, "start_ms=%d%nend_ms=%d%n", start, end);
        System.out.printf(Locale.ROOT, "elapsed_ms=%.1f%n", elapsedMs);
        System.out.printf(Locale.ROOT, "intake_rate=%.1f%n", n * 1000.0 / elapsedMs);
        System.out.printf(Locale.ROOT, "cpu_ms=%.1f%n", cpuMs);
        System.out.printf(Locale.ROOT, "cpu_ms_per_msg=%.4f%n", n > 0 ? cpuMs / n : 0.0);
        if (failure.get() != null) {
            System.out.println("error=" + failure.get().toString().replace('\n', ' '));
            failure.get().printStackTrace();
            System.exit(2);
        }
    }

    /** With --domains D > 1, message i goes to d(i mod D).DOMAIN: D recipient domains in turn. */
    static int DOMAINS = 1;

    static String recipientDomain(int i, String domain) {
        return DOMAINS > 1 ? "d" + (i % DOMAINS) + "." + domain : domain;
    }

    /** One RFC 5322 message of about {@code size} bytes, CRLF line ends, with '.'-leading lines. */
    static String buildMessage(String jobId, int i, int size, String domain, String date) {
        StringBuilder sb = new StringBuilder(size + 128);
        sb.append("Message-ID: <").append(jobId).append('.').append(i).append("@").append(domain).append(">\r\n");
        sb.append("Date: ").append(date).append("\r\n");
        sb.append("From: Caravan Bench <sender@").append(domain).append(">\r\n");
        sb.append("To: <user").append(i).append('@').append(recipientDomain(i, domain)).append(">\r\n");
        sb.append("Subject: Caravan bench ").append(jobId).append(" message ").append(i).append("\r\n");
        sb.append("MIME-Version: 1.0\r\n");
        sb.append("Content-Type: text/plain; charset=us-ascii\r\n");
        sb.append("Content-Transfer-Encoding: 7bit\r\n");
        sb.append("\r\n");
        String filler = "The quick brown fox jumps over the lazy dog while the caravan moves on";
        int line = 0;
        while (sb.length() < size - 2) {
            String text;
            switch (line % 9) {
                case 3 -> text = ".leading dot line " + line + " (must arrive with exactly one dot)";
                case 6 -> text = "..two leading dots " + line;
                case 8 -> text = line == 8 ? "." : "line " + line + " " + filler; // a lone dot, once
                default -> text = "line " + line + " " + filler;
            }
            int room = size - 2 - sb.length();
            if (text.length() > room) {
                text = room > 0 ? text.substring(0, room) : "";
                if (text.equals(".")) {
                    text = "x";
                }
            }
            sb.append(text).append("\r\n");
            line++;
        }
        return sb.toString();
    }

    static Map<String, String> parseArgs(String[] argv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String k = argv[i];
            if (!k.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + k);
            }
            k = k.substring(2);
            int eq = k.indexOf('=');
            if (eq >= 0) {
                m.put(k.substring(0, eq), k.substring(eq + 1));
            } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                m.put(k, argv[++i]);
            } else {
                m.put(k, "true");
            }
        }
        return m;
    }
}

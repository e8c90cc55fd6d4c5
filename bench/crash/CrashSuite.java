/*
 * CrashSuite: the crash suite behind bench/crash.sh (issue 3, item 2).
 *
 * One run: a counting SMTP sink in this JVM (127.0.0.1, ephemeral port), the engine as a child
 * process (java -jar, one data dir for every start), a producer that submits N persistent
 * messages to mail.submit, and K kill -9 (SIGKILL via Process.destroyForcibly) of the engine at
 * seeded random moments, each followed by a restart on the same data dir and broker port. Then
 * it waits until every message reached the sink and the accounting, and checks:
 *
 *   lost = 0, at the sink and in the accounting 'd' records;
 *   every receipt of a (Message-ID, rcpt) beyond its first straddles a kill (earlier copy from the
 *   killed engine, later one from a restart) and its earlier copy was in flight at that kill;
 *   per kill and summed: duplicates <= in DATA + 250 uncommitted (the bound), and
 *   duplicates <= min(C, SMTP sessions open at the kill), C = sum of max-smtp-out (each delivery
 *   consumer holds at most one message between SMTP DATA and its broker commit).
 *
 * "in DATA" at a kill: transactions whose DATA command had arrived and whose reply had not been
 * sent. "250 uncommitted": deliveries the sink had answered 250 before the kill for which the
 * killed engine had published no 'delivered' event. The engine publishes the event inside the
 * broker transaction that acks the delivery, so an event seen proves the commit (one not seen
 * proves nothing; that only widens the bound). "in DATA" alone is not a bound: between the 250
 * and the commit (accounting line, event, journal commit) a kill also yields a duplicate.
 * The sink records a message when the final "." arrives, before it answers (as a real MTA that
 * has queued it), so a kill while the reply is pending counts as delivered: the harsh reading.
 *
 * Events (topic mail.events) are non-persistent and the engine restarts, so the stream has gaps
 * by design: delivered/lost are counted from the sink and the accounting 'd' records, the events
 * only serve as proof of commit.
 *
 * Submissions: N persistent messages (BenchProducer.buildMessage, ~SIZE bytes), non-transacted
 * blocking sends (each returns once the broker has it in its journal) from 4 threads. A send
 * cut by a kill is repeated after the restart with the same _AMQ_DUPL_ID (Artemis duplicate
 * detection), so a resend of a message that did reach the journal is dropped by the broker and
 * the producer cannot be the source of a duplicate.
 *
 * Kill moments (seeded): the first max(1, K/2 rounded down) during intake, each when the producer
 * has had a random share of the N submissions confirmed (stratified over 5-75 %); the others during
 * delivery after intake, each when the sink has a random share of the deliveries (stratified from
 * the delivered count at the end of intake to 92 %); every kill then waits a further random 0-300 ms.
 *
 *   java -cp CLASSES:RUNTIME_CLASSPATH CrashSuite --jar caravan.jar --engine-cwd DIR --work DIR
 *        [--messages 20000] [--kills 5] [--seed S] [--size 2048] [--data-delay-ms 20]
 *        [--start-timeout 180] [--drain-timeout S]
 * Environment: CARAVAN_JAVA_OPTS (engine JVM options). Exit 0 PASS, 1 FAIL, 2 could not run.
 * Everything listens on and connects to 127.0.0.1 only.
 */

import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.QueueConnection;
import jakarta.jms.QueueRequestor;
import jakarta.jms.QueueSession;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.activemq.artemis.api.core.management.ResourceNames;
import org.apache.activemq.artemis.api.jms.management.JMSManagementHelper;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

public class CrashSuite {

    /** The engine's caravan.delivery.commit-batch (its default): finished deliveries acked per commit. */
    static final int COMMIT_BATCH = Integer.getInteger("caravan.delivery.commit-batch", 16);

    static final String USER = "crash";
    static final String DUPLICATE_ID = "_AMQ_DUPL_ID"; // Artemis duplicate detection (Message.HDR_DUPLICATE_DETECTION_ID)
    static final String STARTED = "Started CaravanApplication";

    /** The policies of the generated config: name -> (domain, max-smtp-out, max-msg-per-connection). */
    static final String[][] POLICIES = {
        {"crash-a", "a.crash.test", "8", "1000"},
        {"crash-b", "b.crash.test", "4", "100"},   // short sessions: QUITs and new connections during the run
        {"default", "", "2", "100"},
    };

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = BenchProducer.parseArgs(argv);
        int code;
        try {
            code = new CrashSuite(a).run() ? 0 : 1;
        } catch (Exception e) {
            e.printStackTrace();
            code = 2;
        }
        System.out.flush();
        System.exit(code);
    }

    // ---------------------------------------------------------------- settings
    final int messages;
    final int kills;
    final long seed;
    final int size;
    final int dataDelayMs;
    final Path work;
    final Path jar;
    final Path engineCwd;
    final int startTimeoutS;
    final int drainTimeoutS;
    final String job;
    final String password = Long.toHexString(new Random().nextLong() | 1L << 62);
    final int smtpOutTotal;

    CrashSuite(Map<String, String> a) {
        messages = Integer.parseInt(a.getOrDefault("messages", "20000"));
        kills = Integer.parseInt(a.getOrDefault("kills", "5"));
        seed = Long.parseLong(a.getOrDefault("seed", "1"));
        size = Integer.parseInt(a.getOrDefault("size", "2048"));
        dataDelayMs = Integer.parseInt(a.getOrDefault("data-delay-ms", "20"));
        work = Path.of(required(a, "work")).toAbsolutePath();
        jar = Path.of(required(a, "jar")).toAbsolutePath();
        engineCwd = Path.of(required(a, "engine-cwd")).toAbsolutePath();
        startTimeoutS = Integer.parseInt(a.getOrDefault("start-timeout", "180"));
        drainTimeoutS = Integer.parseInt(a.getOrDefault("drain-timeout", String.valueOf(180 + messages / 20)));
        job = "crash-" + seed + "-" + Long.toString(System.currentTimeMillis(), 36);
        int c = 0;
        for (String[] p : POLICIES) {
            c += Integer.parseInt(p[2]);
        }
        smtpOutTotal = c;
        if (messages <= 0 || kills < 0 || size < 512) {
            throw new IllegalArgumentException("need --messages > 0, --kills >= 0, --size >= 512");
        }
    }

    static String required(Map<String, String> a, String k) {
        String v = a.get(k);
        if (v == null) {
            throw new IllegalArgumentException("--" + k + " is required");
        }
        return v;
    }

    // ---------------------------------------------------------------- the run
    final List<Kill> killLog = new ArrayList<>();
    Sink sink;
    Engine engine;
    Producer producer;
    final long t0 = System.nanoTime();

    boolean run() throws Exception {
        Files.createDirectories(work);
        Thread hook = new Thread(this::emergencyStop, "crash-suite-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return runGuarded();
        } finally {
            emergencyStop();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down: the hook runs anyway
            }
        }
    }

    /** Children never outlive this program (also on Ctrl-C / SIGTERM, through the shutdown hook). */
    synchronized void emergencyStop() {
        if (producer != null) {
            producer.stop();
        }
        if (engine != null && engine.process.isAlive()) {
            engine.process.destroyForcibly();
            try {
                engine.process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (sink != null) {
            sink.close();
        }
    }

    boolean runGuarded() throws Exception {
        sink = Sink.start(dataDelayMs);
        Path config = work.resolve("mta.yaml");
        Files.writeString(config, mtaYaml(sink.port()));
        int brokerPort = stablePort();
        EngineLauncher launcher = new EngineLauncher(jar, engineCwd, work, config, brokerPort, password);
        log("seed %d, %d messages of ~%d bytes, %d kills; sink 127.0.0.1:%d (reply delayed %d ms after the final '.');"
                + " broker 127.0.0.1:%d; work dir %s", seed, messages, size, kills, sink.port(), dataDelayMs,
                brokerPort, work);

        engine = launcher.start(1, startTimeoutS);
        log("engine 1 up after %.1f s (pid %d)", engine.startSeconds, engine.process.pid());

        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
        String[] bodies = new String[messages];
        List<String> expected = new ArrayList<>(messages);
        for (int i = 0; i < messages; i++) {
            String domain = domainOf(i);
            bodies[i] = BenchProducer.buildMessage(job, i, size, domain, date);
            expected.add(key("<" + job + "." + i + "@" + domain + ">", "user" + i + "@" + domain));
        }
        producer = new Producer(brokerPort, USER, password, bodies, job, 4);
        producer.start();

        Random rnd = new Random(seed);
        int intakeKills = kills == 0 ? 0 : Math.max(1, kills / 2);
        int deliveryKills = kills - intakeKills;
        double[] intakeShares = stratified(rnd, intakeKills, 0.05, 0.75);
        double[] deliveryShares = null;
        for (int k = 1; k <= kills; k++) {
            String planned = k <= intakeKills ? "intake" : "delivery";
            if (k <= intakeKills) {
                int target = (int) Math.ceil(intakeShares[k - 1] * messages);
                log("kill %d (intake): when %d submissions are confirmed", k, target);
                waitFor(() -> producer.confirmed() >= target || producer.finished(), "submissions", k);
            } else {
                if (deliveryShares == null) {
                    waitFor(producer::finished, "the end of intake", k);
                    deliveryShares = stratified(rnd, deliveryKills, 0.15, 0.6);
                }
                // a share of what is still undelivered now, after the last restart: targets fixed at
                // the end of intake were all passed while a fast engine restarted, so kills hit it idle
                int now = sink.distinct();
                int target = now + (int) Math.ceil(deliveryShares[k - intakeKills - 1] * (messages - now));
                log("kill %d (delivery): when %d deliveries reached the sink (%d now)", k, target, now);
                waitFor(() -> sink.distinct() >= target, "deliveries", k);
            }
            // a little jitter against the SMTP phase; short in delivery, where ~2,000 msgs/s flow
            Thread.sleep(rnd.nextInt(k <= intakeKills ? 301 : 51));
            Kill kill = new Kill(k, planned);
            kill.submitted = producer.confirmed();
            kill.producerDone = producer.finished();
            kill.killNs = System.nanoTime();
            engine.process.destroyForcibly();                       // SIGKILL: kill -9
            if (!engine.process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("engine " + engine.process.pid() + " survived SIGKILL");
            }
            kill.deadNs = System.nanoTime();
            kill.phase = kill.producerDone ? "delivery" : "intake";
            killLog.add(kill);
            log("kill %d: kill -9 of pid %d at %.1f s (%s; %d submissions confirmed, %d delivered at the sink)",
                    k, engine.process.pid(), (kill.killNs - t0) / 1e9, kill.phase, kill.submitted, sink.distinct());
            engine = launcher.start(k + 1, startTimeoutS);
            kill.restartSeconds = (System.nanoTime() - kill.deadNs) / 1e9;
            log("engine %d up after %.1f s (pid %d)", k + 1, engine.startSeconds, engine.process.pid());
        }

        waitFor(producer::finished, "the end of intake", kills + 1);
        if (producer.failure() != null) {
            throw new IllegalStateException("the producer failed", producer.failure());
        }
        log("intake done: %d submissions confirmed (%d sends repeated after a kill); waiting for delivery",
                producer.confirmed(), producer.resends());

        Path accounting = work.resolve("data").resolve("accounting");
        Set<String> expectedSet = new java.util.HashSet<>(expected);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainTimeoutS);
        long lastProgress = System.nanoTime();
        int lastSeen = -1;
        int acctDistinct = 0;
        while (System.nanoTime() < deadline) {
            int atSink = sink.distinct();
            if (atSink >= messages) {
                Acct acct = Acct.read(accounting, job);
                acctDistinct = acct.distinctD(expectedSet);
                if (acctDistinct >= messages) {
                    break;
                }
            }
            if (atSink != lastSeen) {
                lastSeen = atSink;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(120)) {
                log("no new delivery for 120 s: giving up the wait");
                break;
            }
            if (!engine.process.isAlive()) {
                log("the engine died on its own");
                break;
            }
            Thread.sleep(250);
        }
        Thread.sleep(3000); // late redeliveries, if any, are duplicates to count
        Map<String, Long> queues = queueDepths(brokerPort, USER, password);
        launcher.watcher.close();
        double stopSeconds = engine.stop(30);
        log("engine stopped (SIGTERM) in %.1f s", stopSeconds);
        Acct acct = Acct.read(accounting, job);

        Report r = new Report(expected, sink.snapshotTxns(), sink.snapshotConns(), killLog, acct, launcher.watcher, smtpOutTotal, t0);
        PrintStream out = System.out;
        r.print(out, this, queues, launcher);
        Files.writeString(work.resolve("report.txt"), r.text(this, queues, launcher));
        return r.pass;
    }

    String mtaYaml(int port) {
        StringBuilder sb = new StringBuilder("# generated by bench/crash/CrashSuite.java: every policy goes to the crash suite's sink\n"
                + "domain-policies:\n");
        for (String[] p : POLICIES) {
            sb.append("  ").append(p[0]).append(":\n");
            if (!p[1].isEmpty()) {
                sb.append("    match: [").append(p[1]).append("]\n");
            }
            sb.append("    max-smtp-out: ").append(p[2]).append('\n');
            sb.append("    max-msg-per-connection: ").append(p[3]).append('\n');
            sb.append("    route: 127.0.0.1:").append(port).append('\n');
        }
        return sb.toString();
    }

    static String domainOf(int i) {
        return i % 3 == 2 ? "b.crash.test" : "a.crash.test";
    }

    /** n values in [lo, hi), one uniformly drawn in each of n equal strata, ascending. */
    static double[] stratified(Random rnd, int n, double lo, double hi) {
        double[] v = new double[n];
        double w = (hi - lo) / Math.max(n, 1);
        for (int i = 0; i < n; i++) {
            v[i] = lo + w * (i + rnd.nextDouble());
        }
        return v;
    }

    interface Condition {
        boolean met() throws Exception;
    }

    void waitFor(Condition c, String what, int k) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainTimeoutS);
        while (!c.met()) {
            if (producer.failure() != null) {
                throw new IllegalStateException("the producer failed", producer.failure());
            }
            if (!engine.process.isAlive()) {
                throw new IllegalStateException("the engine died on its own before kill " + k + "; log "
                        + engine.log);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what + " before kill " + k);
            }
            Thread.sleep(5);
        }
    }

    void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, "[%6.1f s] %s%n", (System.nanoTime() - t0) / 1e9, String.format(Locale.ROOT, format, args));
    }

    static String key(String messageId, String rcpt) {
        String id = messageId.trim();
        if (id.startsWith("<") && id.endsWith(">")) {
            id = id.substring(1, id.length() - 1);
        }
        return id + " " + rcpt.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * A free port for the broker that every restart binds again: below the kernel's ephemeral range,
     * so that no outgoing connection (of this machine's other work, or of the engine itself) can
     * take it while the engine is down. The HTTP port is 0 (any) at each start: nothing here uses it.
     */
    static int stablePort() throws IOException {
        int low = 32768;
        try {
            low = Integer.parseInt(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            // the Linux default
        }
        Random r = new Random();
        for (int i = 0; i < 200; i++) {
            int port = 20000 + r.nextInt(Math.max(1, low - 20000));
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return port;
            } catch (IOException busy) {
                // try another
            }
        }
        throw new IOException("no free port between 20000 and " + low);
    }

    /** Messages left on the mail.* queues (waiting, in delivery or scheduled), from the broker's management address. */
    static Map<String, Long> queueDepths(int port, String user, String password) {
        Map<String, Long> out = new TreeMap<>();
        try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port, user, password);
                QueueConnection c = cf.createQueueConnection();
                QueueSession s = c.createQueueSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            QueueRequestor requestor = new QueueRequestor(s, s.createQueue("activemq.management"));
            Message request = s.createMessage();
            JMSManagementHelper.putOperationInvocation(request, ResourceNames.BROKER, "getQueueNames");
            Object names = JMSManagementHelper.getResult(requestor.request(request));
            for (Object n : names instanceof Object[] arr ? arr : new Object[0]) {
                String name = String.valueOf(n);
                if (!name.startsWith("mail.")) {
                    continue;
                }
                Message q = s.createMessage();
                JMSManagementHelper.putAttribute(q, ResourceNames.QUEUE + name, "messageCount");
                out.put(name, ((Number) JMSManagementHelper.getResult(requestor.request(q))).longValue());
            }
        } catch (Exception e) {
            out.put("(could not read the queues: " + e + ")", -1L);
        }
        return out;
    }

    // ---------------------------------------------------------------- kills
    static final class Kill {
        final int n;
        final String planned;
        String phase;
        long killNs;
        long deadNs;
        int submitted;
        boolean producerDone;
        double restartSeconds;

        Kill(int n, String planned) {
            this.n = n;
            this.planned = planned;
        }
    }

    // ---------------------------------------------------------------- the engine
    static final class EngineLauncher {
        final Path jar;
        final Path cwd;
        final Path work;
        final Path config;
        final int brokerPort;
        final String password;
        final List<Path> logs = new ArrayList<>();
        final EventWatcher watcher;

        EngineLauncher(Path jar, Path cwd, Path work, Path config, int brokerPort, String password) {
            this.watcher = new EventWatcher(brokerPort, USER, password);
            this.jar = jar;
            this.cwd = cwd;
            this.work = work;
            this.config = config;
            this.brokerPort = brokerPort;
            this.password = password;
        }

        Engine start(int n, int timeoutS) throws Exception {
            Path log = work.resolve("engine-" + n + ".log");
            logs.add(log);
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            String opts = System.getenv().getOrDefault("CARAVAN_JAVA_OPTS", "").trim();
            if (!opts.isEmpty()) {
                cmd.addAll(List.of(opts.split("\\s+")));
            }
            cmd.addAll(List.of("-jar", jar.toString(),
                    "--caravan.data-dir=" + work.resolve("data"),
                    "--server.port=0",
                    "--caravan.broker.port=" + brokerPort,
                    "--spring.main.banner-mode=off"));
            Files.write(work.resolve("engine-" + n + ".cmd"), List.of(String.join(" ", cmd)));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("MTA_CONFIG", config.toString());
            pb.environment().put("MTA_BROKER_USER", USER);
            pb.environment().put("MTA_BROKER_PASSWORD", password);
            long begin = System.nanoTime();
            Engine e = new Engine(pb.start(), log);
            watcher.watch(n - 1, e.process);
            try (ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort, USER, password)) {
                long deadline = begin + TimeUnit.SECONDS.toNanos(timeoutS);
                while (true) {
                    if (!e.process.isAlive()) {
                        throw new IllegalStateException("engine " + n + " exited during start-up; see " + log);
                    }
                    if (System.nanoTime() > deadline) {
                        e.process.destroyForcibly();
                        throw new IllegalStateException("engine " + n + " not up after " + timeoutS + " s; see " + log);
                    }
                    if (Files.readString(log, StandardCharsets.ISO_8859_1).contains(STARTED)) {
                        try (Connection c = cf.createConnection()) {
                            break;
                        } catch (JMSException ignored) {
                            // not yet
                        }
                    }
                    Thread.sleep(100);
                }
            }
            e.startSeconds = (System.nanoTime() - begin) / 1e9;
            return e;
        }
    }

    static final class Engine {
        final Process process;
        final Path log;
        double startSeconds;

        Engine(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        /** SIGTERM, then SIGKILL after the grace; seconds it took. */
        double stop(int graceS) throws InterruptedException {
            long b = System.nanoTime();
            process.destroy();
            if (!process.waitFor(graceS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
            return (System.nanoTime() - b) / 1e9;
        }
    }

    // ---------------------------------------------------------------- the event watcher
    /**
     * Subscribes to mail.events on each engine as soon as its broker takes logins. The engine sends
     * a delivery's event inside the broker transaction that acks the delivery, so an event seen
     * proves the commit; one not seen proves nothing (non-persistent, gaps at every restart).
     * Used only to tell, at a kill, which deliveries the sink had answered but the engine had not
     * committed; the outcome counts come from the accounting.
     */
    static final class EventWatcher {
        static final java.util.regex.Pattern TYPE = java.util.regex.Pattern.compile("\"type\":\"([^\"]*)\"");
        static final java.util.regex.Pattern RCPT = java.util.regex.Pattern.compile("\"recipient\":\"([^\"]*)\"");
        static final java.util.regex.Pattern MID = java.util.regex.Pattern.compile("\"messageId\":\"([^\"]*)\"");

        final String url;
        final String user;
        final String password;
        /** epoch (0 = first engine) -> keys with a 'delivered' event from that engine. */
        final Map<Integer, Set<String>> delivered = new ConcurrentHashMap<>();
        final Map<Integer, Long> connectedNs = new ConcurrentHashMap<>();
        final AtomicInteger events = new AtomicInteger();
        final List<Connection> connections = new java.util.concurrent.CopyOnWriteArrayList<>();

        EventWatcher(int port, String user, String password) {
            this.url = "tcp://127.0.0.1:" + port + "?reconnectAttempts=0";
            this.user = user;
            this.password = password;
        }

        /** Connects in the background to the engine of this epoch, retrying every 20 ms while it lives. */
        void watch(int epoch, Process engine) {
            delivered.put(epoch, ConcurrentHashMap.newKeySet());
            Thread t = new Thread(() -> {
                ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(url, user, password);
                while (engine.isAlive()) {
                    try {
                        Connection c = cf.createConnection();
                        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
                        s.createConsumer(s.createTopic("mail.events")).setMessageListener(m -> onEvent(epoch, m));
                        c.start();
                        connectedNs.put(epoch, System.nanoTime());
                        connections.add(c);
                        return;
                    } catch (JMSException e) {
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException ie) {
                            return;
                        }
                    }
                }
            }, "crash-events-" + epoch);
            t.setDaemon(true);
            t.start();
        }

        void onEvent(int epoch, Message m) {
            try {
                String json = ((TextMessage) m).getText();
                events.incrementAndGet();
                java.util.regex.Matcher type = TYPE.matcher(json);
                java.util.regex.Matcher rcpt = RCPT.matcher(json);
                java.util.regex.Matcher mid = MID.matcher(json);
                if (type.find() && type.group(1).equals("delivered") && rcpt.find() && mid.find()) {
                    delivered.get(epoch).add(key(mid.group(1), rcpt.group(1)));
                }
            } catch (Exception ignored) {
                // not an event of ours
            }
        }

        boolean committed(int epoch, String key) {
            Set<String> s = delivered.get(epoch);
            return s != null && s.contains(key);
        }

        long connectedAt(int epoch) {
            return connectedNs.getOrDefault(epoch, Long.MAX_VALUE);
        }

        void close() {
            for (Connection c : connections) {
                Producer.closeQuietly(c);
            }
        }
    }

    // ---------------------------------------------------------------- the producer
    /**
     * Sends every message once it is sure the broker has it: non-transacted persistent sends block
     * until the broker has written them to its journal. A send cut by a kill is repeated once the
     * broker is back, with the same duplicate-detection id, so it is stored at most once.
     */
    static final class Producer {
        final String url;
        final String user;
        final String password;
        final String[] bodies;
        final String job;
        final int threads;
        final AtomicInteger confirmed = new AtomicInteger();
        final AtomicInteger resends = new AtomicInteger();
        final AtomicInteger running = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> workers = new ArrayList<>();
        volatile boolean stopped;

        Producer(int port, String user, String password, String[] bodies, String job, int threads) {
            this.url = "tcp://127.0.0.1:" + port + "?reconnectAttempts=0&callTimeout=30000";
            this.user = user;
            this.password = password;
            this.bodies = bodies;
            this.job = job;
            this.threads = threads;
        }

        void start() {
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

        void send(int tid) throws Exception {
            ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(url, user, password);
            Connection c = null;
            Session s = null;
            MessageProducer p = null;
            long giveUp = Long.MAX_VALUE;
            try {
                for (int i = tid; i < bodies.length && !stopped; ) {
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
                        giveUp = Long.MAX_VALUE;
                        i += threads;
                    } catch (JMSException e) {
                        // the broker went away (a kill): reconnect when it is back and send i again
                        if (giveUp == Long.MAX_VALUE) {
                            giveUp = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
                            resends.incrementAndGet();
                        } else if (System.nanoTime() > giveUp) {
                            throw new IllegalStateException("no broker for 5 minutes", e);
                        }
                        closeQuietly(c);
                        c = null;
                        Thread.sleep(200);
                    }
                }
            } finally {
                closeQuietly(c);
                cf.close();
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

        int confirmed() {
            return confirmed.get();
        }

        int resends() {
            return resends.get();
        }

        boolean finished() {
            return running.get() == 0;
        }

        Throwable failure() {
            return failure.get();
        }

        void stop() {
            stopped = true;
        }
    }

    // ---------------------------------------------------------------- the SMTP sink
    /**
     * A counting SMTP server on 127.0.0.1: one thread per connection, no pipelining, every
     * recipient and message accepted. Keeps, with System.nanoTime() stamps, every connection
     * (open, close) and every DATA transaction (DATA command, final '.', reply), so that the state
     * at any kill moment can be computed afterwards.
     */
    static final class Sink implements AutoCloseable {
        static final class Conn {
            final int id;
            final long openNs;
            volatile long closeNs = Long.MAX_VALUE;

            Conn(int id, long openNs) {
                this.id = id;
                this.openNs = openNs;
            }
        }

        static final class Txn {
            final Conn conn;
            final long dataNs;
            final List<String> rcpts;
            volatile long dotNs = -1;
            volatile long replyNs = -1;
            volatile String messageId;

            Txn(Conn conn, long dataNs, List<String> rcpts) {
                this.conn = conn;
                this.dataNs = dataNs;
                this.rcpts = rcpts;
            }

            /** When the transaction stopped being in DATA: its reply, else the end of its connection. */
            long endNs() {
                return replyNs >= 0 ? replyNs : conn.closeNs;
            }
        }

        final ServerSocket server;
        final int delayMs;
        final List<Conn> conns = new ArrayList<>();
        final List<Txn> txns = new ArrayList<>();
        final Set<String> distinct = ConcurrentHashMap.newKeySet();
        final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
        final AtomicInteger ids = new AtomicInteger();
        final Thread acceptor;

        private Sink(int delayMs) throws IOException {
            this.delayMs = delayMs;
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
            acceptor = new Thread(this::acceptLoop, "crash-sink-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        static Sink start(int delayMs) throws IOException {
            return new Sink(delayMs);
        }

        int port() {
            return server.getLocalPort();
        }

        int distinct() {
            return distinct.size();
        }

        synchronized List<Txn> snapshotTxns() {
            return new ArrayList<>(txns);
        }

        synchronized List<Conn> snapshotConns() {
            return new ArrayList<>(conns);
        }

        void acceptLoop() {
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

        void serve(Socket socket, Conn c) {
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
                            Txn t = new Txn(c, System.nanoTime(), List.copyOf(rcpts));
                            synchronized (this) {
                                txns.add(t);
                            }
                            mail = false;
                            rcpts.clear();
                            reply(out, "354 end with <CRLF>.<CRLF>");
                            ByteArrayOutputStream body = new ByteArrayOutputStream(4096);
                            while (true) {
                                int n = readLine(in, line);
                                if (n < 0) {
                                    return; // the client died in DATA: nothing was delivered
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
                                distinct.add(key(t.messageId == null ? "" : t.messageId, r));
                            }
                            if (delayMs > 0) {
                                Thread.sleep(delayMs);
                            }
                            reply(out, "250 2.0.0 queued");
                            t.replyNs = System.nanoTime();
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

        /** One line including CRLF into buf; its length, or -1 at end of stream. */
        static int readLine(InputStream in, ByteArrayOutputStream buf) throws IOException {
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

        static void reply(OutputStream out, String text) throws IOException {
            out.write((text + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        static String address(String cmd) {
            int lt = cmd.indexOf('<');
            int gt = cmd.indexOf('>', lt + 1);
            if (lt >= 0 && gt > lt) {
                return cmd.substring(lt + 1, gt);
            }
            int colon = cmd.indexOf(':');
            return cmd.substring(colon + 1).trim().split("\\s+")[0];
        }

        /** The Message-ID header of the received message (unfolded), or null. */
        static String messageId(byte[] data) {
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

    // ---------------------------------------------------------------- accounting
    /** The job's records in the accounting CSVs; a line cut by a kill (no newline, or short) is skipped. */
    static final class Acct {
        final Map<String, Integer> delivered = new HashMap<>();
        final Map<String, Integer> otherTypes = new TreeMap<>();
        int cutLines;
        int files;

        static Acct read(Path dir, String job) throws IOException {
            Acct a = new Acct();
            if (!Files.isDirectory(dir)) {
                return a;
            }
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(p -> p.getFileName().toString().startsWith("acct-")).sorted().toList();
            }
            for (Path f : files) {
                a.files++;
                String text = Files.readString(f, StandardCharsets.UTF_8);
                String[] lines = text.split("\n", -1);
                if (lines.length == 0) {
                    continue;
                }
                List<String> header = csv(lines[0]);
                int type = header.indexOf("type");
                int jobId = header.indexOf("jobId");
                int rcpt = header.indexOf("rcpt");
                int mid = header.indexOf("messageId");
                // the last element follows the last '\n': empty, or a line cut by a kill
                for (int i = 1; i < lines.length; i++) {
                    if (i == lines.length - 1) {
                        if (!lines[i].isEmpty()) {
                            a.cutLines++;
                        }
                        break;
                    }
                    List<String> r = csv(lines[i]);
                    if (r.size() != header.size()) {
                        a.cutLines++;
                        continue;
                    }
                    if (!job.equals(r.get(jobId))) {
                        continue;
                    }
                    if (r.get(type).equals("d")) {
                        a.delivered.merge(key(r.get(mid), r.get(rcpt)), 1, Integer::sum);
                    } else {
                        a.otherTypes.merge(r.get(type), 1, Integer::sum);
                    }
                }
            }
            return a;
        }

        int distinctD(Set<String> expected) {
            int n = 0;
            for (String k : delivered.keySet()) {
                if (expected.contains(k)) {
                    n++;
                }
            }
            return n;
        }

        int duplicateLines() {
            int n = 0;
            for (int v : delivered.values()) {
                n += v - 1;
            }
            return n;
        }

        /** RFC 4180 fields of one line (no embedded line breaks). */
        static List<String> csv(String line) {
            List<String> out = new ArrayList<>();
            StringBuilder f = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < line.length(); i++) {
                char ch = line.charAt(i);
                if (quoted) {
                    if (ch == '"') {
                        if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                            f.append('"');
                            i++;
                        } else {
                            quoted = false;
                        }
                    } else {
                        f.append(ch);
                    }
                } else if (ch == '"') {
                    quoted = true;
                } else if (ch == ',') {
                    out.add(f.toString());
                    f.setLength(0);
                } else if (ch != '\r') {
                    f.append(ch);
                }
            }
            if (quoted) {
                return List.of(); // cut inside a quoted field
            }
            out.add(f.toString());
            return out;
        }
    }

    // ---------------------------------------------------------------- the verdict
    /**
     * Everything is computed after the run from the sink's timestamps, the kill times and the
     * events seen. Per kill: "in DATA" = transactions whose DATA command had arrived and whose reply
     * had not been sent at the kill; "250 uncommitted" = deliveries the sink had answered 250 by the
     * kill for which the killed engine had sent no 'delivered' event (its commit). Their sum is what
     * the engine may legitimately deliver again: the bound.
     */
    static final class Report {
        final List<String> lines = new ArrayList<>();
        boolean pass = true;

        Report(List<String> expected, List<Sink.Txn> txns, List<Sink.Conn> conns, List<Kill> kills, Acct acct,
                EventWatcher events, int smtpOut, long t0) {
            Set<String> expectedSet = new java.util.HashSet<>(expected);
            List<Sink.Txn> accepted = new ArrayList<>();
            for (Sink.Txn t : txns) {
                if (t.dotNs >= 0) {
                    accepted.add(t);
                }
            }
            accepted.sort(Comparator.comparingLong(t -> t.dotNs));
            Map<String, List<Sink.Txn>> receipts = new HashMap<>();
            for (Sink.Txn t : accepted) {
                for (String r : t.rcpts) {
                    receipts.computeIfAbsent(keyOf(t, r), x -> new ArrayList<>()).add(t);
                }
            }
            List<String> lostSample = new ArrayList<>();
            int lost = count(expected, k -> !receipts.containsKey(k), lostSample);
            List<String> acctLostSample = new ArrayList<>();
            int acctLost = count(expected, k -> !acct.delivered.containsKey(k), acctLostSample);
            int strangers = count(receipts.keySet(), k -> !expectedSet.contains(k), new ArrayList<>());
            int acctOverReceipts = count(acct.delivered.keySet(),
                    k -> !receipts.containsKey(k) || acct.delivered.get(k) > receipts.get(k).size(), new ArrayList<>());

            // every receipt beyond the first: which kill it comes from, and was it in flight there?
            int n = kills.size();
            int[] dups = new int[n];
            double[] oldestMs = new double[n];
            int duplicates = 0;
            List<String> sameEngine = new ArrayList<>();
            List<String> wasCommitted = new ArrayList<>();
            for (Map.Entry<String, List<Sink.Txn>> e : receipts.entrySet()) {
                List<Sink.Txn> rs = e.getValue();
                for (int j = 1; j < rs.size(); j++) {
                    duplicates++;
                    int before = epoch(rs.get(j - 1).conn, kills);
                    int after = epoch(rs.get(j).conn, kills);
                    if (after <= before) {
                        sameEngine.add(e.getKey());
                        continue;
                    }
                    dups[before]++; // the kill number before+1 ended the engine of the earlier copy
                    oldestMs[before] = Math.max(oldestMs[before], (kills.get(before).killNs - rs.get(j - 1).dotNs) / 1e6);
                    if (events.committed(before, e.getKey())) {
                        wasCommitted.add(e.getKey());
                    }
                }
            }

            lines.add(String.format(Locale.ROOT, "%4s  %-8s  %6s  %9s  %9s  %4s  %7s  %9s  %5s  %4s  %7s  %8s  %7s",
                    "kill", "phase", "at s", "submitted", "delivered", "open", "in DATA", "250 uncom", "bound",
                    "dups", "dup age", "min(C,o)", "restart"));
            int bound = 0;
            int consumerBound = 0;
            int inDataSum = 0;
            int unobserved = 0;
            List<String> overBound = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Kill k = kills.get(i);
                int open = 0;
                for (Sink.Conn c : conns) {
                    if (c.openNs <= k.killNs && c.closeNs >= k.killNs) {
                        open++;
                    }
                }
                int inData = 0;
                int uncommitted = 0;
                for (Sink.Txn t : txns) {
                    if (epoch(t.conn, kills) != i || t.dataNs > k.deadNs) {
                        continue;
                    }
                    boolean answered = t.replyNs >= 0 && t.replyNs < k.killNs;
                    if (!answered && t.endNs() >= k.killNs) {
                        inData += t.rcpts.size();
                    } else if (answered) {
                        for (String r : t.rcpts) {
                            if (!events.committed(i, keyOf(t, r))) {
                                uncommitted++;
                                if (t.replyNs < events.connectedAt(i)) {
                                    unobserved++;
                                }
                            }
                        }
                    }
                }
                Set<String> delivered = new java.util.HashSet<>();
                for (Sink.Txn t : accepted) {
                    if (t.dotNs >= k.killNs) {
                        break;
                    }
                    for (String r : t.rcpts) {
                        delivered.add(keyOf(t, r));
                    }
                }
                int b = inData + uncommitted;
                // per open session: one in DATA, or one commit batch answered 250 and not yet acked
                int cb = Math.min(smtpOut, open) * COMMIT_BATCH;
                bound += b;
                consumerBound += cb;
                inDataSum += inData;
                if (dups[i] > b || dups[i] > cb) {
                    overBound.add("kill " + k.n + ": " + dups[i] + " duplicates, bound " + b + ", min(C, open) x batch " + cb);
                }
                lines.add(String.format(Locale.ROOT, "%4d  %-8s  %6.1f  %9d  %9d  %4d  %7d  %9d  %5d  %4d  %7s  %8d  %7.1f",
                        k.n, k.phase, (k.killNs - t0) / 1e9, k.submitted, delivered.size(), open, inData, uncommitted, b,
                        dups[i], dups[i] == 0 ? "-" : String.format(Locale.ROOT, "%.0fms", oldestMs[i]), cb,
                        k.restartSeconds));
            }
            if (lost > 0 || acctLost > 0 || strangers > 0 || duplicates > bound || !sameEngine.isEmpty()
                    || !wasCommitted.isEmpty() || !overBound.isEmpty() || acctOverReceipts > 0) {
                pass = false;
            }
            int distinct = count(receipts.keySet(), expectedSet::contains, new ArrayList<>());
            lines.add("");
            lines.add(String.format(Locale.ROOT, "submitted                       %d", expected.size()));
            lines.add(String.format(Locale.ROOT, "delivered distinct, SMTP sink   %d", distinct));
            lines.add(String.format(Locale.ROOT, "delivered distinct, acct 'd'    %d", acct.distinctD(expectedSet)));
            lines.add(String.format(Locale.ROOT, "lost, SMTP sink / accounting    %d / %d", lost, acctLost));
            lines.add(String.format(Locale.ROOT, "duplicates, SMTP receipts       %d", duplicates));
            lines.add(String.format(Locale.ROOT, "duplicate 'd' records           %d", acct.duplicateLines()));
            lines.add(String.format(Locale.ROOT, "in DATA at the kills (sum)      %d", inDataSum));
            lines.add(String.format(Locale.ROOT, "bound: in DATA + 250 uncommitted, summed over kills   %d%s", bound,
                    unobserved == 0 ? "" : "  (" + unobserved + " of them answered before the event watcher was connected)"));
            lines.add(String.format(Locale.ROOT, "min(C=%d, open SMTP sessions) x batch %d, summed      %d", smtpOut, COMMIT_BATCH, consumerBound));
            lines.add(String.format(Locale.ROOT, "checks: duplicates without a kill between the copies %d; duplicates of a delivery"
                    + " the engine had committed (event seen) %d; kills over their bound %d; deliveries with more 'd'"
                    + " records than receipts %d; unexpected deliveries %d",
                    sameEngine.size(), wasCommitted.size(), overBound.size(), acctOverReceipts, strangers));
            lines.add(String.format(Locale.ROOT, "events seen                     %d (non-persistent: gaps at every restart, not counted)",
                    events.events.get()));
            if (!acct.otherTypes.isEmpty() || acct.cutLines > 0) {
                lines.add(String.format(Locale.ROOT, "accounting notes                other record types %s, %d line(s) cut by a kill",
                        acct.otherTypes, acct.cutLines));
            }
            sample("lost at the sink", lostSample);
            sample("no 'd' record", acctLostSample);
            sample("duplicated without a kill between the copies", sameEngine);
            sample("duplicated although committed before the kill", wasCommitted);
            sample("over the bound", overBound);
            lines.add("verdict                         " + (pass ? "PASS" : "FAIL"));
        }

        void sample(String what, List<String> keys) {
            if (!keys.isEmpty()) {
                lines.add(what + " (" + keys.size() + ", first 20): " + keys.subList(0, Math.min(20, keys.size())));
            }
        }

        static int count(java.util.Collection<String> keys, java.util.function.Predicate<String> p, List<String> sample) {
            int n = 0;
            for (String k : keys) {
                if (p.test(k)) {
                    n++;
                    sample.add(k);
                }
            }
            return n;
        }

        static String keyOf(Sink.Txn t, String rcpt) {
            return key(t.messageId == null ? "" : t.messageId, rcpt);
        }

        /** Which engine a connection came from: 0 before the first kill, k after the k-th. */
        static int epoch(Sink.Conn c, List<Kill> kills) {
            int e = 0;
            for (Kill k : kills) {
                if (k.deadNs < c.openNs) {
                    e++;
                }
            }
            return e;
        }

        String text(CrashSuite s, Map<String, Long> queues, EngineLauncher launcher) {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "Caravan crash suite: %d messages of ~%d bytes, %d x kill -9, seed %d, job %s%n",
                    s.messages, s.size, s.kills, s.seed, s.job));
            sb.append(String.format(Locale.ROOT, "date %s, %d cpus, load %s%n",
                    ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")),
                    Runtime.getRuntime().availableProcessors(), loadavg()));
            sb.append(String.format(Locale.ROOT, "policies %s (C = sum of max-smtp-out = %d); sink replies %d ms after the final '.'%n",
                    policies(), s.smtpOutTotal, s.dataDelayMs));
            sb.append(String.format(Locale.ROOT, "submissions: %d sends repeated after a kill (the broker's duplicate detection"
                    + " drops a repeat whose first send was stored)%n", s.producer.resends()));
            sb.append("mail.* queues at the end: ").append(queues).append('\n');
            sb.append("engine logs: ").append(launcher.logs.stream().map(p -> p.getFileName().toString()).toList())
                    .append(" in ").append(s.work).append('\n');
            sb.append('\n');
            for (String l : lines) {
                sb.append(l).append('\n');
            }
            return sb.toString();
        }

        void print(PrintStream out, CrashSuite s, Map<String, Long> queues, EngineLauncher launcher) {
            out.print(text(s, queues, launcher));
            out.flush();
        }

        static String policies() {
            StringBuilder sb = new StringBuilder();
            for (String[] p : POLICIES) {
                if (sb.length() > 0) {
                    sb.append(", ");
                }
                sb.append(p[0]).append(' ').append(p[2]);
            }
            return sb.toString();
        }

        static String loadavg() {
            try {
                String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
                return f[0] + " " + f[1] + " " + f[2];
            } catch (IOException e) {
                return "?";
            }
        }
    }
}

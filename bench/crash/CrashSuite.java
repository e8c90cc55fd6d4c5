/*
 * CrashSuite: the crash suite behind bench/crash.sh.
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
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.QueueConnection;
import jakarta.jms.QueueRequestor;
import jakarta.jms.QueueSession;
import jakarta.jms.Session;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.activemq.artemis.api.core.management.ResourceNames;
import org.apache.activemq.artemis.api.jms.management.JMSManagementHelper;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.caravan.testsupport.CrashAccounting;
import org.caravan.testsupport.CrashEvents;
import org.caravan.testsupport.CrashKill;
import org.caravan.testsupport.CrashProducer;
import org.caravan.testsupport.CrashSink;
import org.caravan.testsupport.CrashVerdict;
import org.caravan.testsupport.StablePort;

public class CrashSuite {

    /** The engine's caravan.delivery.commit-batch (its default): finished deliveries acked per commit. */
    static final int COMMIT_BATCH = Integer.getInteger("caravan.delivery.commit-batch", 16);

    static final String USER = "crash";
    /** The producer submits as applications do, with a submitter login. */
    static final String SUBMITTER = "crash-app";
    static final String STARTED = "Started CaravanApplication";

    /** The policies of the generated config: name -> (domain, max-smtp-out, max-msg-per-connection[, max-msg-rate]). */
    static final String[][] POLICIES = {
        {"crash-a", "a.crash.test", "8", "1000"},
        {"crash-b", "b.crash.test", "4", "100"},   // short sessions: QUITs and new connections during the run
        // throttled: its consumers wait for the rate between messages, where finished deliveries wait for their ack
        {"crash-c", "c.crash.test", "2", "100", "100/s"},
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
    final List<CrashKill> killLog = new ArrayList<>();
    CrashSink sink;
    Engine engine;
    CrashProducer producer;
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
        sink = new CrashSink(dataDelayMs);
        Path config = work.resolve("mta.yaml");
        Files.writeString(config, mtaYaml(sink.port()));
        // rebound by every restart; the HTTP port is 0 (any) at each start: nothing here uses it
        int brokerPort = StablePort.pick();
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
            expected.add(CrashSink.key("<" + job + "." + i + "@" + domain + ">", "user" + i + "@" + domain));
        }
        producer = new CrashProducer(brokerPort, SUBMITTER, submitterPassword(password), bodies, job, 4, Duration.ofMinutes(5));
        producer.start();

        Random rnd = new Random(seed);
        int intakeKills = kills == 0 ? 0 : Math.max(1, kills / 2);
        int deliveryKills = kills - intakeKills;
        double[] intakeShares = CrashKill.shares(rnd, intakeKills, 0.05, 0.75);
        double[] deliveryShares = null;
        for (int k = 1; k <= kills; k++) {
            if (k <= intakeKills) {
                int target = (int) Math.ceil(intakeShares[k - 1] * messages);
                log("kill %d (intake): when %d submissions are confirmed", k, target);
                waitFor(() -> producer.confirmed() >= target || producer.finished(), "submissions", k);
            } else {
                if (deliveryShares == null) {
                    waitFor(producer::finished, "the end of intake", k);
                    deliveryShares = CrashKill.shares(rnd, deliveryKills, 0.15, 0.6);
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
            CrashKill kill = new CrashKill(k, producer.confirmed(), !producer.finished());
            kill.killNs = System.nanoTime();
            engine.process.destroyForcibly();                       // SIGKILL: kill -9
            if (!engine.process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("engine " + engine.process.pid() + " survived SIGKILL");
            }
            kill.deadNs = System.nanoTime();
            killLog.add(kill);
            log("kill %d: kill -9 of pid %d at %.1f s (%s; %d submissions confirmed, %d delivered at the sink)",
                    k, engine.process.pid(), (kill.killNs - t0) / 1e9, kill.phase(), kill.submitted, sink.distinct());
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
        Set<String> expectedSet = new HashSet<>(expected);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainTimeoutS);
        long lastProgress = System.nanoTime();
        int lastSeen = -1;
        int acctDistinct = 0;
        while (System.nanoTime() < deadline) {
            int atSink = sink.distinct();
            if (atSink >= messages) {
                acctDistinct = CrashAccounting.read(accounting, job).distinct(expectedSet);
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
        CrashAccounting acct = CrashAccounting.read(accounting, job);

        CrashVerdict verdict = new CrashVerdict(expected, sink, killLog, acct, launcher.watcher, smtpOutTotal, COMMIT_BATCH);
        Report r = new Report(verdict, expectedSet, acct, launcher.watcher, smtpOutTotal, t0);
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
            if (p.length > 4) {
                sb.append("    max-msg-rate: ").append(p[4]).append('\n');
            }
        }
        return sb.toString();
    }

    static String domainOf(int i) {
        if (i % 10 == 9) {
            return "c.crash.test"; // a tenth to the throttled policy
        }
        return i % 3 == 2 ? "b.crash.test" : "a.crash.test";
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

    /** Messages left on the mail.* queues (waiting, in delivery or scheduled), from the broker's management address. */
    /** Each login its own secret: the engine refuses an admin or submitter password equal to another. */
    static String submitterPassword(String enginePassword) {
        return enginePassword + "-app";
    }

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

    // ---------------------------------------------------------------- the engine
    static final class EngineLauncher {
        final Path jar;
        final Path cwd;
        final Path work;
        final Path config;
        final int brokerPort;
        final String password;
        final List<Path> logs = new ArrayList<>();
        final CrashEvents watcher;

        EngineLauncher(Path jar, Path cwd, Path work, Path config, int brokerPort, String password) {
            this.watcher = new CrashEvents(brokerPort, USER, password);
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
            pb.environment().put("MTA_ADMIN_USER", "crash-admin");
            pb.environment().put("MTA_ADMIN_PASSWORD", password + "-admin");
            pb.environment().put("MTA_SUBMITTERS", SUBMITTER + ":" + submitterPassword(password));
            long begin = System.nanoTime();
            Engine e = new Engine(pb.start(), log);
            watcher.watch(n - 1, e.process::isAlive);
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

    // ---------------------------------------------------------------- the report
    /**
     * The verdict (CrashVerdict, shared with CrashSuiteTest) as the bench prints it: one row per
     * kill with the age of its oldest duplicate, the totals, a sample of every failed check.
     */
    static final class Report {
        final List<String> lines = new ArrayList<>();
        final boolean pass;

        Report(CrashVerdict v, Set<String> expectedSet, CrashAccounting acct, CrashEvents events, int smtpOut, long t0) {
            lines.addAll(v.table(t0, true));
            pass = v.pass();
            lines.add("");
            lines.add(String.format(Locale.ROOT, "submitted                       %d", expectedSet.size()));
            lines.add(String.format(Locale.ROOT, "delivered distinct, SMTP sink   %d", v.distinct));
            lines.add(String.format(Locale.ROOT, "delivered distinct, acct 'd'    %d", acct.distinct(expectedSet)));
            lines.add(String.format(Locale.ROOT, "lost, SMTP sink / accounting    %d / %d", v.lost.size(), v.acctLost.size()));
            lines.add(String.format(Locale.ROOT, "duplicates, SMTP receipts       %d", v.duplicates));
            lines.add(String.format(Locale.ROOT, "duplicate 'd' records           %d", acct.duplicateLines()));
            lines.add(String.format(Locale.ROOT, "in DATA at the kills (sum)      %d", v.inDataSum));
            lines.add(String.format(Locale.ROOT, "bound: in DATA + 250 uncommitted, summed over kills   %d%s", v.bound,
                    v.unobserved == 0 ? "" : "  (" + v.unobserved + " of them answered before the event watcher was connected)"));
            lines.add(String.format(Locale.ROOT, "min(C=%d, open SMTP sessions) x batch %d, summed      %d", smtpOut, COMMIT_BATCH,
                    v.consumerBound));
            lines.add(String.format(Locale.ROOT, "checks: duplicates without a kill between the copies %d; duplicates of a delivery"
                    + " the engine had committed (event seen) %d; kills over their bound %d; deliveries with more 'd'"
                    + " records than receipts %d; unexpected deliveries %d",
                    v.sameEngine.size(), v.committedDuplicates.size(), v.overBound.size(), v.acctOverReceipts.size(),
                    v.strangers.size()));
            lines.add(String.format(Locale.ROOT, "events seen                     %d (non-persistent: gaps at every restart, not counted)",
                    events.seen()));
            if (!acct.otherTypes.isEmpty() || acct.cutLines > 0) {
                lines.add(String.format(Locale.ROOT, "accounting notes                other record types %s, %d line(s) cut by a kill",
                        acct.otherTypes, acct.cutLines));
            }
            sample("lost at the sink", v.lost);
            sample("no 'd' record", v.acctLost);
            sample("duplicated without a kill between the copies", v.sameEngine);
            sample("duplicated although committed before the kill", v.committedDuplicates);
            sample("over the bound", v.overBound);
            lines.add("verdict                         " + (pass ? "PASS" : "FAIL"));
        }

        void sample(String what, List<String> keys) {
            if (!keys.isEmpty()) {
                lines.add(what + " (" + keys.size() + ", first 20): " + keys.subList(0, Math.min(20, keys.size())));
            }
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

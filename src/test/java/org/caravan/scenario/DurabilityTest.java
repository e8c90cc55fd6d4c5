package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.QueueConnection;
import jakarta.jms.QueueRequestor;
import jakarta.jms.QueueSession;
import jakarta.jms.Session;
import org.apache.activemq.artemis.api.core.management.ResourceNames;
import org.apache.activemq.artemis.api.jms.management.JMSManagementHelper;
import org.apache.commons.csv.CSVRecord;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.EngineProcess;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.caravan.testsupport.SmtpStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of the engine (a child JVM) in the middle of a run, then a restart on the same journal:
 * every delivery reaches the server, and the only duplicates are deliveries whose SMTP DATA the
 * server had accepted just before the engine died: not yet acked, because the engine acks finished
 * deliveries in batches (caravan.delivery.commit-batch, at most commit-max-age old).
 */
class DurabilityTest {

    private static final int MESSAGES = 1000;
    private static final int SMTP_OUT = 4;
    private static final int POLICIES = 2;
    /** The engine's default caravan.delivery.commit-batch: finished deliveries one commit acks. */
    private static final int COMMIT_BATCH = 16;
    /** Per SMTP connection, at most one batch can be past the server's 250 and not yet acked. */
    private static final int IN_FLIGHT_BOUND = SMTP_OUT * POLICIES * COMMIT_BATCH;
    /**
     * "Just before the crash": the batch's 20 ms max-age (a batch takes no message expected to
     * outlast it), plus the commit itself (accounting fdatasync, journal sync), plus scheduling on
     * a busy 2-core machine (a child JVM and this one).
     */
    private static final Duration JUST_BEFORE = Duration.ofMillis(1000);
    private static final int RECEIVED_BEFORE_KILL = 150;
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration DRAIN = Duration.ofSeconds(60);
    private static final Duration QUIET = Duration.ofSeconds(15);

    private ScriptedSmtpServer smtp;
    private long killedNanos;
    private Path dir;
    private int brokerPort;
    private final List<EngineProcess> engines = new ArrayList<>();

    @BeforeEach
    void startServerAndDirectory() {
        // a short stall at the end of DATA keeps deliveries in SMTP DATA at any moment of the run
        smtp = ScriptedSmtpServer.start().stall(SmtpStage.DATA_END, Duration.ofMillis(5));
        Map<String, String> policies = new LinkedHashMap<>();
        policies.put("gmail", "gmail.com " + smtp.port());
        policies.put("default", "* " + smtp.port());
        dir = EngineProcess.directory(Engine.routedConfig(policies,
                "max-smtp-out: " + SMTP_OUT + "\nmax-msg-rate: 100/s\n"));
        brokerPort = Engine.freePort();
    }

    /** Engines die first, always; the journal goes (preallocated, tens of MB), the logs and accounting stay. */
    @AfterEach
    void killEnginesAndServer() throws IOException {
        RuntimeException failure = EngineProcess.closeAll(engines);
        smtp.close();
        if (failure != null) {
            throw failure;
        }
        EngineProcess.deleteTree(dir.resolve("data").resolve("journal"));
        System.out.println("engine logs and accounting kept in " + dir);
    }

    @Test
    void killDuringDeliveryLosesNothingAndDuplicatesOnlyWhatWasInData() throws Exception {
        long began = System.nanoTime();
        EngineProcess first = start();
        List<String> bodies = new ArrayList<>();
        Set<String> expected = new TreeSet<>();
        for (int i = 0; i < MESSAGES; i++) {
            String to = i % 2 == 0 ? "user" + i + "@gmail.com" : "user" + i + "@example.org";
            bodies.add(mail(id("delivery", i), to));
            expected.add(key(id("delivery", i), to));
        }
        first.broker().submitAll(bytes(bodies), Map.of());

        // intake done first, so that this kill is one during delivery only
        assertThat(awaitEmpty(first, "mail.submit", Duration.ofSeconds(30))).as("intake finished").isTrue();
        System.out.printf("delivery kill: intake finished with %d delivered%n", smtp.messageCount());
        assertThat(smtp.awaitMessages(RECEIVED_BEFORE_KILL, Duration.ofSeconds(30)))
                .as("deliveries before the kill").isTrue();
        int atKill = killAndSettle(first);
        assertThat(atKill).as("the kill landed mid-run").isLessThan(MESSAGES);

        EngineProcess second = start();
        Map<String, Long> receipts = awaitAll(expected, atKill);
        Report report = report("delivery", expected, receipts, atKill, second, began);

        assertNothingLostNoStrangers(report);
        assertDuplicatesOnlyFromTheKill(report, atKill);
        assertAccountingCoversEveryDelivery(second, expected, receipts);
    }

    @Test
    void killDuringIntakeLosesNothingAndSplitsAtomically() throws Exception {
        long began = System.nanoTime();
        EngineProcess first = start();
        List<String> bodies = new ArrayList<>();
        Set<String> expected = new TreeSet<>();
        for (int i = 0; i < MESSAGES / 2; i++) {
            String gmail = "user" + i + "@gmail.com";
            String other = "user" + i + "@example.org";
            bodies.add(mail(id("intake", i), gmail + ", " + other));
            expected.add(key(id("intake", i), gmail));
            expected.add(key(id("intake", i), other));
        }
        first.broker().submitAll(bytes(bodies), Map.of());
        long submitDepth = messageCount(first, "mail.submit");
        int atKill = killAndSettle(first);
        System.out.printf("intake kill: mail.submit held %d of %d submissions (unacknowledged) just before the kill%n",
                submitDepth, bodies.size());
        assertThat(submitDepth).as("the kill landed during intake").isPositive();

        EngineProcess second = start();
        Map<String, Long> receipts = awaitAll(expected, atKill);
        Report report = report("intake", expected, receipts, atKill, second, began);

        assertNothingLostNoStrangers(report);
        assertDuplicatesOnlyFromTheKill(report, atKill);
        assertAccountingCoversEveryDelivery(second, expected, receipts);
    }

    // ---- steps ----

    private EngineProcess start() {
        EngineProcess engine = EngineProcess.start(dir, brokerPort, START);
        engines.add(engine);
        return engine;
    }

    /** Kills the engine, lets sessions the kill cut off finish on the server, returns what it had accepted. */
    private int killAndSettle(EngineProcess engine) throws InterruptedException {
        killedNanos = System.nanoTime();
        engine.kill();
        Thread.sleep(300);
        return smtp.messageCount();
    }

    /** Waits until no message of the queue is left unacknowledged; false on timeout. */
    private static boolean awaitEmpty(EngineProcess engine, String queue, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (messageCount(engine, queue) > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    /**
     * Waits until every expected delivery arrived at least once (or the server has had nothing new
     * for QUIET once deliveries resumed, or DRAIN is over), then a little longer for late extras.
     */
    private Map<String, Long> awaitAll(Set<String> expected, int atKill) throws InterruptedException {
        long deadline = System.nanoTime() + DRAIN.toNanos();
        int seen = smtp.messageCount();
        long lastChange = System.nanoTime();
        while (!receipts().keySet().containsAll(expected) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            int now = smtp.messageCount();
            if (now != seen) {
                seen = now;
                lastChange = System.nanoTime();
            } else if (seen > atKill && System.nanoTime() - lastChange > QUIET.toNanos()) {
                break;
            }
        }
        Thread.sleep(1000);
        return receipts();
    }

    private Map<String, Long> receipts() {
        return smtp.received().stream()
                .flatMap(r -> r.rcptTo().stream().map(rcpt -> key(r.messageId(), rcpt)))
                .collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));
    }

    // ---- assertions ----

    private static void assertNothingLostNoStrangers(Report report) {
        assertThat(report.lost()).as("deliveries lost across kill -9").isEmpty();
        assertThat(report.strangers()).as("deliveries nobody submitted").isEmpty();
    }

    /** Each duplicate was first accepted just before the kill, at most once more after, and they fit in the SMTP sessions' batches. */
    private void assertDuplicatesOnlyFromTheKill(Report report, int atKill) {
        assertThat(report.duplicates().size()).as("duplicates %s", report.duplicates().keySet())
                .isLessThanOrEqualTo(IN_FLIGHT_BOUND);
        assertThat(report.duplicates().values()).as("receipts of a duplicated delivery").allMatch(n -> n == 2);
        List<Received> all = smtp.received();
        Set<String> beforeKill = all.subList(0, Math.min(atKill, all.size())).stream()
                .flatMap(r -> r.rcptTo().stream().map(rcpt -> key(r.messageId(), rcpt)))
                .collect(Collectors.toSet());
        assertThat(beforeKill).as("duplicates were accepted by the server before the kill")
                .containsAll(report.duplicates().keySet());
        Set<String> firstSeen = new java.util.HashSet<>();
        for (Received r : all) {
            for (String rcpt : r.rcptTo()) {
                String key = key(r.messageId(), rcpt);
                if (report.duplicates().containsKey(key) && firstSeen.add(key)) {
                    assertThat((killedNanos - r.nanoTime()) / 1_000_000)
                            .as("ms from the first receipt of duplicate %s to the kill", key)
                            .isLessThan(JUST_BEFORE.toMillis());
                }
            }
        }
    }

    /** One 'd' line per delivery, two at most where the server got it twice (never more than it received). */
    private static void assertAccountingCoversEveryDelivery(EngineProcess engine, Set<String> expected,
            Map<String, Long> receipts) throws InterruptedException {
        engine.accounting().await("d", expected.size(), Duration.ofSeconds(10));
        List<CSVRecord> records = engine.accounting().records();
        List<CSVRecord> cut = records.stream().filter(r -> !r.isConsistent()).toList();
        Map<String, Long> delivered = records.stream()
                .filter(r -> r.isConsistent() && r.get("type").equals("d"))
                .collect(Collectors.groupingBy(r -> key(r.get("messageId"), r.get("rcpt")), TreeMap::new,
                        Collectors.counting()));
        System.out.printf("accounting: %d records, %d cut short by the kill, %d deliveries with two 'd' lines%n",
                records.size(), cut.size(), delivered.values().stream().filter(n -> n > 1).count());
        assertThat(delivered.keySet()).as("deliveries with a 'd' accounting record").containsAll(expected);
        assertThat(delivered).as("'d' records never outnumber the server's receipts")
                .allSatisfy((key, n) -> assertThat(n).isLessThanOrEqualTo(receipts.getOrDefault(key, 0L)));
        assertThat(records.stream().filter(r -> r.isConsistent() && !r.get("type").equals("d")).toList())
                .as("records other than 'd' (nothing should defer or bounce)").isEmpty();
    }

    // ---- figures ----

    /** What the server received against what was submitted, printed as the scenario's figures. */
    private record Report(Set<String> lost, Set<String> strangers, Map<String, Long> duplicates) { }

    private Report report(String scenario, Set<String> expected, Map<String, Long> receipts, int atKill,
            EngineProcess restarted, long began) {
        Set<String> lost = new TreeSet<>(expected);
        lost.removeAll(receipts.keySet());
        Set<String> strangers = new TreeSet<>(receipts.keySet());
        strangers.removeAll(expected);
        Map<String, Long> duplicates = new TreeMap<>();
        receipts.forEach((key, n) -> {
            if (n > 1) {
                duplicates.put(key, n);
            }
        });
        System.out.printf("%s kill: %d deliveries expected, %d accepted by the server at the kill, %d receipts in all,"
                        + " %d lost, %d duplicated (bound %d), %d unexpected, %.1f s from first start%n",
                scenario, expected.size(), atKill, smtp.messageCount(), lost.size(), duplicates.size(),
                IN_FLIGHT_BOUND, strangers.size(), (System.nanoTime() - began) / 1e9);
        if (!lost.isEmpty() || duplicates.size() > IN_FLIGHT_BOUND) {
            System.out.printf("lost (first 20): %s%nduplicates: %s%nrestarted engine's warnings:%n%s%n",
                    lost.stream().limit(20).toList(), duplicates,
                    String.join("\n", restarted.logLines("WARN", "ERROR")));
        }
        return new Report(Collections.unmodifiableSet(lost), Collections.unmodifiableSet(strangers), duplicates);
    }

    /** Messages on a queue not yet acknowledged (waiting or being delivered), from the broker's management address. */
    private static long messageCount(EngineProcess engine, String queue) throws JMSException {
        try (QueueConnection c = (QueueConnection) engine.broker().connect();
                QueueSession s = c.createQueueSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            QueueRequestor requestor = new QueueRequestor(s, s.createQueue("activemq.management"));
            Message request = s.createMessage();
            JMSManagementHelper.putAttribute(request, ResourceNames.QUEUE + queue, "messageCount");
            try {
                return ((Number) JMSManagementHelper.getResult(requestor.request(request))).longValue();
            } catch (Exception e) {
                throw new IllegalStateException("cannot read the message count of " + queue, e);
            }
        }
    }

    // ---- mail ----

    private static String id(String scenario, int i) {
        return "<" + scenario + "-" + i + "@durability.test>";
    }

    /** One delivery: the Message-ID and the envelope recipient it went to. */
    private static String key(String messageId, String rcpt) {
        return messageId + " " + rcpt;
    }

    private static List<byte[]> bytes(List<String> bodies) {
        return bodies.stream().map(b -> b.getBytes(StandardCharsets.UTF_8)).toList();
    }

    private static String mail(String messageId, String to) {
        return "From: Sender <sender@example.net>\r\n"
                + "To: " + to + "\r\n"
                + "Subject: durability\r\n"
                + "Message-ID: " + messageId + "\r\n"
                + "\r\n"
                + "Survives kill -9.\r\n";
    }
}

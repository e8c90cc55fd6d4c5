package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BooleanSupplier;

import org.caravan.testsupport.CrashAccounting;
import org.caravan.testsupport.CrashEvents;
import org.caravan.testsupport.CrashKill;
import org.caravan.testsupport.CrashProducer;
import org.caravan.testsupport.CrashSink;
import org.caravan.testsupport.CrashVerdict;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.EngineProcess;
import org.caravan.testsupport.StablePort;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The crash suite in small (bench/crash.sh is the full one: 20,000 messages, 5 kills): 2,000
 * persistent submissions and 2 kill -9 of the engine (a child JVM) at seeded random moments, one
 * during intake and one during delivery, each followed by a restart on the same journal. The
 * delivery kill hits an engine that has itself recovered from the intake kill; each more kill
 * costs a restart (about 15 s here), so more rounds are left to bench/crash.sh.
 *
 * <p>At the end nothing may be lost, at the SMTP server and in the accounting 'd' records, and
 * every duplicate must be a delivery that was in flight at a kill: in SMTP DATA (DATA sent, no
 * reply yet) or answered 250 by the server but not yet committed by the engine. An event on
 * mail.events proves the commit (the engine sends it inside the broker transaction that acks
 * the delivery); events are non-persistent and have gaps at every restart, so they are not
 * counted as outcomes, only used as that proof. Per kill, duplicates are also held to
 * min(sum of max-smtp-out, SMTP sessions open at the kill): one message per delivery consumer.
 *
 * <p>The server records a message when the final '.' arrives, before its reply (as an MTA that has
 * queued it), and holds the reply a few milliseconds, so that kills find deliveries in DATA.
 * Submissions are repeated after a kill with the same Artemis duplicate-detection id, so that
 * the producer can never be the source of a duplicate. Seed: -Dcaravan.crash.seed=N.
 */
class CrashSuiteTest {

    private static final int MESSAGES = 2000;
    private static final int KILLS = 2;
    private static final int INTAKE_KILLS = 1;
    private static final long SEED = Long.getLong("caravan.crash.seed", 20261128L);
    private static final int SMTP_OUT = 4;
    private static final int POLICIES = 3;
    private static final int CONSUMERS = SMTP_OUT * POLICIES;
    /** The engine's default caravan.delivery.commit-batch. */
    private static final int COMMIT_BATCH = 16;
    private static final int REPLY_DELAY_MS = 5;
    private static final Duration START = Duration.ofSeconds(90);
    private static final Duration DRAIN = Duration.ofSeconds(90);

    private CrashSink sink;
    private Path dir;
    private int brokerPort;
    private CrashProducer producer;
    private CrashEvents watcher;
    private final List<EngineProcess> engines = new ArrayList<>();
    private boolean passed;

    @BeforeEach
    void setUp() throws IOException {
        sink = new CrashSink(REPLY_DELAY_MS);
        Map<String, String> policies = new LinkedHashMap<>();
        policies.put("crash-a", "a.crash.test " + sink.port());
        policies.put("crash-b", "b.crash.test " + sink.port());
        policies.put("default", "* " + sink.port());
        dir = EngineProcess.directory(Engine.routedConfig(policies,
                "max-smtp-out: " + SMTP_OUT + "\nmax-msg-per-connection: 100\n"));
        brokerPort = StablePort.pick();
        watcher = new CrashEvents(brokerPort, Engine.USER, Engine.PASSWORD);
    }

    /** Children die first, always; the temp directory goes too (kept without its journal on failure, as evidence). */
    @AfterEach
    void tearDown() throws IOException {
        if (producer != null) {
            producer.stop();
        }
        RuntimeException failure = EngineProcess.closeAll(engines);
        watcher.close();
        sink.close();
        if (producer != null) {
            producer.join();
        }
        EngineProcess.deleteTree(passed ? dir : dir.resolve("data").resolve("journal"));
        if (!passed) {
            System.out.println("engine logs and accounting kept in " + dir);
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Test
    void killNineAtRandomMomentsLosesNothingAndDuplicatesOnlyWhatWasInFlight() throws Exception {
        long t0 = System.nanoTime();
        Random rnd = new Random(SEED);
        String job = "crash-test-" + SEED;
        EngineProcess engine = start(0);

        String[] bodies = new String[MESSAGES];
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            String domain = i % 3 == 2 ? "b.crash.test" : "a.crash.test";
            String id = "<" + job + "." + i + "@" + domain + ">";
            bodies[i] = mail(id, "user" + i + "@" + domain, i);
            expected.add(CrashSink.key(id, "user" + i + "@" + domain));
        }
        producer = new CrashProducer(brokerPort, Engine.USER, Engine.PASSWORD, bodies, job, 4, Duration.ofMinutes(2));
        producer.start();

        List<CrashKill> kills = new ArrayList<>();
        double[] intakeShares = CrashKill.shares(rnd, INTAKE_KILLS, 0.05, 0.75);
        double[] deliveryShares = null;
        for (int k = 1; k <= KILLS; k++) {
            EngineProcess running = engine;
            if (k <= INTAKE_KILLS) {
                int target = (int) Math.ceil(intakeShares[k - 1] * MESSAGES);
                await(() -> producer.confirmed() >= target || producer.finished(), running, "submissions");
            } else {
                if (deliveryShares == null) {
                    await(producer::finished, running, "the end of intake");
                    double from = Math.max(0.05, (double) sink.distinct() / MESSAGES + 0.02);
                    deliveryShares = CrashKill.shares(rnd, KILLS - INTAKE_KILLS, Math.min(from, 0.9), 0.92);
                }
                int target = (int) Math.ceil(deliveryShares[k - INTAKE_KILLS - 1] * MESSAGES);
                await(() -> sink.distinct() >= target, running, "deliveries");
            }
            Thread.sleep(rnd.nextInt(301));
            CrashKill kill = new CrashKill(k, producer.confirmed(), !producer.finished());
            kill.killNs = System.nanoTime();
            engine.kill(); // SIGKILL, returns once the process is gone
            kill.deadNs = System.nanoTime();
            kills.add(kill);
            engine = start(k);
            kill.restartSeconds = (System.nanoTime() - kill.deadNs) / 1e9;
        }
        EngineProcess last = engine;
        await(producer::finished, last, "the end of intake");
        assertThat(producer.failure()).as("producer failure").isNull();

        Set<String> expectedSet = new HashSet<>(expected);
        Path accounting = dir.resolve("data").resolve("accounting");
        long deadline = System.nanoTime() + DRAIN.toNanos();
        while (System.nanoTime() < deadline && last.isAlive()
                && !(sink.distinct() >= MESSAGES && CrashAccounting.read(accounting, job).distinct(expectedSet) >= MESSAGES)) {
            Thread.sleep(200);
        }
        Thread.sleep(1500); // late redeliveries, if any, are duplicates to count

        CrashAccounting acct = CrashAccounting.read(accounting, job);
        CrashVerdict r = new CrashVerdict(expected, sink, kills, acct, watcher, CONSUMERS, COMMIT_BATCH);
        System.out.print(text(r, acct, expectedSet, t0, producer.resends(), watcher.seen()));

        assertThat(r.lost).as("deliveries lost at the SMTP server").isEmpty();
        assertThat(r.acctLost).as("deliveries without a 'd' accounting record").isEmpty();
        assertThat(r.strangers).as("deliveries nobody submitted").isEmpty();
        assertThat(r.sameEngine).as("duplicates without a kill between the two copies").isEmpty();
        assertThat(r.committedDuplicates).as("duplicates of deliveries the killed engine had committed").isEmpty();
        assertThat(r.overBound).as("kills with more duplicates than deliveries in flight").isEmpty();
        assertThat(r.duplicates).as("duplicates, against the deliveries in flight at the kills").isLessThanOrEqualTo(r.bound);
        assertThat(r.acctOverReceipts).as("deliveries with more 'd' records than receipts").isEmpty();
        // the scenario itself: kills in both phases, and enough events seen for the bound to be tight
        assertThat(kills).as("kills during intake").anyMatch(k -> k.intake);
        assertThat(kills).as("kills during delivery").anyMatch(k -> !k.intake);
        assertThat(watcher.seen()).as("events seen (the proof of commit that keeps the bound tight)")
                .isGreaterThan(MESSAGES / 2);
        passed = true;
    }

    // ---- steps ----

    private EngineProcess start(int epoch) {
        watcher.watch(epoch); // subscribes as soon as the new broker takes logins
        EngineProcess engine = EngineProcess.start(dir, brokerPort, START);
        engines.add(engine);
        return engine;
    }

    private void await(BooleanSupplier condition, EngineProcess engine, String what) throws InterruptedException {
        long deadline = System.nanoTime() + DRAIN.toNanos();
        while (!condition.getAsBoolean()) {
            if (producer.failure() != null) {
                throw new AssertionError("the producer failed while waiting for " + what, producer.failure());
            }
            if (!engine.isAlive()) {
                fail("the engine died on its own while waiting for %s; log tail:%n%s", what,
                        String.join("\n", engine.logTail(40)));
            }
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for %s", what);
            }
            Thread.sleep(5);
        }
    }
    private static String mail(String messageId, String to, int i) {
        StringBuilder sb = new StringBuilder("From: Sender <sender@example.net>\r\n")
                .append("To: ").append(to).append("\r\n")
                .append("Subject: crash suite ").append(i).append("\r\n")
                .append("Message-ID: ").append(messageId).append("\r\n\r\n");
        for (int line = 0; sb.length() < 2000; line++) {
            sb.append(line == 3 ? ".a line with a leading dot" : "line " + line + " of a message that survives kill -9")
                    .append("\r\n");
        }
        return sb.toString();
    }

    /** The report: the verdict's table per kill (without the dup age column) and one line of totals. */
    private static String text(CrashVerdict r, CrashAccounting acct, Set<String> expected, long t0, int resends,
            int eventsSeen) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "crash suite: %d messages, %d x kill -9, seed %d; C = %d delivery consumers; %d submissions repeated after a kill%n",
                MESSAGES, KILLS, SEED, CONSUMERS, resends));
        r.table(t0, false).forEach(row -> sb.append(row).append('\n'));
        sb.append(String.format(Locale.ROOT,
                "submitted %d; delivered distinct: SMTP %d, accounting 'd' %d; lost: SMTP %d, accounting %d;"
                        + " duplicates %d (bound %d); duplicate 'd' records %d; events seen %d%n",
                MESSAGES, r.distinct, acct.distinct(expected), r.lost.size(), r.acctLost.size(),
                r.duplicates, r.bound, acct.duplicateLines(), eventsSeen));
        return sb.toString();
    }
}

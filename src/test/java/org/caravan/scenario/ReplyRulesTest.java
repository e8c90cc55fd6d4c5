package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.csv.CSVRecord;
import org.caravan.delivery.DeliveryLines;
import org.caravan.delivery.PolicyState;
import org.caravan.testsupport.Closing;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.EventWatcher;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reply rules against scripted servers that answer like the providers: the shipped catalogue's
 * Gmail and Yahoo entries, a threshold rule and disable-source-ip, each on its own policy and
 * server. What is checked is what the line does (its limits, whether it takes mail, which source
 * the server sees), the outcomes in accounting and the mode events.
 */
class ReplyRulesTest {

    private static final String GMAIL_421 = "421 4.7.28 [127.0.0.1 15] Gmail has detected an unusual rate of"
            + " unsolicited email originating from your IP address. To protect our users from spam, email sent"
            + " from your IP address has been temporarily rate limited. - gsmtp";
    private static final String YAHOO_TSS04 = "421 4.7.0 [TSS04] Messages from 127.0.0.1 temporarily deferred due"
            + " to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes";
    private static final String BLOCKLISTED = "553 5.7.1 [BL21] Connections will not be accepted from 127.0.0.2,"
            + " because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes";

    private static ScriptedSmtpServer gmail;
    private static ScriptedSmtpServer yahoo;
    private static ScriptedSmtpServer threshold;
    private static ScriptedSmtpServer blocking;
    private static Engine engine;
    private static EventWatcher events;
    private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();

    @BeforeAll
    static void start() throws Exception {
        gmail = ScriptedSmtpServer.start();
        yahoo = ScriptedSmtpServer.start();
        threshold = ScriptedSmtpServer.start();
        blocking = ScriptedSmtpServer.start();
        engine = Engine.start("""
                virtual-mtas:
                  a: { smtp-source-host: 127.0.0.2, ehlo: a.mta.test }
                  b: { smtp-source-host: 127.0.0.3, ehlo: b.mta.test }
                virtual-mta-pools:
                  both: { vmtas: [a, b] }
                domain-policies:
                  gmail:
                    match: [gmail.test]
                    route: 127.0.0.1:%d
                    catalogue: gmail
                    max-smtp-out: 4
                    max-conn-rate: 600/m
                    max-msg-rate: unlimited
                    backoff:
                      max-msg-rate: 2/s
                      max-smtp-out: 1
                      max-conn-rate: 120/m
                      to-normal-after: 1h
                      to-normal-after-deliveries: 3
                  yahoo:
                    match: [yahoo.test]
                    route: 127.0.0.1:%d
                    catalogue: yahoo
                  thr:
                    match: [thr.test]
                    route: 127.0.0.1:%d
                    max-smtp-out: 1
                    reply-rules:
                      - match: '^451 4\\.7\\.1\\b'
                        action: backoff
                        trigger: 3 in 1m
                  blk:
                    match: [blk.test]
                    route: 127.0.0.1:%d
                    reply-rules:
                      - match: '\\[BL\\d\\d\\]'
                        action: disable-source-ip
                        duration: 1h
                        category: spam-related
                  default:
                    route: 127.0.0.1:%d
                    retry-after: [1s]
                    backoff-retry: 1s
                """.formatted(gmail.port(), yahoo.port(), threshold.port(), blocking.port(), blocking.port()));
        events = engine.broker().watchEvents();
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.all(events, engine, gmail, yahoo, threshold, blocking);
    }

    @Test
    void gmailsRateLimitReplyPutsTheLineInBackoffWithItsLowerLimitsUntilThreeDeliveriesInARow() throws Exception {
        PolicyState state = state("default", "gmail");
        assertThat(state.getMaxSmtpOut()).isEqualTo(4);
        gmail.rcptReplies("first@gmail.test", GMAIL_421, "250 2.1.5 OK");
        engine.broker().submit(RoutingTest.mail("<g1@test>", "first@gmail.test"), Map.of());

        awaitTrue(state::isInBackoff, "gmail enters backoff");
        assertThat(state.getMaxSmtpOut()).as("backoff max-smtp-out").isEqualTo(1);
        assertThat(state.getMaxConnRate()).as("backoff max-conn-rate").isEqualTo("120/m");
        assertThat(state.currentMsgRate()).hasToString("2/s");
        assertThat(state.backoffPattern()).as("the catalogue entry that fired").isEqualTo("^421[ -]4\\.7\\.28\\b");
        awaitTrue(() -> records("t", "gmail").size() == 1, "the deferral recorded");
        assertThat(records("t", "gmail")).singleElement()
                .satisfies(r -> assertThat(r.get("dsnDiag")).startsWith("smtp;421 4.7.28"));

        // the retry (1s) is the first delivery in a row; two more end backoff
        assertThat(gmail.awaitMessages(1, Duration.ofSeconds(20))).isTrue();
        assertThat(state.isInBackoff()).as("one delivery in a row is not three").isTrue();
        engine.broker().submit(RoutingTest.mail("<g2@test>", "second@gmail.test"), Map.of());
        assertThat(gmail.awaitMessages(2, Duration.ofSeconds(20))).isTrue();
        awaitTrue(() -> records("d", "gmail").size() == 2, "two delivered");
        assertThat(state.isInBackoff()).as("two deliveries in a row are not three").isTrue();
        engine.broker().submit(RoutingTest.mail("<g3@test>", "third@gmail.test"), Map.of());
        awaitTrue(() -> !state.isInBackoff(), "back to normal after the third delivery in a row");
        assertThat(state.getMaxSmtpOut()).as("normal max-smtp-out again").isEqualTo(4);
        assertThat(state.getMaxConnRate()).isEqualTo("600/m");

        List<Map<String, Object>> modes = modeEvents("gmail");
        assertThat(modes).extracting(e -> e.get("mode")).containsExactly("backoff", "normal");
        assertThat(modes.get(0).get("trigger")).isEqualTo("^421[ -]4\\.7\\.28\\b");
        assertThat(modes.get(1).get("trigger")).isEqualTo("3 deliveries in a row");
        assertThat(modeChanges("gmail", "backoff")).isEqualTo(1.0);
        assertThat(modeChanges("gmail", "normal")).isEqualTo(1.0);
    }

    @Test
    void yahoosTss04SuspendsTheYahooQueueForTheCataloguesDurationAndItsMailWaitsOnTheQueue() throws Exception {
        PolicyState state = state("default", "yahoo");
        yahoo.rcptReplies("first@yahoo.test", YAHOO_TSS04, "250 2.1.5 OK");
        engine.broker().submit(RoutingTest.mail("<y1@test>", "first@yahoo.test"), Map.of());
        awaitTrue(state::isSuspended, "yahoo suspended");
        long expected = System.currentTimeMillis() + Duration.ofHours(4).toMillis();
        assertThat(state.suspendedUntil()).as("the catalogue's 4h").isBetween(expected - 60_000, expected);
        awaitTrue(() -> records("t", "yahoo").size() == 1, "the deferral recorded");
        assertThat(records("t", "yahoo")).singleElement()
                .satisfies(r -> assertThat(r.get("dsnDiag")).contains("[TSS04]"));

        for (int i = 2; i <= 4; i++) {
            engine.broker().submit(RoutingTest.mail("<y" + i + "@test>", "r" + i + "@yahoo.test"), Map.of());
        }
        Thread.sleep(3000); // the retry (1s) and the three new ones would all be delivered by now
        assertThat(yahoo.messageCount()).as("nothing delivered while suspended").isZero();
        assertThat(records("t", "yahoo")).as("nothing even tried").hasSize(1);

        jmx.invoke(new ObjectName("org.caravan:type=Policy,vmta=default,name=yahoo"), "endSuspension", null, null);
        assertThat(yahoo.awaitMessages(4, Duration.ofSeconds(20))).as("all four once the suspension ends").isTrue();
        assertThat(modeEvents("yahoo")).extracting(e -> e.get("mode")).containsExactly("suspended", "normal");
        assertThat(modeChanges("yahoo", "suspended")).isEqualTo(1.0);
    }

    @Test
    void aThresholdRuleFiresOnTheThirdMatchInItsWindowAndNotBefore() throws Exception {
        PolicyState state = state("default", "thr");
        for (int i = 1; i <= 3; i++) {
            threshold.rcptReplies("t" + i + "@thr.test", "451 4.7.1 Please try again later", "250 2.1.5 OK");
        }
        for (int i = 1; i <= 3; i++) {
            engine.broker().submit(RoutingTest.mail("<t" + i + "@test>", "t" + i + "@thr.test"), Map.of());
            int deferred = i;
            awaitTrue(() -> records("t", "thr").size() == deferred, deferred + " deferred");
            assertThat(state.isInBackoff()).as("backoff after match %d of 3", i).isEqualTo(i == 3);
        }
        assertThat(state.backoffPattern()).isEqualTo("^451 4\\.7\\.1\\b");
        assertThat(threshold.awaitMessages(3, Duration.ofSeconds(30))).as("the retries still go").isTrue();
    }

    @Test
    void disableSourceIpMovesThePoolsTrafficToItsOtherVmta() throws Exception {
        blocking.rcptReplies("first@blk.test", BLOCKLISTED);
        engine.broker().submit(RoutingTest.mail("<b1@test>", "first@blk.test"), Map.of("vmta", "both"));
        awaitTrue(() -> records("b", "blk").size() == 1, "the blocked one bounced");
        CSVRecord bounce = records("b", "blk").get(0);
        assertThat(bounce.get("vmta")).isEqualTo("a");
        assertThat(bounce.get("bounceCat")).isEqualTo("spam-related");
        assertThat(state("a", "blk").isSuspended()).as("vmta a's line holds its mail").isTrue();
        assertThat(state("b", "blk").isSuspended()).isFalse();

        for (int i = 2; i <= 5; i++) {
            engine.broker().submit(RoutingTest.mail("<b" + i + "@test>", "r" + i + "@blk.test"), Map.of("vmta", "both"));
        }
        assertThat(blocking.awaitMessages(4, Duration.ofSeconds(20))).isTrue();
        List<String> peers = blocking.received().stream().filter(r -> r.messageId().startsWith("<b"))
                .map(Received::sessionId).map(blocking::peerOf).toList();
        assertThat(peers).as("every message of the pool from b's address").hasSize(4).containsOnly("127.0.0.3");
        assertThat(modeEvents("blk")).extracting(e -> e.get("mode")).containsExactly("source-ip-disabled");
    }

    private static PolicyState state(String vmta, String policy) {
        return engine.bean(DeliveryLines.class).get(vmta, policy).state();
    }

    private static List<CSVRecord> records(String type, String policy) {
        return engine.accounting().ofType(type).stream().filter(r -> policy.equals(r.get("policy"))).toList();
    }

    private static List<Map<String, Object>> modeEvents(String policy) throws InterruptedException {
        Thread.sleep(200); // events are a live feed: the last may still be on its way
        return events.ofType("mode").stream().filter(e -> policy.equals(e.get("policy"))).toList();
    }

    private static double modeChanges(String policy, String mode) {
        Counter c = engine.bean(MeterRegistry.class).find("caravan.mode.changes").tag("policy", policy)
                .tag("mode", mode).counter();
        return c == null ? 0 : c.count();
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("waiting for: " + what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}

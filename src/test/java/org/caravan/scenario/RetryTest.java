package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.apache.commons.csv.CSVRecord;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.EventWatcher;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Deferred recipients come back on the retry-after schedule, permanent failures bounce at once,
 * deferrals past max-retries bounce as expired, and one recipient's failure is its own.
 * One engine for the class, on retry-after [1s, 2s], backoff-retry 2s, max-retries 2; each test
 * uses its own recipients.
 */
class RetryTest {

    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration SECOND_RETRY = Duration.ofSeconds(2);
    /** Clock granularity and scheduling jitter the gap checks forgive. */
    private static final long SLACK_MILLIS = 50;
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final DateTimeFormatter ACCT_TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSZ").withZone(ZoneOffset.UTC);

    private static ScriptedSmtpServer smtp;
    private static Engine engine;

    @BeforeAll
    static void start() {
        smtp = ScriptedSmtpServer.start();
        engine = Engine.start(Engine.routedConfig(Map.of("default", "* " + smtp.port()), """
                max-smtp-out: 2
                retry-after: [1s, 2s]
                backoff-retry: 2s
                max-retries: 2
                """));
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
        if (smtp != null) {
            smtp.close();
        }
    }

    @Test
    void twiceDeferredIsDeliveredOnTheThirdAttemptAfterTheScheduledGaps() throws Exception {
        String rcpt = "greylisted@retry.test";
        smtp.rcptReplies(rcpt, "451 4.7.1 try later", "451 4.7.1 try later", "250 OK");
        try (EventWatcher events = engine.broker().watchEvents()) {
            engine.broker().submit(mail("<greylisted@test>", rcpt), Map.of("jobId", "job-retry-1"));

            CSVRecord delivered = awaitOne(rcpt, "d");
            List<CSVRecord> deferred = records(rcpt, "t");
            assertThat(deferred).extracting(r -> r.get("attempt")).containsExactly("1", "2");
            assertThat(delivered.get("attempt")).isEqualTo("3");
            assertThat(records(rcpt, "b")).isEmpty();

            long t1 = timeLogged(deferred.get(0));
            long t2 = timeLogged(deferred.get(1));
            long d3 = timeLogged(delivered);
            assertThat(t2 - t1).as("gap before attempt 2 (ms)").isGreaterThanOrEqualTo(FIRST_RETRY.toMillis() - SLACK_MILLIS);
            assertThat(d3 - t2).as("gap before attempt 3 (ms)").isGreaterThanOrEqualTo(SECOND_RETRY.toMillis() - SLACK_MILLIS);
            assertThat(deferred).allSatisfy(r -> {
                assertThat(r.get("dsnStatus")).isEqualTo("4.7.1");
                assertThat(r.get("dsnDiag")).contains("451 4.7.1 try later");
                assertThat(r.get("jobId")).isEqualTo("job-retry-1");
            });

            assertThat(smtp.rcptAttempts(rcpt)).isEqualTo(3);
            assertThat(messages("<greylisted@test>")).singleElement()
                    .satisfies(m -> assertThat(m.rcptTo()).containsExactly(rcpt));

            List<Map<String, Object>> deferredEvents = awaitEvents(events, "deferred", rcpt, 2);
            List<Map<String, Object>> deliveredEvents = awaitEvents(events, "delivered", rcpt, 1);
            assertThat(deferredEvents).hasSize(2);
            assertThat(deliveredEvents).hasSize(1);
            Map<String, Object> first = deferredEvents.get(0);
            assertEvent(first, "deferred", rcpt, 1, 451, "4.7.1", "try later");
            assertEvent(deferredEvents.get(1), "deferred", rcpt, 2, 451, "4.7.1", "try later");
            Map<String, Object> done = deliveredEvents.get(0);
            // a delivery reports the server's answer to the message data (the ScriptedSmtpServer's default)
            assertEvent(done, "delivered", rcpt, 3, 250, "2.0.0", "OK queued");
            assertThat(done.get("bounceCategory")).isNull();
            // queuedAt is the submission's, the same on every attempt
            assertThat(done.get("queuedAt")).isEqualTo(first.get("queuedAt"));
            assertThat(Instant.parse((String) done.get("timestamp")))
                    .isAfterOrEqualTo(Instant.parse((String) first.get("timestamp")).plus(FIRST_RETRY).plus(SECOND_RETRY)
                            .minusMillis(2 * SLACK_MILLIS));
        }
    }

    @Test
    void aPermanentFailureBouncesAtOnceWithoutRetry() throws Exception {
        String rcpt = "nobody@bounce.test";
        smtp.alwaysRcpt(rcpt, "550 5.1.1 no such user");
        engine.broker().submit(mail("<nobody@test>", rcpt), Map.of());

        CSVRecord bounce = awaitOne(rcpt, "b");
        assertThat(bounce.get("bounceCat")).isEqualTo("bad-mailbox");
        assertThat(bounce.get("attempt")).isEqualTo("1");
        assertThat(bounce.get("dsnStatus")).isEqualTo("5.1.1");
        assertThat(bounce.get("dsnAction")).isEqualTo("failed");

        // longer than the whole retry schedule: nothing comes back
        Thread.sleep(FIRST_RETRY.plus(SECOND_RETRY).plusMillis(500).toMillis());
        assertThat(smtp.rcptAttempts(rcpt)).isEqualTo(1);
        assertThat(records(rcpt, "t")).isEmpty();
        assertThat(records(rcpt, "b")).hasSize(1);
        assertThat(records(rcpt, "d")).isEmpty();
        assertThat(messages("<nobody@test>")).isEmpty();
    }

    @Test
    void aRecipientThatAlwaysDefersExpiresAfterMaxRetries() throws Exception {
        String rcpt = "busy@expire.test";
        smtp.alwaysRcpt(rcpt, "451 4.2.0 mailbox busy");
        engine.broker().submit(mail("<busy@test>", rcpt), Map.of());

        CSVRecord bounce = awaitOne(rcpt, "b");
        assertThat(bounce.get("bounceCat")).isEqualTo("message-expired");
        assertThat(bounce.get("attempt")).isEqualTo("3");
        assertThat(records(rcpt, "t")).extracting(r -> r.get("attempt")).containsExactly("1", "2");
        assertThat(smtp.rcptAttempts(rcpt)).isEqualTo(3);

        // wait beyond backoff-retry: max-retries 2 means 3 attempts in all, then no more
        Thread.sleep(Duration.ofSeconds(2).plusMillis(1500).toMillis());
        assertThat(smtp.rcptAttempts(rcpt)).isEqualTo(3);
        assertThat(records(rcpt, "t")).hasSize(2);
        assertThat(records(rcpt, "b")).hasSize(1);
        assertThat(records(rcpt, "d")).isEmpty();
    }

    @Test
    void aPartialRcptFailureAffectsOnlyThatRecipient() throws Exception {
        String ok = "ok@partial.test";
        String bad = "bad@partial.test";
        String later = "later@partial.test";
        smtp.alwaysRcpt(bad, "550 5.1.1 no such user");
        smtp.rcptReplies(later, "451 4.7.1 try later", "250 OK");
        engine.broker().submit(mail("<partial@test>", ok + ", " + bad + ", " + later), Map.of());

        CSVRecord laterDelivered = awaitOne(later, "d");
        assertThat(laterDelivered.get("attempt")).isEqualTo("2");
        assertThat(records(ok, "d")).singleElement().satisfies(r -> assertThat(r.get("attempt")).isEqualTo("1"));
        assertThat(records(bad, "b")).singleElement().satisfies(r -> {
            assertThat(r.get("attempt")).isEqualTo("1");
            assertThat(r.get("bounceCat")).isEqualTo("bad-mailbox");
        });
        assertThat(records(later, "t")).singleElement().satisfies(r -> assertThat(r.get("attempt")).isEqualTo("1"));

        Thread.sleep(FIRST_RETRY.plusMillis(500).toMillis());
        List<Received> got = messages("<partial@test>");
        assertThat(got).extracting(Received::rcptTo)
                .as("first transaction takes ok, the retry carries only the deferred recipient")
                .containsExactly(List.of(ok), List.of(later));
        assertThat(smtp.rcptAttempts(ok)).isEqualTo(1);
        assertThat(smtp.rcptAttempts(bad)).isEqualTo(1);
        assertThat(smtp.rcptAttempts(later)).isEqualTo(2);
        assertThat(records(ok, "d")).hasSize(1);
        assertThat(records(ok, "t")).isEmpty();
        assertThat(records(bad, "b")).hasSize(1);
        assertThat(records(bad, "t")).isEmpty();
    }

    private static void assertEvent(Map<String, Object> e, String type, String rcpt, int attempt, int code,
            String enhanced, String text) {
        assertThat(e).containsKeys("type", "recipient", "domain", "policy", "vmta", "jobId", "messageId", "attempt",
                "smtpCode", "enhancedCode", "smtpText", "mx", "bounceCategory", "queuedAt", "timestamp");
        assertThat(e.get("type")).isEqualTo(type);
        assertThat(e.get("recipient")).isEqualTo(rcpt);
        assertThat(e.get("domain")).isEqualTo("retry.test");
        assertThat(e.get("policy")).isEqualTo("default");
        assertThat(e.get("vmta")).isEqualTo("default");
        assertThat(e.get("jobId")).isEqualTo("job-retry-1");
        assertThat(e.get("messageId")).isEqualTo("<greylisted@test>");
        assertThat(e.get("attempt")).isEqualTo(attempt);
        assertThat(e.get("smtpCode")).isEqualTo(code);
        assertThat(e.get("enhancedCode")).isEqualTo(enhanced);
        assertThat((String) e.get("smtpText")).contains(text);
        assertThat(e.get("mx")).isEqualTo("127.0.0.1:" + smtp.port());
        Instant queuedAt = Instant.parse((String) e.get("queuedAt"));
        Instant timestamp = Instant.parse((String) e.get("timestamp"));
        assertThat(timestamp).isAfterOrEqualTo(queuedAt);
    }

    /** Events of that type for that recipient, ordered by attempt, once n arrived or the wait ran out. */
    private static List<Map<String, Object>> awaitEvents(EventWatcher events, String type, String rcpt, int n)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        List<Map<String, Object>> found = List.of();
        while (System.currentTimeMillis() < deadline) {
            found = events.ofType(type).stream().filter(e -> rcpt.equals(e.get("recipient")))
                    .sorted(Comparator.comparing(e -> ((Number) e.get("attempt")).intValue())).toList();
            if (found.size() >= n) {
                break;
            }
            Thread.sleep(50);
        }
        return found;
    }

    /** Waits for the first record of that type for the recipient and returns it. */
    private static CSVRecord awaitOne(String rcpt, String type) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        List<CSVRecord> found = records(rcpt, type);
        while (found.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
            found = records(rcpt, type);
        }
        assertThat(found).as("a '%s' record for %s within %s", type, rcpt, WAIT).isNotEmpty();
        return found.get(0);
    }

    /** Accounting records of that type for the recipient, in attempt order. */
    private static List<CSVRecord> records(String rcpt, String type) {
        return engine.accounting().ofType(type).stream().filter(r -> rcpt.equals(r.get("rcpt")))
                .sorted(Comparator.comparingInt(r -> Integer.parseInt(r.get("attempt")))).toList();
    }

    private static List<Received> messages(String messageId) {
        return smtp.received().stream().filter(r -> messageId.equals(r.messageId())).toList();
    }

    private static long timeLogged(CSVRecord r) {
        return Instant.from(ACCT_TIME.parse(r.get("timeLogged"))).toEpochMilli();
    }

    static String mail(String messageId, String to) {
        return "From: Sender <sender@example.net>\r\n"
                + "To: " + to + "\r\n"
                + "Subject: retry\r\n"
                + "Message-ID: " + messageId + "\r\n"
                + "\r\n"
                + "Hello.\r\n";
    }
}

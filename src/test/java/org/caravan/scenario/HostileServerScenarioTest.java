package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.csv.CSVRecord;
import org.caravan.smtp.StuckTransactionsHealthIndicator;
import org.caravan.testsupport.BadInputCorpus;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.caravan.testsupport.SmtpStage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Status;

/**
 * The whole engine against servers that answer in unusual ways: every reply, even a 421 to the
 * final dot, is an outcome on its attempt (never a silent re-send); a missing reply after the
 * dot is a deferral; a 5xx greeting bounces; a server's recipient limit splits the transaction;
 * SIZE and 8BITMIME as advertised decide before anything is sent. One engine, one policy per
 * server, retries an hour away so that only first attempts happen here.
 */
class HostileServerScenarioTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Map<String, ScriptedSmtpServer> SERVERS = new LinkedHashMap<>();
    private static Engine engine;

    @BeforeAll
    static void start() {
        SERVERS.put("tss", ScriptedSmtpServer.start()
                .dataReplies("250 2.0.0 OK queued", "421 4.7.0 [TSS04] Messages temporarily deferred")
                .resetAfter421());
        SERVERS.put("silent", ScriptedSmtpServer.start());
        SERVERS.put("limit", ScriptedSmtpServer.start().maxRcptPerTransaction(100));
        SERVERS.put("refuse", ScriptedSmtpServer.start().refuseSessions(1000, "554 5.7.1 no service for you"));
        SERVERS.put("small", ScriptedSmtpServer.start().advertise(100, true));
        SERVERS.put("sevenbit", ScriptedSmtpServer.start().advertise(0, false));
        SERVERS.put("default", ScriptedSmtpServer.start());
        Map<String, String> routes = new LinkedHashMap<>();
        SERVERS.forEach((policy, smtp) -> routes.put(policy, policy + ".test " + smtp.port()));
        engine = Engine.start(Engine.routedConfig(routes, """
                max-smtp-out: 1
                retry-after: [1h]
                read-timeout: 2s
                connect-timeout: 2s
                """).replace("  silent:\n", "  silent:\n    data-done-timeout: 1s\n"));
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
        SERVERS.values().forEach(ScriptedSmtpServer::close);
    }

    @Test
    void a421ToTheFinalDotOnAReusedConnectionIsADeferralOnItsAttemptNotAResend() throws Exception {
        ScriptedSmtpServer smtp = SERVERS.get("tss");
        // the same Message-ID twice: the first copy is taken (250), the second gets the 421 to its dot
        engine.broker().submit(mail("<tss@test>", "first@tss.test"), Map.of());
        assertThat(awaitRecord("first@tss.test").get("type")).isEqualTo("d");
        engine.broker().submit(mail("<tss@test>", "second@tss.test"), Map.of());
        CSVRecord r = awaitRecord("second@tss.test");
        assertThat(r.get("type")).isEqualTo("t");
        assertThat(r.get("attempt")).isEqualTo("1");
        assertThat(r.get("dsnStatus")).isEqualTo("4.7.0");
        assertThat(r.get("dsnDiag")).contains("421 4.7.0 [TSS04]");
        Thread.sleep(500); // a re-send would come within milliseconds
        assertThat(smtp.dataCommands()).as("DATA transfers: one per message").isEqualTo(2);
        assertThat(smtp.connections()).isEqualTo(1);
        assertThat(records("second@tss.test")).hasSize(1);
    }

    @Test
    void noReplyAfterTheFinalDotIsADeferralNotAResend() throws Exception {
        ScriptedSmtpServer smtp = SERVERS.get("silent");
        smtp.stall(SmtpStage.DATA_END, Duration.ofSeconds(3), 1);
        engine.broker().submit(mail("<silent@test>", "x@silent.test"), Map.of());
        CSVRecord r = awaitRecord("x@silent.test");
        assertThat(r.get("type")).isEqualTo("t");
        assertThat(r.get("attempt")).isEqualTo("1");
        assertThat(r.get("dsnDiag")).contains("no reply to the end of data");
        Thread.sleep(3000);
        assertThat(smtp.dataCommands()).isEqualTo(1);
        assertThat(records("x@silent.test")).hasSize(1);
    }

    @Test
    void recipientsOverTheServersLimitGoInFollowingTransactionsAtOnce() throws Exception {
        ScriptedSmtpServer smtp = SERVERS.get("limit");
        List<String> rcpts = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            rcpts.add("r" + i + "@limit.test");
        }
        // the envelope in rcptTo: 300 addresses in one To: line would pass the 998-octet line limit
        engine.broker().submit(mail("<limit@test>", "undisclosed-recipients:;"), Map.of("rcptTo", String.join(",", rcpts)));
        assertThat(smtp.awaitMessages(3, WAIT)).isTrue();
        for (String rcpt : rcpts) {
            assertThat(awaitRecord(rcpt).get("type")).as(rcpt).isEqualTo("d");
        }
        assertThat(smtp.received()).hasSize(3).allSatisfy(m -> assertThat(m.rcptTo()).hasSize(100));
        assertThat(engine.accounting().ofType("t")).noneMatch(r -> r.get("rcpt").endsWith("@limit.test"));
        assertThat(engine.accounting().ofType("b")).noneMatch(r -> r.get("rcpt").endsWith("@limit.test"));
    }

    @Test
    void a5xxGreetingBouncesInsteadOfRetryingForDays() throws Exception {
        engine.broker().submit(mail("<refuse@test>", "x@refuse.test"), Map.of());
        CSVRecord r = awaitRecord("x@refuse.test");
        assertThat(r.get("type")).isEqualTo("b");
        assertThat(r.get("dsnStatus")).isEqualTo("5.7.1");
        assertThat(r.get("dsnDiag")).contains("554 5.7.1 no service for you");
    }

    @Test
    void aMessageOverTheServersSizeLimitBouncesWithoutATransaction() throws Exception {
        engine.broker().submit(mail("<small@test>", "x@small.test"), Map.of());
        CSVRecord r = awaitRecord("x@small.test");
        assertThat(r.get("type")).isEqualTo("b");
        assertThat(r.get("dsnStatus")).isEqualTo("5.3.4");
        assertThat(SERVERS.get("small").mailCommands()).isEmpty();
    }

    @Test
    void anEightBitBodyDeclaresItselfAndIsReturnedByAServerWithout8BitMime() throws Exception {
        byte[] eightBit = ("From: a@example.net\r\nTo: x@sevenbit.test, y@default.test\r\nMessage-ID: <8bit@test>\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                + "Gr\u00fc\u00dfe aus K\u00f6ln\r\n").getBytes(StandardCharsets.UTF_8);
        engine.broker().submit(eightBit, Map.of());
        CSVRecord returned = awaitRecord("x@sevenbit.test");
        assertThat(returned.get("type")).isEqualTo("b");
        assertThat(returned.get("dsnStatus")).isEqualTo("5.6.3");
        assertThat(SERVERS.get("sevenbit").mailCommands()).isEmpty();

        assertThat(awaitRecord("y@default.test").get("type")).isEqualTo("d");
        Received delivered = SERVERS.get("default").received().stream()
                .filter(m -> "<8bit@test>".equals(m.messageId())).findFirst().orElseThrow();
        assertThat(BadInputCorpus.withoutTrace(delivered.data())).as("as submitted, under intake's Received:")
                .isEqualTo(eightBit);
        assertThat(SERVERS.get("default").mailCommands()).anySatisfy(cmd -> assertThat(cmd)
                .contains("BODY=8BITMIME").contains("SIZE=" + delivered.data().length));
    }

    @Test
    void stuckTransactionsAreAHealthComponentOfTheEngine() {
        assertThat(engine.bean(StuckTransactionsHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
    }

    private static CSVRecord awaitRecord(String rcpt) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<CSVRecord> found = records(rcpt);
        while (found.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            found = records(rcpt);
        }
        assertThat(found).as("an outcome for %s within %s", rcpt, WAIT).isNotEmpty();
        return found.get(0);
    }

    /** Delivery records (d, t, b) of the recipient in attempt order. */
    private static List<CSVRecord> records(String rcpt) {
        return engine.accounting().records().stream()
                .filter(r -> rcpt.equals(r.get("rcpt")) && !r.get("type").equals("r"))
                .sorted(Comparator.comparingInt(r -> Integer.parseInt(r.get("attempt")))).toList();
    }

    private static byte[] mail(String messageId, String to) {
        return ("From: Sender <sender@example.net>\r\nTo: " + to + "\r\nSubject: hostile\r\nMessage-ID: " + messageId
                + "\r\n\r\nHello.\r\n").getBytes(StandardCharsets.US_ASCII);
    }
}

package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.caravan.broker.QueueDepths;
import org.caravan.delivery.DeliveryLines;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The mail metrics as Prometheus scrapes them (open, no login), after scripted outcomes on five
 * policies: 'fine' (250s, a 451 retried to a 250, a 550 5.1.1), 'parked' (451 with a retry an
 * hour away: mail waits scheduled), 'closed' (routed to a port nobody listens on), 'slow' (a 421
 * that matches a backoff pattern) and 'busy' (a 421 greeting, then a session); plus one intake
 * rejection. Only the busiest domain (top-domains 1) has its own domain series.
 */
class MetricsTest {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private static ScriptedSmtpServer smtp;
    private static ScriptedSmtpServer slowSmtp;
    private static ScriptedSmtpServer busySmtp;
    private static Engine engine;
    private static long started;

    @BeforeAll
    static void start() {
        smtp = ScriptedSmtpServer.start();
        slowSmtp = ScriptedSmtpServer.start();
        busySmtp = ScriptedSmtpServer.start();
        smtp.rcptReplies("later@fine.test", "451 4.3.0 try again later", "250 2.1.5 OK");
        smtp.alwaysRcpt("nobody@fine.test", "550 5.1.1 no such user");
        smtp.alwaysRcpt("@parked.test", "451 4.2.0 mailbox busy");
        slowSmtp.alwaysRcpt("@slow.test", "421 4.7.28 rate limited, try later");
        busySmtp.refuseSessions(1);
        started = System.currentTimeMillis();
        engine = Engine.start(config(smtp.port(), slowSmtp.port(), busySmtp.port(), Engine.freePort()),
                "caravan.metrics.top-domains=1");
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
        for (ScriptedSmtpServer s : new ScriptedSmtpServer[] {smtp, slowSmtp, busySmtp}) {
            if (s != null) {
                s.close();
            }
        }
    }

    @Test
    void everyOutcomeQueueConnectionAndBackoffIsScrapedWithItsValue() throws Exception {
        // fine.test first: the busiest domain, and the first to have outcomes, takes the one place
        engine.broker().submitAll(List.of(mail("a1@fine.test"), mail("a2@fine.test"), mail("a3@fine.test"),
                mail("later@fine.test"), mail("nobody@fine.test")), Map.of());
        engine.accounting().await("d", 4, Duration.ofSeconds(20));
        engine.broker().submitAll(List.of(mail("p@parked.test"), mail("c@closed.test"), mail("s@slow.test"),
                mail("b@busy.test")), Map.of());
        engine.broker().submit(mail("x@fine.test"), Map.of("rcptTo", "bob@@fine.test"));

        // every delivery and retry committed: 6 for fine (one retry), 2 for busy (one retry), 1 each for the rest
        Map<String, Double> m = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(MetricsTest::scrape, s -> value(s, "caravan_commit_batch_messages_sum", "stage", "delivery") == 11
                        && value(s, "caravan_commit_batch_messages_sum", "stage", "intake") == 10
                        && value(s, "caravan_queue_messages", line("closed", "state", "scheduled")) == 1
                        && value(s, "caravan_queue_messages", line("parked", "state", "scheduled")) == 1
                        && value(s, "caravan_queue_messages", line("slow", "state", "scheduled")) == 1);

        // outcomes per line, per recipient
        assertThat(value(m, "caravan_delivered_total", line("fine"))).isEqualTo(4);
        assertThat(value(m, "caravan_deferred_total", line("fine"))).isEqualTo(1);
        assertThat(value(m, "caravan_bounced_total", line("fine", "category", "bad-mailbox"))).isEqualTo(1);
        assertThat(series(m, "caravan_bounced_total")).as("no other bounce anywhere").hasSize(1);
        for (String p : List.of("parked", "closed", "slow", "busy")) {
            assertThat(value(m, "caravan_deferred_total", line(p))).as("deferred on %s", p).isEqualTo(1);
        }
        assertThat(value(m, "caravan_delivered_total", line("busy"))).isEqualTo(1);
        assertThat(value(m, "caravan_delivered_total", line("parked"))).isZero();
        assertThat(value(m, "caravan_rejected_total", "reason", "malformed-address")).isEqualTo(1);
        assertThat(sum(m, "caravan_rejected_total")).as("no other rejection").isEqualTo(1);

        // retries: the 451 of fine retried once, the refused session of busy retried once
        assertThat(value(m, "caravan_retry_attempts_total", line("fine"))).isEqualTo(1);
        assertThat(value(m, "caravan_retry_attempts_total", line("busy"))).isEqualTo(1);
        assertThat(sum(m, "caravan_retry_attempts_total")).isEqualTo(2);

        // connections: fine reuses its one connection (max-smtp-out 1); closed is refused; busy's greeting is a 421
        assertThat(value(m, "caravan_connection_attempts_total", line("fine"))).isEqualTo(1);
        assertThat(value(m, "caravan_connection_attempts_total", line("closed"))).isEqualTo(1);
        assertThat(value(m, "caravan_connection_failures_total", line("closed", "reason", "refused"))).isEqualTo(1);
        assertThat(value(m, "caravan_connection_attempts_total", line("busy"))).isEqualTo(2);
        assertThat(value(m, "caravan_connection_failures_total", line("busy", "reason", "greeting"))).isEqualTo(1);
        assertThat(sum(m, "caravan_connection_failures_total")).as("no other failure").isEqualTo(2);
        for (String reason : List.of("refused", "timeout", "tls", "greeting", "other")) {
            assertThat(m).as("a series for %s, also at 0", reason)
                    .containsKey(key("caravan_connection_failures_total", line("fine", "reason", reason)));
        }
        assertThat(value(m, "caravan_connections_open", line("fine"))).isEqualTo(1);
        assertThat(value(m, "caravan_connections_open", line("busy"))).isEqualTo(1);
        assertThat(value(m, "caravan_connections_open", line("closed"))).isZero();
        assertThat(value(m, "caravan_connections_open", line("slow"))).as("closed after its 421").isZero();

        // the queues: deferred mail waits scheduled, nothing ready or in delivery
        for (String p : List.of("parked", "closed", "slow")) {
            assertThat(value(m, "caravan_queue_messages", line(p, "state", "ready"))).isZero();
            assertThat(value(m, "caravan_queue_messages", line(p, "state", "delivering"))).isZero();
            assertThat(value(m, "caravan_queue_oldest_message_age_seconds", line(p)))
                    .isPositive().isLessThanOrEqualTo((System.currentTimeMillis() - started) / 1000.0);
            assertThat(value(m, "caravan_queue_paused", line(p))).isZero();
        }
        for (String state : List.of("ready", "scheduled", "delivering")) {
            assertThat(value(m, "caravan_queue_messages", line("fine", "state", state))).isZero();
        }
        assertThat(value(m, "caravan_queue_oldest_message_age_seconds", line("fine"))).isZero();

        // backoff: slow's 421 matched its first pattern
        assertThat(value(m, "caravan_backoff_mode", line("slow"))).isEqualTo(1);
        assertThat(value(m, "caravan_backoff_trigger", line("slow", "pattern", "421 4.7.28"))).isEqualTo(1);
        assertThat(value(m, "caravan_backoff_trigger", line("slow", "pattern", "421 4.7.0"))).isZero();
        assertThat(value(m, "caravan_backoff_trigger", line("slow", "pattern", "operator"))).isZero();
        assertThat(value(m, "caravan_backoff_mode", line("fine"))).isZero();
        assertThat(series(m, "caravan_backoff_trigger").stream().filter(k -> k.contains("policy=\"fine\"")))
                .as("fine has no backoff patterns: only the operator's series")
                .containsExactly(key("caravan_backoff_trigger", line("fine", "pattern", "operator")));

        // histograms: one SMTP transaction per answered attempt; time in queue per final outcome
        assertThat(value(m, "caravan_smtp_transaction_seconds_count", line("fine"))).isEqualTo(6);
        assertThat(value(m, "caravan_smtp_transaction_seconds_count", line("parked"))).isEqualTo(1);
        assertThat(value(m, "caravan_smtp_transaction_seconds_count", line("slow"))).isEqualTo(1);
        assertThat(value(m, "caravan_smtp_transaction_seconds_count", line("busy"))).as("its refused attempt had none")
                .isEqualTo(1);
        assertThat(value(m, "caravan_smtp_transaction_seconds_count", line("closed"))).isZero();
        assertThat(value(m, "caravan_smtp_transaction_seconds_bucket", line("fine", "le", "+Inf"))).isEqualTo(6);
        assertThat(value(m, "caravan_time_in_queue_seconds_count", line("fine", "outcome", "delivered"))).isEqualTo(4);
        assertThat(value(m, "caravan_time_in_queue_seconds_count", line("fine", "outcome", "bounced"))).isEqualTo(1);
        assertThat(value(m, "caravan_time_in_queue_seconds_count", line("busy", "outcome", "delivered"))).isEqualTo(1);
        assertThat(value(m, "caravan_time_in_queue_seconds_bucket", line("fine", "outcome", "delivered", "le", "1.0")))
                .as("the retried one waited its 1s retry-after").isLessThanOrEqualTo(3);
        assertThat(value(m, "caravan_time_in_queue_seconds_bucket", line("fine", "outcome", "delivered", "le", "30.0")))
                .isEqualTo(4);
        assertThat(value(m, "caravan_time_in_queue_seconds_bucket",
                line("fine", "outcome", "delivered", "le", "604800.0"))).as("buckets up to days").isEqualTo(4);

        // the busiest domain, and everyone else as other
        assertThat(value(m, "caravan_domain_outcomes_total", "domain", "fine.test", "outcome", "delivered")).isEqualTo(4);
        assertThat(value(m, "caravan_domain_outcomes_total", "domain", "fine.test", "outcome", "deferred")).isEqualTo(1);
        assertThat(value(m, "caravan_domain_outcomes_total", "domain", "fine.test", "outcome", "bounced")).isEqualTo(1);
        assertThat(value(m, "caravan_domain_outcomes_total", "domain", "other", "outcome", "deferred")).isEqualTo(4);
        assertThat(value(m, "caravan_domain_outcomes_total", "domain", "other", "outcome", "delivered")).isEqualTo(1);
        assertThat(value(m, "caravan_domain_outcomes_total", "domain", "other", "outcome", "bounced")).isZero();
        assertThat(series(m, "caravan_domain_outcomes_total")).hasSize(6);

        // broker: batch sizes per stage, the journal disk in bytes beside its ratio
        assertThat(value(m, "caravan_commit_batch_messages_count", "stage", "intake")).isBetween(1.0, 10.0);
        assertThat(value(m, "caravan_commit_batch_messages_count", "stage", "delivery")).isBetween(1.0, 11.0);
        FileStore disk = Files.getFileStore(engine.dataDir());
        double used = value(m, "caravan_journal_disk_used_bytes");
        assertThat(used).isPositive().isLessThanOrEqualTo(disk.getTotalSpace());
        assertThat(used / disk.getTotalSpace()).as("bytes and ratio agree")
                .isCloseTo(value(m, "caravan_journal_disk_used_ratio"), org.assertj.core.data.Offset.offset(0.02));

        // an operator pauses a queue and puts a line in backoff: the gauges follow
        engine.bean(QueueDepths.class).queue("mail.deliver.default.parked").pause();
        engine.bean(DeliveryLines.class).get("default", "fine").state().enterBackoff();
        Map<String, Double> after = await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
                .until(MetricsTest::scrape, s -> value(s, "caravan_queue_paused", line("parked")) == 1);
        assertThat(value(after, "caravan_backoff_mode", line("fine"))).isEqualTo(1);
        assertThat(value(after, "caravan_backoff_trigger", line("fine", "pattern", "operator"))).isEqualTo(1);
        assertThat(value(after, "caravan_queue_messages", line("parked", "state", "scheduled"))).isEqualTo(1);
    }

    // ---- the scrape ----

    /** GET /actuator/prometheus without a login, parsed into "name{k="v",...}" (labels sorted) -> value. */
    private static Map<String, Double> scrape() throws IOException, InterruptedException {
        int port = Integer.parseInt(engine.context().getEnvironment().getProperty("local.server.port"));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/actuator/prometheus")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as("Prometheus is open to scrapers").isEqualTo(200);
        Map<String, Double> out = new HashMap<>();
        for (String text : r.body().split("\n")) {
            Matcher s = SAMPLE.matcher(text);
            if (text.startsWith("#") || !s.matches()) {
                continue;
            }
            List<String> labels = new ArrayList<>();
            if (s.group(2) != null) {
                Matcher l = LABEL.matcher(s.group(2));
                while (l.find()) {
                    labels.add(l.group(1));
                    labels.add(l.group(2));
                }
            }
            out.put(key(s.group(1), labels.toArray(String[]::new)), Double.parseDouble(s.group(3)));
        }
        return out;
    }

    private static String key(String name, String... labels) {
        TreeMap<String, String> sorted = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            sorted.put(labels[i], labels[i + 1]);
        }
        StringBuilder sb = new StringBuilder(name).append('{');
        sorted.forEach((k, v) -> sb.append(k).append("=\"").append(v).append("\","));
        return sb.append('}').toString();
    }

    /** The sample with exactly these labels; a missing series fails the test. */
    private static double value(Map<String, Double> scrape, String name, String... labels) {
        Double v = scrape.get(key(name, labels));
        assertThat(v).as("series %s in the scrape", key(name, labels)).isNotNull();
        return v;
    }

    private static List<String> series(Map<String, Double> scrape, String name) {
        return scrape.keySet().stream().filter(k -> k.startsWith(name + "{")).sorted().toList();
    }

    private static double sum(Map<String, Double> scrape, String name) {
        return series(scrape, name).stream().mapToDouble(scrape::get).sum();
    }

    /** vmta default, this policy, and more labels. */
    private static String[] line(String policy, String... more) {
        String[] out = new String[4 + more.length];
        out[0] = "vmta";
        out[1] = "default";
        out[2] = "policy";
        out[3] = policy;
        System.arraycopy(more, 0, out, 4, more.length);
        return out;
    }

    private static byte[] mail(String to) {
        return ("From: Sender <sender@example.net>\r\n"
                + "To: " + to + "\r\n"
                + "Subject: metrics\r\n"
                + "Message-ID: <" + to.replace('@', '.') + "@test>\r\n"
                + "\r\n"
                + "Hello.\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private static String config(int port, int slowPort, int busyPort, int closedPort) {
        return """
                domain-policies:
                  fine:
                    match: [fine.test]
                    route: 127.0.0.1:%1$d
                    max-smtp-out: 1
                    idle-timeout: 1h
                    retry-after: [1s]
                  parked:
                    match: [parked.test]
                    route: 127.0.0.1:%1$d
                    idle-timeout: 1h
                    retry-after: [1h]
                  closed:
                    match: [closed.test]
                    route: 127.0.0.1:%4$d
                    retry-after: [1h]
                  slow:
                    match: [slow.test]
                    route: 127.0.0.1:%2$d
                    retry-after: [1h]
                    backoff:
                      patterns: ["421 4.7.28", "421 4.7.0"]
                      max-msg-rate: 1/s
                      to-normal-after: 1h
                  busy:
                    match: [busy.test]
                    route: 127.0.0.1:%3$d
                    idle-timeout: 1h
                    retry-after: [1s]
                  default:
                    route: 127.0.0.1:%1$d
                """.formatted(port, slowPort, busyPort, closedPort);
    }
}

package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.csv.CSVRecord;
import org.caravan.broker.QueueDepth;
import org.caravan.broker.QueueDepths;
import org.caravan.delivery.DeliveryLines;
import org.caravan.testsupport.Console;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The queue console's API on a real engine delivering to a real SMTP server: the rows count what
 * accounting recorded; a purge by job is refused without confirm and then records each purged
 * recipient as bounced before its mail leaves the broker (a paused queue too); pause holds the
 * mail and resume sends it; retry makes a scheduled retry due now; backoff and limits steer the
 * line. One policy per test, so each test's counts are its own.
 */
class QueueConsoleApiTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ScriptedSmtpServer smtp;
    private static Engine engine;
    private static Console console;

    @BeforeAll
    static void start() {
        smtp = ScriptedSmtpServer.start();
        String port = " " + smtp.port();
        Map<String, String> policies = new LinkedHashMap<>();
        policies.put("stats", "stats.test" + port);
        policies.put("purging", "purge.test" + port);
        policies.put("pausing", "pause.test" + port);
        policies.put("retrying", "retry.test" + port);
        policies.put("steering", "steer.test" + port);
        policies.put("default", "*" + port);
        engine = Engine.start(Engine.routedConfig(policies, "retry-after: [1h]\n"));
        console = new Console(engine);
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
    void rowsCountWhatWasDeliveredDeferredAndBounced() throws Exception {
        smtp.alwaysRcpt("nobody@stats.test", "550 5.1.1 no such user");
        smtp.alwaysRcpt("later@stats.test", "451 4.7.1 try later");
        for (String rcpt : List.of("a@stats.test", "b@stats.test", "c@stats.test", "nobody@stats.test", "later@stats.test")) {
            engine.broker().submit(mail(rcpt), Map.of("jobId", "job-stats"));
        }
        awaitRecords("stats.test", 5);
        awaitDepth("stats", d -> d.scheduled() == 1);

        JsonNode row = row("stats");
        assertThat(row.path("queue").asText()).isEqualTo("mail.deliver.default.stats");
        assertThat(row.path("mode").asText()).isEqualTo("normal");
        assertThat(row.path("paused").asBoolean()).isFalse();
        assertThat(row.path("ready").asLong()).isZero();
        assertThat(row.path("scheduled").asLong()).isEqualTo(1);
        assertThat(row.path("delivering").asLong()).isZero();
        assertThat(total(row, "delivered")).isEqualTo(3);
        assertThat(total(row, "deferred")).isEqualTo(1);
        assertThat(total(row, "bounced")).isEqualTo(1);
        assertThat(row.path("perMinute")).hasSize(60);
        assertThat(row.path("lastError").path("reply").asText()).matches("(451 4\\.7\\.1|550 5\\.1\\.1) .*");
        assertThat(Instant.parse(row.path("lastError").path("time").asText())).isBefore(Instant.now().plusSeconds(1));
        Instant nextRetry = Instant.parse(row.path("nextRetry").asText());
        assertThat(nextRetry).isBetween(Instant.now().plus(Duration.ofMinutes(58)), Instant.now().plus(Duration.ofMinutes(61)));
        assertThat(row.path("limits").path("maxSmtpOut").isInt()).isTrue();
        assertThat(row.path("oldestAgeSeconds").isNumber()).isTrue();

        JsonNode detail = get("/api/queues/default/stats");
        assertThat(detail.path("topDomains")).singleElement().satisfies(d -> {
            assertThat(d.path("domain").asText()).isEqualTo("stats.test");
            assertThat(d.path("delivered").asLong()).isEqualTo(3);
            assertThat(d.path("deferred").asLong()).isEqualTo(1);
            assertThat(d.path("bounced").asLong()).isEqualTo(1);
        });
        assertThat(detail.path("topReplies")).extracting(r -> r.path("reply").asText() + " x" + r.path("count").asInt())
                .containsExactlyInAnyOrder("451 4.7.1 try later x1", "550 5.1.1 no such user x1");
        assertThat(detail.path("recent")).hasSize(5);
        assertThat(detail.path("recent")).extracting(r -> r.path("type").asText())
                .containsExactlyInAnyOrder("delivered", "delivered", "delivered", "bounced", "deferred");

        assertThat(get("/api/domains/top?limit=50")).anySatisfy(d -> assertThat(d.path("domain").asText()).isEqualTo("stats.test"));
        HttpResponse<String> unknown = send("GET", "/api/queues/default/nosuch", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).path("error").asText()).contains("nosuch");
    }

    @Test
    void purgeByJobIsRefusedWithoutConfirmThenRecordsEachRecipientBeforeItsMailLeaves() throws Exception {
        smtp.alwaysRcpt("@purge.test", "451 4.7.1 try later");
        engine.broker().submit(mail("p1@purge.test"), Map.of("jobId", "job-purge"));
        engine.broker().submit(mail("p2@purge.test, p3@purge.test"), Map.of("jobId", "job-purge"));
        engine.broker().submit(mail("p4@purge.test"), Map.of("jobId", "job-purge"));
        engine.broker().submit(mail("keep@purge.test"), Map.of("jobId", "job-keep"));
        awaitRecords("purge.test", 5);
        awaitDepth("purging", d -> d.scheduled() == 4);

        HttpResponse<String> unconfirmed = send("POST", "/api/queues/default/purging/purge?job=job-purge", null);
        assertThat(unconfirmed.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(unconfirmed.body()).path("error").asText()).contains("confirm=true");
        assertThat(depth("purging").total()).isEqualTo(4);
        assertThat(purgedRecords()).isEmpty();

        // a quote in the job id stays inside the literal: it cannot widen the selector
        JsonNode injected = post("/api/queues/default/purging/purge?job=" + encode("x' OR '1'='1") + "&confirm=true");
        assertThat(injected.path("purged").asInt()).isZero();
        assertThat(depth("purging").total()).isEqualTo(4);

        JsonNode purged = post("/api/queues/default/purging/purge?job=job-purge&confirm=true");
        assertThat(purged.path("purged").asInt()).isEqualTo(3);
        assertThat(purged.path("recipients").asInt()).isEqualTo(4);
        assertThat(depth("purging").total()).as("only job-keep's message is left").isEqualTo(1);
        assertThat(depth("purging").scheduled()).isEqualTo(1);
        assertThat(engine.bean(QueueDepths.class).of("mail.purge").map(QueueDepth::total).orElse(0L)).isZero();

        List<CSVRecord> bounced = purgedRecords();
        assertThat(bounced).extracting(r -> r.get("rcpt"))
                .containsExactlyInAnyOrder("p1@purge.test", "p2@purge.test", "p3@purge.test", "p4@purge.test");
        assertThat(bounced).allSatisfy(r -> {
            assertThat(r.get("bounceCat")).isEqualTo("other");
            assertThat(r.get("dsnDiag")).contains("purged by operator");
            assertThat(r.get("jobId")).isEqualTo("job-purge");
            assertThat(r.get("policy")).isEqualTo("purging");
            assertThat(r.get("dsnAction")).isEqualTo("failed");
        });
        assertThat(total(row("purging"), "bounced")).isEqualTo(4);
        assertThat(send("POST", "/api/queues/default/purging/purge?confirm=true", null).statusCode()).isEqualTo(400);
    }

    @Test
    void pauseHoldsTheMailResumeSendsItAndAPausedQueueCanBePurged() throws Exception {
        assertThat(post("/api/queues/default/pausing/pause").path("mode").asText()).isEqualTo("paused");
        JsonNode row = row("pausing");
        assertThat(row.path("mode").asText()).isEqualTo("paused");
        assertThat(row.path("paused").asBoolean()).isTrue();

        engine.broker().submit(mail("held@pause.test"), Map.of("jobId", "job-held"));
        engine.broker().submit(mail("drop@pause.test"), Map.of("jobId", "job-drop"));
        awaitDepth("pausing", d -> d.ready() == 2);
        Thread.sleep(1000);
        assertThat(received("held@pause.test")).as("nothing leaves a paused queue").isZero();

        JsonNode purged = post("/api/queues/default/pausing/purge?job=job-drop&confirm=true");
        assertThat(purged.path("purged").asInt()).isEqualTo(1);
        assertThat(row("pausing").path("mode").asText()).as("a purge leaves the pause as it was").isEqualTo("paused");
        assertThat(depth("pausing").ready()).isEqualTo(1);

        assertThat(post("/api/queues/default/pausing/resume").path("mode").asText()).isEqualTo("normal");
        await(() -> received("held@pause.test") == 1, "held mail delivered after resume");
        assertThat(received("drop@pause.test")).isZero();
        assertThat(engine.accounting().ofType("b")).anySatisfy(r -> {
            assertThat(r.get("rcpt")).isEqualTo("drop@pause.test");
            assertThat(r.get("dsnDiag")).contains("purged by operator");
        });
    }

    @Test
    void retryMakesAScheduledRetryDueNow() throws Exception {
        smtp.rcptReplies("again@retry.test", "451 4.7.1 try later", "250 OK");
        engine.broker().submit(mail("again@retry.test"), Map.of());
        awaitRecords("retry.test", 1);
        awaitDepth("retrying", d -> d.scheduled() == 1);

        assertThat(post("/api/queues/default/retrying/retry").path("retried").asInt()).isEqualTo(1);
        await(() -> engine.accounting().ofType("d").stream().anyMatch(r -> r.get("rcpt").equals("again@retry.test")),
                "the retry, an hour early");
        assertThat(smtp.rcptAttempts("again@retry.test")).isEqualTo(2);
        assertThat(row("retrying").path("nextRetry").isNull()).isTrue();
    }

    @Test
    void backoffAndLimitsSteerTheLine() throws Exception {
        JsonNode backoff = post("/api/queues/default/steering/backoff");
        assertThat(backoff.path("mode").asText()).isEqualTo("backoff");
        assertThat(backoff.path("backoffReason").asText()).isEqualTo("operator");
        assertThat(backoff.path("backoffSince").isTextual()).isTrue();
        assertThat(Instant.parse(backoff.path("backoffUntil").asText())).isAfter(Instant.now());
        assertThat(post("/api/queues/default/steering/normal").path("mode").asText()).isEqualTo("normal");

        HttpResponse<String> set = send("POST", "/api/queues/default/steering/limits",
                "{\"maxMsgRate\":\"50/s\",\"maxSmtpOut\":3,\"maxMsgPerConnection\":7}");
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        var state = engine.bean(DeliveryLines.class).get("default", "steering").state();
        assertThat(state.getMaxMsgRate()).isEqualTo("50/s");
        assertThat(state.getMaxSmtpOut()).isEqualTo(3);
        assertThat(state.getMaxMsgPerConnection()).isEqualTo(7);
        assertThat(row("steering").path("limits").path("maxMsgRate").asText()).isEqualTo("50/s");

        assertThat(send("POST", "/api/queues/default/steering/limits", "{\"maxSmtpOut\":0}").statusCode()).isEqualTo(400);
        assertThat(send("POST", "/api/queues/default/steering/limits", "{\"maxMsgRate\":\"fast\",\"maxSmtpOut\":5}")
                .statusCode()).isEqualTo(400);
        assertThat(state.getMaxSmtpOut()).as("nothing set from a refused request").isEqualTo(3);
        assertThat(send("POST", "/api/queues/default/steering/limits", "{\"speed\":1}").statusCode()).isEqualTo(400);
    }

    @Test
    void aBrowserSessionPostsWithItsCsrfTokenAndAStrangerNotAtAll() throws Exception {
        Console browser = new Console(engine);
        assertThat(browser.logIn(Engine.ADMIN, Engine.ADMIN_PASSWORD).statusCode()).isEqualTo(302);
        assertThat(browser.page("/console/").statusCode()).isEqualTo(200);
        HttpRequest.Builder post = browser.request("/api/queues/default/steering/normal")
                .header("Origin", browser.base()).POST(HttpRequest.BodyPublishers.noBody());
        assertThat(browser.send(post).statusCode()).as("no token").isEqualTo(403);
        HttpResponse<String> withToken = browser.send(browser.request("/api/queues/default/steering/normal")
                .header("Origin", browser.base()).header("X-XSRF-TOKEN", browser.xsrfToken())
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(withToken.statusCode()).as(withToken.body()).isEqualTo(200);
        assertThat(browser.page("/console/").body()).contains("console.js");

        Console stranger = new Console(engine);
        assertThat(stranger.sendCookieless(stranger.request("/api/queues").GET()).statusCode()).isEqualTo(401);
        assertThat(stranger.sendCookieless(stranger.request("/api/queues/default/steering/pause")
                .POST(HttpRequest.BodyPublishers.noBody())).statusCode()).isEqualTo(401);
        assertThat(stranger.page("/console/").statusCode()).as("to the login form").isEqualTo(302);
    }

    // ---- helpers ----

    private static JsonNode row(String policy) throws Exception {
        for (JsonNode row : get("/api/queues")) {
            if (row.path("policy").asText().equals(policy) && row.path("vmta").asText().equals("default")) {
                return row;
            }
        }
        throw new AssertionError("no row for " + policy);
    }

    private static long total(JsonNode row, String field) {
        long sum = 0;
        for (JsonNode minute : row.path("perMinute")) {
            sum += minute.path(field).asLong();
        }
        return sum;
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> response = send("GET", path, null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static JsonNode post(String path) throws Exception {
        HttpResponse<String> response = send("POST", path, null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** A script's call: HTTP Basic, no cookies, no CSRF token. */
    private static HttpResponse<String> send(String method, String path, String json) throws Exception {
        HttpRequest.Builder request = console.request(path)
                .header("Authorization", Console.basic(Engine.ADMIN, Engine.ADMIN_PASSWORD))
                .header("Accept", "application/json");
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return console.sendCookieless(request);
    }

    private static QueueDepth depth(String policy) {
        return engine.bean(QueueDepths.class).of("mail.deliver.default." + policy).orElseThrow();
    }

    private static void awaitDepth(String policy, java.util.function.Predicate<QueueDepth> condition) throws Exception {
        await(() -> condition.test(depth(policy)), "depth of " + policy);
    }

    private static void awaitRecords(String domain, int n) throws Exception {
        await(() -> engine.accounting().records().stream().filter(r -> r.get("rcpt").endsWith("@" + domain)).count() >= n,
                n + " records for " + domain);
    }

    private static List<CSVRecord> purgedRecords() {
        List<CSVRecord> out = new ArrayList<>();
        for (CSVRecord r : engine.accounting().ofType("b")) {
            if (r.get("rcpt").endsWith("@purge.test")) {
                out.add(r);
            }
        }
        return out;
    }

    private static long received(String rcpt) {
        return smtp.received().stream().filter(r -> r.rcptTo().contains(rcpt)).count();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    static String mail(String to) {
        return "From: Sender <sender@example.net>\r\n"
                + "To: " + to + "\r\n"
                + "Subject: console\r\n"
                + "Message-ID: <" + System.nanoTime() + "@console.test>\r\n"
                + "\r\n"
                + "Hello.\r\n";
    }
}

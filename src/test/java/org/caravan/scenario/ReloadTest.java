package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.management.Attribute;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.camel.CamelContext;
import org.apache.camel.component.jms.JmsConsumer;
import org.apache.commons.csv.CSVRecord;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.caravan.testsupport.SmtpStage;
import org.junit.jupiter.api.Test;
import org.springframework.jms.listener.DefaultMessageListenerContainer;

/**
 * Steering without a restart: mta.yaml edited while the engine runs, then reloaded (POST
 * /api/reload, the Engine MBean), as the receiving servers see it.
 */
class ReloadTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MBeanServer MBEANS = ManagementFactory.getPlatformMBeanServer();
    /**
     * One session, and paced (a rate far above what the server takes): a paced queue prefetches
     * nothing, so the queued mail waits on the queue for whichever consumer is free. An unpaced
     * line's one consumer would have taken all 60 into its window before the others start.
     */
    private static final String PACED_ONE = "max-smtp-out: 1\nmax-msg-rate: 1000/s\n";

    @Test
    void aChangedRateAppliesWithoutARestart() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(limited(smtp.port(), "max-msg-rate: 2/s\n"))) {
            submit(engine, "rate", "limits.test", 40);
            assertThat(smtp.awaitMessages(3, Duration.ofSeconds(20))).isTrue();
            Thread.sleep(1500);
            int beforeReload = smtp.messageCount();
            assertThat(beforeReload).as("at 2/s, 1.5 s later").isLessThanOrEqualTo(8);

            Files.writeString(engine.dir().resolve("mta.yaml"), limited(smtp.port(), "max-msg-rate: 40/s\n"));
            long reloadedAt = System.nanoTime();
            JsonNode answer = reload(engine, 200);

            assertThat(answer.get("applied").asBoolean()).isTrue();
            assertThat(answer.get("error").isNull()).isTrue();
            assertThat(texts(answer.get("changes"))).contains("default/limited: max-msg-rate 2/s -> 40/s");
            // at 2/s the other 30-odd would take 15 s and more
            assertThat(smtp.awaitMessages(40, Duration.ofSeconds(6))).as("the rest at 40/s").isTrue();
            long[] after = smtp.received().stream().mapToLong(Received::nanoTime).filter(t -> t > reloadedAt)
                    .sorted().toArray();
            LimitsTest.Window densest = LimitsTest.Window.densest(after, TimeUnit.SECONDS.toNanos(1));
            System.out.printf("ReloadTest rate: %d before the reload, after it %s%n", beforeReload, densest);
            assertThat(densest.count()).as("most in one second after the reload").isBetween(10, 40);
            assertThat(MBEANS.getAttribute(policy("limited"), "MaxMsgRate")).isEqualTo("40/s");
        }
    }

    @Test
    void aPolicyAddedToTheFileGetsItsOwnQueueRouteAndLimits() throws Exception {
        try (ScriptedSmtpServer before = ScriptedSmtpServer.start();
                ScriptedSmtpServer added = ScriptedSmtpServer.start();
                Engine engine = Engine.start("domain-policies:\n  default:\n    route: 127.0.0.1:" + before.port() + "\n")) {
            submit(engine, "pre", "new.test", 3);
            assertThat(before.awaitMessages(3, Duration.ofSeconds(20))).isTrue();

            Files.writeString(engine.dir().resolve("mta.yaml"), "domain-policies:\n"
                    + "  added:\n    match: [new.test]\n    route: 127.0.0.1:" + added.port() + "\n"
                    + "    max-msg-rate: 10/s\n    max-smtp-out: 2\n"
                    + "  default:\n    route: 127.0.0.1:" + before.port() + "\n");
            JsonNode answer = reload(engine, 200);
            assertThat(texts(answer.get("changes"))).contains("policy added added: vmta default, queue mail.deliver.default.added");

            submit(engine, "post", "new.test", 5);
            assertThat(added.awaitMessages(5, Duration.ofSeconds(20))).isTrue();
            Thread.sleep(500);
            assertThat(before.messageCount()).as("nothing more to the old next hop").isEqualTo(3);
            List<CSVRecord> delivered = engine.accounting().await("d", 8, Duration.ofSeconds(10));
            assertThat(delivered.stream().filter(r -> r.get("policy").equals("added"))).hasSize(5);
            ActiveMQServer server = engine.bean(EmbeddedActiveMQ.class).getActiveMQServer();
            assertThat(server.locateQueue("mail.deliver.default.added")).isNotNull();
            assertThat(engine.bean(CamelContext.class).getRoute("delivery-default-added")).isNotNull();
            assertThat(MBEANS.getAttribute(policy("added"), "MaxMsgRate")).isEqualTo("10/s");
            assertThat(MBEANS.getAttribute(policy("added"), "MaxSmtpOut")).isEqualTo(2);
            // paced: the new queue prefetches nothing, as a paced queue does from the start
            assertThat(server.getAddressSettingsRepository().getMatch("mail.deliver.default.added")
                    .getDefaultConsumerWindowSize()).isZero();
            // the new line is watched like the others: its gauges and counters exist
            io.micrometer.core.instrument.MeterRegistry meters = engine.bean(io.micrometer.core.instrument.MeterRegistry.class);
            assertThat(meters.find("caravan.queue.messages").tags("vmta", "default", "policy", "added", "state", "ready")
                    .gauge()).as("queue gauge of the added line").isNotNull();
            assertThat(meters.find("caravan.connections.open").tags("policy", "added").gauge()).isNotNull();
            assertThat(meters.find("caravan.delivered").tags("policy", "added").counter().count()).isEqualTo(5);
        }
    }

    @Test
    void aBadFileIsRefusedWithFileLineAndKeyAndTheOldConfigDelivers() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(limited(smtp.port(), "max-msg-rate: 20/s\n"))) {
            String bad = limited(smtp.port(), "max-msg-rate: 20/x\n");
            Files.writeString(engine.dir().resolve("mta.yaml"), bad);
            int line = lineOf(bad, "max-msg-rate: 20/x");

            JsonNode answer = reload(engine, 400);

            assertThat(answer.get("applied").asBoolean()).isFalse();
            assertThat(answer.get("changes")).isEmpty();
            JsonNode error = answer.get("error");
            assertThat(error.get("file").asText()).isEqualTo(engine.dir().resolve("mta.yaml").toString());
            assertThat(error.get("line").asInt()).isEqualTo(line);
            assertThat(error.get("key").asText()).isEqualTo("domain-policies.limited.max-msg-rate");
            assertThat(error.get("message").asText()).startsWith(engine.dir().resolve("mta.yaml") + ":" + line + ": ");
            assertThat(MBEANS.getAttribute(new ObjectName("org.caravan:type=Engine"), "LastReloadResult").toString())
                    .startsWith("refused: ");

            submit(engine, "old", "limits.test", 10);
            assertThat(smtp.awaitMessages(10, Duration.ofSeconds(20))).isTrue();
            assertThat(engine.accounting().await("d", 10, Duration.ofSeconds(10)))
                    .allMatch(r -> r.get("policy").equals("limited"));
            assertThat(MBEANS.getAttribute(policy("limited"), "MaxMsgRate")).isEqualTo("20/s");
        }
    }

    @Test
    void aReloadThatNeedsARestartChangesNothing() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(limited(smtp.port(), "max-msg-rate: 20/s\n"))) {
            Files.writeString(engine.dir().resolve("mta.yaml"), "virtual-mtas:\n  default: {}\n  mta2: {}\n"
                    + limited(smtp.port(), "max-msg-rate: 50/s\n"));

            String result = (String) MBEANS.invoke(new ObjectName("org.caravan:type=Engine"), "reload", null, null);

            assertThat(result).startsWith("refused: ").contains("virtual-mtas.mta2 (added)").contains("restart");
            assertThat(MBEANS.getAttribute(policy("limited"), "MaxMsgRate")).isEqualTo("20/s");
            assertThat(MBEANS.getAttribute(new ObjectName("org.caravan:type=Engine"), "LastReload").toString())
                    .isNotEmpty();
        }
    }

    @Test
    void reloadResetsALimitChangedAtRunTimeToTheFile() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(limited(smtp.port(), "max-msg-rate: 20/s\n"))) {
            MBEANS.setAttribute(policy("limited"), new Attribute("MaxMsgRate", "5/s"));

            JsonNode answer = reload(engine, 200);

            assertThat(texts(answer.get("changes"))).containsExactly("default/limited: max-msg-rate 5/s -> 20/s");
            assertThat(MBEANS.getAttribute(policy("limited"), "MaxMsgRate")).isEqualTo("20/s");
        }
    }

    @Test
    void aRemovedPolicysQueuedMailMovesToThePolicyThatNowMatches() throws Exception {
        int refusing = Engine.freePort();
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(twoPolicies("old", refusing, smtp.port()))) {
            submit(engine, "moved", "moved.test", 20);
            assertThat(engine.accounting().await("t", 20, Duration.ofSeconds(30)))
                    .allMatch(r -> r.get("policy").equals("old"));

            Files.writeString(engine.dir().resolve("mta.yaml"), twoPolicies("new", smtp.port(), smtp.port()));
            JsonNode answer = reload(engine, 200);

            assertThat(texts(answer.get("changes"))).contains("policy old removed: vmta default, route stopped",
                    "policy new added: vmta default, queue mail.deliver.default.new");
            boolean all = smtp.awaitMessages(20, Duration.ofSeconds(30));
            var queue = engine.bean(EmbeddedActiveMQ.class).getActiveMQServer().locateQueue("mail.deliver.default.new");
            System.out.printf("ReloadTest moved: %d at the server; the new queue holds %d (%d scheduled), %d consumers%n",
                    smtp.messageCount(), queue.getMessageCount(), queue.getScheduledCount(), queue.getConsumerCount());
            assertThat(all).as("all 20 delivered through the new policy").isTrue();
            Thread.sleep(500);
            Set<String> ids = new HashSet<>();
            smtp.received().forEach(r -> ids.add(r.messageId()));
            assertThat(smtp.messageCount()).as("each once").isEqualTo(20);
            assertThat(ids).hasSize(20);
            assertThat(engine.accounting().await("d", 20, Duration.ofSeconds(10)))
                    .allMatch(r -> r.get("policy").equals("new"));
            ActiveMQServer server = engine.bean(EmbeddedActiveMQ.class).getActiveMQServer();
            assertThat(server.locateQueue("mail.deliver.default.old")).as("emptied and deleted").isNull();
            assertThat(engine.bean(CamelContext.class).getRoute("delivery-default-old")).isNull();
            assertThat(engine.bean(io.micrometer.core.instrument.MeterRegistry.class).find("caravan.queue.messages")
                    .tags("policy", "old").gauges()).as("the removed line's gauges are gone").isEmpty();
            assertThat(MBEANS.isRegistered(policy("old"))).isFalse();
        }
    }

    @Test
    void raisingMaxSmtpOutAtRunTimeRaisesTheRoutesConsumers() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start().stall(SmtpStage.DATA_END, Duration.ofMillis(300));
                Engine engine = Engine.start(limited(smtp.port(), PACED_ONE))) {
            submit(engine, "out", "limits.test", 60);
            assertThat(smtp.awaitMessages(3, Duration.ofSeconds(20))).isTrue();
            assertThat(smtp.peakConcurrentSessions()).as("at max-smtp-out 1").isEqualTo(1);

            MBEANS.setAttribute(policy("limited"), new Attribute("MaxSmtpOut", 4));

            assertThat(smtp.awaitMessages(60, Duration.ofSeconds(30))).isTrue();
            System.out.printf("ReloadTest smtp-out: peak %d sessions after raising to 4%n", smtp.peakConcurrentSessions());
            assertThat(smtp.peakConcurrentSessions()).as("sessions at once after raising to 4").isEqualTo(4);
            assertThat(engine.accounting().await("d", 60, Duration.ofSeconds(10))).hasSize(60);
        }
    }

    @Test
    void raisingMaxSmtpOutByReloadRaisesTheConsumersToo() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start().stall(SmtpStage.DATA_END, Duration.ofMillis(300));
                Engine engine = Engine.start(limited(smtp.port(), PACED_ONE))) {
            submit(engine, "out", "limits.test", 60);
            assertThat(smtp.awaitMessages(3, Duration.ofSeconds(20))).isTrue();

            Files.writeString(engine.dir().resolve("mta.yaml"), limited(smtp.port(),
                    PACED_ONE.replace("max-smtp-out: 1", "max-smtp-out: 3")));
            assertThat(texts(reload(engine, 200).get("changes"))).contains("default/limited: max-smtp-out 1 -> 3");

            assertThat(smtp.awaitMessages(60, Duration.ofSeconds(30))).isTrue();
            assertThat(smtp.peakConcurrentSessions()).as("sessions at once after reloading 3").isEqualTo(3);
        }
    }

    @Test
    void loweringMaxSmtpOutEndsSurplusConsumersWithoutSendingAnythingTwice() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start().stall(SmtpStage.DATA_END, Duration.ofMillis(200));
                Engine engine = Engine.start(limited(smtp.port(), PACED_ONE.replace("max-smtp-out: 1", "max-smtp-out: 4")))) {
            // 10 delivered before the change, 30 after it: enough for every surplus consumer to be
            // mid-batch when it ends, at a fifth of a second per message through the one left
            submit(engine, "down", "limits.test", 40);
            assertThat(smtp.awaitMessages(10, Duration.ofSeconds(20))).isTrue();
            DefaultMessageListenerContainer container = container(engine, "delivery-default-limited");
            assertThat(container.getScheduledConsumerCount()).isEqualTo(4);

            MBEANS.setAttribute(policy("limited"), new Attribute("MaxSmtpOut", 1));

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (container.getScheduledConsumerCount() > 1 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(container.getScheduledConsumerCount()).as("consumers after lowering to 1").isEqualTo(1);
            assertThat(smtp.awaitMessages(40, Duration.ofSeconds(60))).isTrue();
            Thread.sleep(1000); // a batch rolled back by a consumer that ended would arrive again now
            List<String> ids = smtp.received().stream().map(Received::messageId).toList();
            assertThat(ids).as("each message once").hasSize(40).doesNotHaveDuplicates();
            assertThat(engine.accounting().await("d", 40, Duration.ofSeconds(10))).hasSize(40);
        }
    }

    private static DefaultMessageListenerContainer container(Engine engine, String routeId) throws Exception {
        JmsConsumer consumer = (JmsConsumer) engine.bean(CamelContext.class).getRoute(routeId).getConsumer();
        return (DefaultMessageListenerContainer) consumer.getListenerContainer();
    }

    /** POST /api/reload as a script does (HTTP Basic); the answer's status must be the one given. */
    static JsonNode reload(Engine engine, int status) throws Exception {
        String port = engine.context().getEnvironment().getProperty("local.server.port");
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/reload"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (Engine.ADMIN + ":" + Engine.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(60)).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static ObjectName policy(String name) throws Exception {
        return new ObjectName("org.caravan:type=Policy,vmta=default,name=" + name);
    }

    private static int lineOf(String yaml, String text) {
        String[] lines = yaml.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(text)) {
                return i + 1;
            }
        }
        throw new AssertionError(text + " not in the config");
    }

    /** Policy 'limited' for limits.test with these limits, and a default; both to the test server. */
    static String limited(int port, String limits) {
        return "domain-policies:\n"
                + "  limited:\n"
                + "    match: [limits.test]\n"
                + "    route: 127.0.0.1:" + port + "\n"
                + limits.indent(4)
                + "  default:\n"
                + "    route: 127.0.0.1:" + port + "\n";
    }

    /** A policy of this name for moved.test (quick retries) and a default, each to its port. */
    private static String twoPolicies(String name, int port, int defaultPort) {
        return "domain-policies:\n"
                + "  " + name + ":\n"
                + "    match: [moved.test]\n"
                + "    route: 127.0.0.1:" + port + "\n"
                + "    retry-after: [2s]\n"
                + "  default:\n"
                + "    route: 127.0.0.1:" + defaultPort + "\n";
    }

    static void submit(Engine engine, String tag, String domain, int n) {
        List<byte[]> bodies = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            bodies.add(("From: Sender <sender@example.net>\r\n"
                    + "To: rcpt" + i + "@" + domain + "\r\n"
                    + "Subject: reload " + i + "\r\n"
                    + "Message-ID: <" + tag + "-" + i + "@" + domain + ">\r\n"
                    + "\r\n"
                    + "Message " + i + ".\r\n").getBytes(StandardCharsets.UTF_8));
        }
        engine.broker().submitAll(bodies, Map.of());
    }
}

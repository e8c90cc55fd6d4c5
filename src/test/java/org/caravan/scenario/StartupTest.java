package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.caravan.CaravanApplication;
import org.caravan.config.ConfigException;
import org.caravan.testsupport.Engine;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Engines that must not come up: a taken broker port, a bad mta.yaml, no broker password. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StartupTest {

    private static final String GOOD_CONFIG = """
            domain-policies:
              default:
                max-smtp-out: 2
                route: 127.0.0.1:2525
            """;

    /** Ample for a start on a busy 2-core machine (a normal one takes 5-15 s here). */
    private static final Duration START_LIMIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    /** Last: when the engine hangs here, the abandoned start must not sit in front of the other cases. */
    @Test
    @Order(Integer.MAX_VALUE)
    void aTakenBrokerPortFailsTheStartOrTheHealthCheck() throws Exception {
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.setReuseAddress(false);
            squatter.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int taken = squatter.getLocalPort();

            Object outcome = attempt(GOOD_CONFIG, taken, Map.of());
            if (outcome instanceof ConfigurableApplicationContext started) {
                try (ConfigurableApplicationContext context = started) {
                    System.out.println("StartupTest: engine STARTED on a taken broker port; checking health");
                    int httpPort = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
                    HttpResponse<String> health = HttpClient.newHttpClient().send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/actuator/health"))
                                    .timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(health.body()).contains("DOWN");
                    assertThat(health.statusCode()).isEqualTo(503);
                }
            } else {
                String messages = messages((Throwable) outcome);
                System.out.println("StartupTest: start FAILED on a taken broker port: " + messages);
                assertThat(messages).contains("acceptor").contains(String.valueOf(taken));
            }
        }
    }

    @Test
    void anUnknownKeyFailsTheStartNamingKeyFileAndLine() {
        String yaml = """
                domain-policies:
                  default:
                    max-smtp-out: 2
                    max-msg-rat: 10/s
                    route: 127.0.0.1:2525
                """;
        Throwable failure = failure(yaml, Engine.freePort(), Map.of());

        assertThat(failure).isNotNull();
        assertThat(failure).hasRootCauseInstanceOf(ConfigException.class);
        assertThat(messages(failure))
                .contains(dir.resolve("mta.yaml") + ":4:")
                .contains("domain-policies.default.max-msg-rat")
                .contains("unknown key");
    }

    @Test
    void aBadRateFailsTheStartNamingKeyFileAndLine() {
        String yaml = """
                domain-policies:
                  default:
                    max-smtp-out: 2
                    route: 127.0.0.1:2525
                    max-msg-rate: 20/x
                """;
        Throwable failure = failure(yaml, Engine.freePort(), Map.of());

        assertThat(failure).isNotNull();
        assertThat(failure).hasRootCauseInstanceOf(ConfigException.class);
        assertThat(messages(failure))
                .contains(dir.resolve("mta.yaml") + ":5:")
                .contains("domain-policies.default.max-msg-rate")
                .contains("20/x");
    }

    @Test
    void aBadCommitBatchFailsTheStartNamingTheKey() {
        Throwable zero = failure(GOOD_CONFIG, Engine.freePort(), Map.of("caravan.delivery.commit-batch", "0"));
        Throwable age = failure(GOOD_CONFIG, Engine.freePort(), Map.of("caravan.intake.commit-max-age", "soon"));

        assertThat(zero).isNotNull();
        assertThat(messages(zero)).contains("caravan.delivery.commit-batch: must be at least 1, not 0");
        assertThat(age).isNotNull();
        assertThat(messages(age)).contains("caravan.intake.commit-max-age").contains("soon");
    }

    @Test
    void aMissingBrokerPasswordFailsTheStartNamingTheVariable() {
        Throwable failure = failure(GOOD_CONFIG, Engine.freePort(), Map.of("spring.artemis.password", ""));

        assertThat(failure).isNotNull();
        assertThat(messages(failure)).contains("MTA_BROKER_PASSWORD");
    }

    /** The start's failure; an engine that comes up instead is closed and fails the test. */
    private Throwable failure(String mtaYaml, int brokerPort, Map<String, String> overrides) {
        Object outcome = attempt(mtaYaml, brokerPort, overrides);
        if (outcome instanceof ConfigurableApplicationContext context) {
            context.close();
            fail("the engine started; it should have refused to");
        }
        return (Throwable) outcome;
    }

    /**
     * Starts an engine and returns its context, or the exception that stopped it. A start that
     * does neither within START_LIMIT fails the test (its thread is abandoned, still hanging).
     */
    private Object attempt(String mtaYaml, int brokerPort, Map<String, String> overrides) {
        return assertTimeoutPreemptively(START_LIMIT, () -> {
            try {
                return boot(mtaYaml, brokerPort, overrides);
            } catch (RuntimeException e) {
                return e;
            }
        }, () -> "the engine neither started nor failed within " + START_LIMIT.toSeconds() + " s (broker port "
                + brokerPort + "); see the main thread in a thread dump");
    }

    /**
     * Starts an engine as Engine.start does, but on a broker port the test chooses and with some
     * properties replaced (Spring joins a repeated command-line key with commas, so no appending).
     */
    private ConfigurableApplicationContext boot(String mtaYaml, int brokerPort, Map<String, String> overrides)
            throws IOException {
        Files.writeString(dir.resolve("mta.yaml"), mtaYaml);
        Map<String, String> properties = new LinkedHashMap<>();
        for (String p : Engine.properties(dir, brokerPort)) {
            int eq = p.indexOf('=');
            properties.put(p.substring(0, eq), p.substring(eq + 1));
        }
        properties.putAll(overrides);
        List<String> args = new ArrayList<>();
        properties.forEach((k, v) -> args.add("--" + k + "=" + v));
        return new SpringApplicationBuilder(CaravanApplication.class).run(args.toArray(String[]::new));
    }

    /** Every message in the cause chain, one per line: what an operator reads in the failure log. */
    private static String messages(Throwable failure) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            sb.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append('\n');
        }
        return sb.toString();
    }
}

package org.caravan.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.caravan.CaravanApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A whole Caravan engine started in this JVM on a config written by the test: its own data
 * directory, broker port and HTTP port, so tests never meet each other or a running engine.
 */
public final class Engine implements AutoCloseable {

    public static final String USER = "caravan";
    public static final String PASSWORD = "test-secret";
    /** An application's login: may only submit and watch events. */
    public static final String SUBMITTER = "app";
    public static final String SUBMITTER_PASSWORD = "test-app-secret";
    /** The operator's login: console, broker browse and management. */
    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "test-admin-secret";

    private final Path dir;
    private final int brokerPort;
    private ConfigurableApplicationContext context;
    private java.time.Clock clock;

    private Engine(Path dir, int brokerPort) {
        this.dir = dir;
        this.brokerPort = brokerPort;
    }

    /** Writes mtaYaml into a fresh directory and starts an engine on it. */
    public static Engine start(String mtaYaml, String... extraProperties) {
        try {
            Path dir = Files.createTempDirectory("caravan-test");
            Files.writeString(dir.resolve("mta.yaml"), mtaYaml);
            Engine engine = new Engine(dir, freePort());
            engine.boot(extraProperties);
            return engine;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** As {@link #start(String, String...)} with the engine's clock replaced (a MutableClock), kept over restarts. */
    public static Engine start(String mtaYaml, java.time.Clock clock, String... extraProperties) {
        try {
            Path dir = Files.createTempDirectory("caravan-test");
            Files.writeString(dir.resolve("mta.yaml"), mtaYaml);
            Engine engine = new Engine(dir, freePort());
            engine.clock = clock;
            engine.boot(extraProperties);
            return engine;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the engine again on the same directory and port (the journal survives). */
    public void restart() {
        stop();
        boot();
    }

    /** As {@link #restart()} with engine properties (the first start's extra properties are not kept). */
    public void restart(String... extraProperties) {
        stop();
        boot(extraProperties);
    }

    private void boot(String... extraProperties) {
        String[] base = properties(dir, brokerPort);
        String[] all = new String[base.length + extraProperties.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extraProperties, 0, all, base.length, extraProperties.length);
        String[] args = new String[all.length];
        for (int i = 0; i < all.length; i++) {
            args[i] = "--" + all[i]; // command-line arguments outrank application.properties
        }
        SpringApplicationBuilder builder = new SpringApplicationBuilder(CaravanApplication.class);
        if (clock != null) {
            java.time.Clock c = clock;
            builder.initializers(ctx -> ctx.getBeanFactory().registerSingleton("testClock", c));
        }
        context = builder.run(args);
    }

    /** The Spring properties that point an engine at a test directory; also used for child-process engines. */
    public static String[] properties(Path dir, int brokerPort) {
        return new String[] {
            "caravan.config=" + dir.resolve("mta.yaml"),
            "caravan.data-dir=" + dir.resolve("data"),
            "caravan.broker.port=" + brokerPort,
            "spring.artemis.user=" + USER,
            "spring.artemis.password=" + PASSWORD,
            "caravan.admin.user=" + ADMIN,
            "caravan.admin.password=" + ADMIN_PASSWORD,
            "caravan.broker.submitters=" + SUBMITTER + ":" + SUBMITTER_PASSWORD,
            "server.port=0",
            "camel.main.main-run-controller=false",
            "spring.main.banner-mode=off",
        };
    }

    public void stop() {
        if (context != null) {
            context.close();
            context = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    public Path dir() {
        return dir;
    }

    public Path dataDir() {
        return dir.resolve("data");
    }

    public int brokerPort() {
        return brokerPort;
    }

    public ConfigurableApplicationContext context() {
        return context;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public Broker broker() {
        return new Broker(brokerPort, USER, PASSWORD);
    }

    public Accounting accounting() {
        return new Accounting(dataDir().resolve("accounting"));
    }

    /**
     * A free port below the kernel's ephemeral range (32768+), so that an engine restarted on it
     * does not find it taken by some outgoing connection in the meantime.
     */
    public static int freePort() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int tries = 0; tries < 200; tries++) {
            int port = random.nextInt(20_000, 32_000);
            try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new UncheckedIOException(new IOException("no free port in 20000-32000"));
    }

    /** A one-policy-per-server config: each name maps to (match domain, port). */
    public static String routedConfig(Map<String, String> policyToMatchAndPort, String extraPolicyYaml) {
        StringBuilder sb = new StringBuilder("domain-policies:\n");
        policyToMatchAndPort.forEach((policy, spec) -> {
            String[] p = spec.split(" ");
            sb.append("  ").append(policy).append(":\n");
            if (!policy.equals("default")) {
                sb.append("    match: [").append(p[0]).append("]\n");
            }
            sb.append("    route: 127.0.0.1:").append(p[1]).append('\n');
            sb.append(extraPolicyYaml.indent(4));
        });
        return sb.toString();
    }
}

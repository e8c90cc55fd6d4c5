package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.caravan.CaravanApplication;
import org.caravan.testsupport.Engine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Logins that would let one credential stand for another stop the start, naming the keys to fix:
 * no admin password, the admin sharing the engine's or a submitter's password, a submitter
 * borrowing the engine's or the admin's name.
 */
class LoginStartupTest {

    private static final String CONFIG = "domain-policies:\n  default:\n    route: 127.0.0.1:2525\n";

    @TempDir
    Path dir;

    @Test
    void aMissingAdminPasswordStopsTheStart() throws IOException {
        assertThat(failure(Map.of("caravan.admin.password", "")))
                .contains("caravan.admin.password (MTA_ADMIN_PASSWORD): missing");
    }

    @Test
    void anAdminPasswordEqualToTheEnginesStopsTheStart() throws IOException {
        assertThat(failure(Map.of("caravan.admin.password", Engine.PASSWORD)))
                .contains("caravan.admin.password (MTA_ADMIN_PASSWORD): equals the engine's broker password")
                .contains("MTA_BROKER_PASSWORD")
                .doesNotContain(Engine.PASSWORD);
    }

    @Test
    void anAdminNamedLikeTheEngineStopsTheStart() throws IOException {
        assertThat(failure(Map.of("caravan.admin.user", Engine.USER)))
                .contains("caravan.admin.user (MTA_ADMIN_USER): '" + Engine.USER + "' is the engine's broker user");
    }

    @Test
    void aSubmitterWithTheAdminPasswordStopsTheStart() throws IOException {
        assertThat(failure(Map.of("caravan.broker.submitters", "shop:" + Engine.ADMIN_PASSWORD)))
                .contains("caravan.broker.submitters (MTA_SUBMITTERS): entry 1: submitter 'shop' has the admin's password")
                .doesNotContain(Engine.ADMIN_PASSWORD);
    }

    @Test
    void aSubmitterNamedLikeTheEngineOrTheAdminStopsTheStart() throws IOException {
        assertThat(failure(Map.of("caravan.broker.submitters", "shop:a," + Engine.USER + ":b")))
                .contains("entry 2: '" + Engine.USER + "' is the engine's own user");
        assertThat(failure(Map.of("caravan.broker.submitters", Engine.ADMIN + ":b")))
                .contains("entry 1: '" + Engine.ADMIN + "' is the admin user");
    }

    /** The messages of the failed start (every cause, one a line); an engine that starts fails the test. */
    private String failure(Map<String, String> overrides) throws IOException {
        Files.writeString(dir.resolve("mta.yaml"), CONFIG);
        Map<String, String> properties = new LinkedHashMap<>();
        for (String p : Engine.properties(dir, Engine.freePort())) {
            int eq = p.indexOf('=');
            properties.put(p.substring(0, eq), p.substring(eq + 1));
        }
        properties.putAll(overrides);
        List<String> args = new ArrayList<>();
        properties.forEach((k, v) -> args.add("--" + k + "=" + v));
        try (ConfigurableApplicationContext started = new SpringApplicationBuilder(CaravanApplication.class)
                .run(args.toArray(String[]::new))) {
            fail("the engine started; it should have refused to");
            return null;
        } catch (RuntimeException e) {
            StringBuilder sb = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                sb.append(t.getMessage()).append('\n');
            }
            return sb.toString();
        }
    }
}

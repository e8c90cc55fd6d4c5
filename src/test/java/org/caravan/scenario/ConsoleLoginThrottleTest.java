package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.caravan.testsupport.Console;
import org.caravan.testsupport.Engine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Guessing the admin password over HTTP: after a few failures the console stops listening for a while. */
class ConsoleLoginThrottleTest {

    private static final String READ_HEAP =
            "{\"type\":\"read\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"HeapMemoryUsage\"}";

    private static Engine engine;

    @BeforeAll
    static void start() {
        engine = Engine.start("domain-policies:\n  default:\n    route: 127.0.0.1:" + Engine.freePort() + "\n",
                "caravan.admin.login-failures=3", "caravan.admin.lockout=10m");
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void wrongPasswordsLockTheFormLoginOutTheRightOneIncluded() throws Exception {
        Console guesser = new Console(engine);
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> wrong = guesser.logIn(Engine.ADMIN, "guess-" + i);
            assertThat(wrong.headers().firstValue("Location").orElse("")).as("attempt %d", i).endsWith("/login?error");
        }

        HttpResponse<String> right = guesser.logIn(Engine.ADMIN, Engine.ADMIN_PASSWORD);
        assertThat(right.statusCode()).isEqualTo(429);
        assertThat(right.headers().firstValue("Retry-After")).contains("600");
        assertThat(guesser.page("/actuator/hawtio/").statusCode()).as("not logged in").isEqualTo(302);

        // the lock holds for HTTP Basic too: the same address, the same name
        HttpResponse<String> script = guesser.jolokiaAsScript(Engine.ADMIN, Engine.ADMIN_PASSWORD, READ_HEAP);
        assertThat(script.statusCode()).isEqualTo(429);
        assertThat(script.body()).doesNotContain("HeapMemoryUsage");
    }
}

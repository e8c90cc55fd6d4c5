package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.caravan.suppression.SuppressionStore;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/** A hard bounce suppresses its recipient for later submissions, across a restart, until it is removed. */
class SuppressionTest {

    @Test
    void aHardBounceSuppressesTheAddressUntilItIsRemoved() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start().alwaysRcpt("gone@example.org", "550 5.1.1 no such user");
                Engine engine = Engine.start(Engine.routedConfig(Map.of("default", "* " + smtp.port()), ""))) {
            engine.broker().submit(RoutingTest.mail("<one@suppression.test>", "gone@example.org, ok@example.org"), Map.of());
            assertThat(engine.accounting().await("b", 1, Duration.ofSeconds(20))).hasSize(1);
            assertThat(engine.accounting().await("d", 1, Duration.ofSeconds(20))).hasSize(1);
            assertThat(engine.bean(SuppressionStore.class).isSuppressed("any@sender.test", "Gone@example.org")).isTrue();

            engine.restart();
            engine.broker().submit(RoutingTest.mail("<two@suppression.test>", "gone@example.org, ok@example.org"), Map.of());
            assertThat(engine.accounting().await("r", 1, Duration.ofSeconds(20))).hasSize(1);
            assertThat(engine.accounting().await("d", 2, Duration.ofSeconds(20))).hasSize(2);
            assertThat(engine.accounting().ofType("r").get(0).get("rcpt")).isEqualTo("gone@example.org");
            assertThat(engine.accounting().ofType("r").get(0).toString()).contains("suppressed");
            assertThat(engine.accounting().ofType("b")).as("no second attempt at the suppressed address").hasSize(1);

            MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName("org.caravan:type=Suppression");
            assertThat((Boolean) jmx.invoke(name, "remove", new Object[] {"gone@example.org", "*"},
                    new String[] {"java.lang.String", "java.lang.String"})).isTrue();
            engine.broker().submit(RoutingTest.mail("<three@suppression.test>", "gone@example.org"), Map.of());
            assertThat(engine.accounting().await("b", 2, Duration.ofSeconds(20))).hasSize(2);
            assertThat(engine.accounting().ofType("r")).hasSize(1);
        }
    }
}

package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.caravan.console.Cli;
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
            assertThat(engine.accounting().ofType("r").get(0).get("dsnStatus")).as("not authorized").isEqualTo("5.7.1");
            assertThat(engine.accounting().ofType("r").get(0).get("bounceCat")).isEqualTo("policy-related");
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

    @Test
    void theCommandLineAddsScopedEntriesListsExportsImportsAndRemoves() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(Engine.routedConfig(Map.of("default", "* " + smtp.port()), ""))) {
            Run add = cli(engine, "suppression", "add", "Carol@Example.org", "--scope", "shop.test");
            assertThat(add.exit()).as(add.err()).isZero();
            assertThat(add.out()).contains("suppressed");

            engine.broker().submit(RoutingTest.mail("<s1@suppression.test>", "carol@example.org"), Map.of("mailFrom", "news@shop.test"));
            engine.broker().submit(RoutingTest.mail("<s2@suppression.test>", "carol@example.org"), Map.of("mailFrom", "ceo@other.test"));
            assertThat(engine.accounting().await("r", 1, Duration.ofSeconds(20))).hasSize(1);
            assertThat(engine.accounting().await("d", 1, Duration.ofSeconds(20))).hasSize(1);
            assertThat(engine.accounting().ofType("d").get(0).toString()).contains("s2@suppression.test");

            Run list = cli(engine, "suppression", "list");
            assertThat(list.out()).contains("carol@example.org  shop.test").contains("1 suppressed in all");
            Path csv = engine.dir().resolve("export.csv");
            assertThat(cli(engine, "suppression", "export", csv.toString()).exit()).isZero();
            assertThat(Files.readAllLines(csv)).hasSize(2).element(1).asString().startsWith("carol@example.org,shop.test,");

            Files.writeString(csv, "address,scope\nDan@example.org\nerin@example.org,*\ncarol@example.org,shop.test\n");
            Run imported = cli(engine, "suppression", "import", csv.toString());
            assertThat(imported.out()).as(imported.err()).contains("imported: 2 new, 3 in all");
            assertThat(engine.bean(SuppressionStore.class).isSuppressed("x@any.test", "dan@example.org")).isTrue();

            assertThat(cli(engine, "suppression", "remove", "carol@example.org", "--scope", "shop.test").out())
                    .contains("no longer suppressed");
            engine.broker().submit(RoutingTest.mail("<s3@suppression.test>", "carol@example.org"), Map.of("mailFrom", "news@shop.test"));
            assertThat(engine.accounting().await("d", 2, Duration.ofSeconds(20))).hasSize(2);

            Run anonymous = Run.of(Map.of(), "--url", url(engine), "suppression", "list");
            assertThat(anonymous.exit()).isEqualTo(1);
        }
    }

    record Run(int exit, String out, String err) {
        static Run of(Map<String, String> env, String... args) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(new byte[0]), env);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }

    private static Run cli(Engine engine, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--url";
        all[1] = url(engine);
        System.arraycopy(args, 0, all, 2, args.length);
        return Run.of(Map.of("MTA_ADMIN_USER", Engine.ADMIN, "MTA_ADMIN_PASSWORD", Engine.ADMIN_PASSWORD), all);
    }

    private static String url(Engine engine) {
        return "http://127.0.0.1:" + engine.context().getEnvironment().getProperty("local.server.port");
    }
}

package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

import javax.management.MBeanServer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.caravan.console.Cli;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/**
 * The operator's command line against a running engine: its main in this JVM (stdout, stderr and
 * exit code captured), and bin/caravan as a process.
 */
class CliTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MBeanServer MBEANS = ManagementFactory.getPlatformMBeanServer();

    /** What one run printed and returned. */
    record Run(int exit, String out, String err) {
    }

    @Test
    void reloadSetRateAndShowQueues() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(ReloadTest.limited(smtp.port(), "max-msg-rate: 20/s\n"))) {
            String url = url(engine);
            Files.writeString(engine.dir().resolve("mta.yaml"), ReloadTest.limited(smtp.port(), "max-msg-rate: 30/s\n"));

            Run reload = cli(engine, "", "--url", url, "reload");
            assertThat(reload.exit()).as(reload.err()).isZero();
            assertThat(reload.out()).contains("reloaded: 1 changes").contains("default/limited: max-msg-rate 20/s -> 30/s");
            assertThat(MBEANS.getAttribute(ReloadTest.policy("limited"), "MaxMsgRate")).isEqualTo("30/s");

            Run set = cli(engine, "", "--url", url, "set", "rate", "default/limited", "7/s");
            assertThat(set.exit()).as(set.err()).isZero();
            assertThat(set.out()).contains("default/limited: max-msg-rate 7/s");
            assertThat(MBEANS.getAttribute(ReloadTest.policy("limited"), "MaxMsgRate")).isEqualTo("7/s");

            Run show = cli(engine, "", "--url", url, "show", "queues", "--json");
            assertThat(show.exit()).as(show.err()).isZero();
            JsonNode rows = JSON.readTree(show.out());
            List<String> lines = new ArrayList<>();
            rows.forEach(r -> lines.add(r.get("vmta").asText() + "/" + r.get("policy").asText()));
            assertThat(lines).contains("default/limited", "default/default");
            rows.forEach(r -> {
                if (r.get("policy").asText().equals("limited")) {
                    assertThat(r.get("limits").get("maxMsgRate").asText()).isEqualTo("7/s");
                }
            });

            Run table = cli(engine, "", "--url", url, "show", "queues");
            assertThat(table.exit()).as(table.err()).isZero();
            assertThat(table.out().lines().findFirst().orElse("")).startsWith("QUEUE").contains("MODE", "READY", "RATE");
            assertThat(table.out()).containsPattern("default/limited +normal +0 ");
        }
    }

    @Test
    void pauseResumeRetryPurgeAndTheOtherShows() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(ReloadTest.limited(smtp.port(), ""))) {
            String url = url(engine);
            ReloadTest.submit(engine, "shown", "limits.test", 3);
            assertThat(engine.accounting().await("d", 3, java.time.Duration.ofSeconds(20))).hasSize(3);

            Run pause = cli(engine, "", "--url", url, "pause", "default/limited");
            assertThat(pause.exit()).as(pause.err()).isZero();
            assertThat(pause.out()).contains("default/limited: paused");
            assertThat(cli(engine, "", "--url", url, "show", "queues").out()).containsPattern("default/limited +paused ");
            assertThat(cli(engine, "", "--url", url, "resume", "default/limited").exit()).isZero();
            assertThat(cli(engine, "", "--url", url, "show", "queues").out()).containsPattern("default/limited +normal ");
            assertThat(cli(engine, "", "--url", url, "retry", "default/limited").exit()).isZero();

            Run purge = cli(engine, "", "--url", url, "purge", "default/limited", "--domain", "limits.test", "--yes");
            assertThat(purge.exit()).as(purge.err()).isZero();
            assertThat(purge.out()).contains("default/limited: purged 0");

            Run top = cli(engine, "", "--url", url, "show", "topdomains", "--limit", "5");
            assertThat(top.exit()).as(top.err()).isZero();
            assertThat(top.out()).containsPattern("limits\\.test +3 +0 +0");
            Run one = cli(engine, "", "--url", url, "show", "queue", "default/limited");
            assertThat(one.exit()).as(one.err()).isZero();
            assertThat(one.out()).startsWith("default/limited  normal").contains("limits: max-msg-rate");

            Run unknown = cli(engine, "", "--url", url, "pause", "default/nosuch");
            assertThat(unknown.exit()).isEqualTo(1);
            assertThat(unknown.err()).startsWith("caravan: ");
        }
    }

    @Test
    void aRefusedReloadExitsOneWithFileLineAndKeyOnStderr() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(ReloadTest.limited(smtp.port(), "max-msg-rate: 20/s\n"))) {
            Files.writeString(engine.dir().resolve("mta.yaml"), ReloadTest.limited(smtp.port(), "max-msg-rate: fast\n"));

            Run reload = cli(engine, "", "--url", url(engine), "reload");

            assertThat(reload.exit()).isEqualTo(1);
            assertThat(reload.out()).isEmpty();
            assertThat(reload.err()).contains("reload refused, nothing changed")
                    .contains(engine.dir().resolve("mta.yaml") + ":5: domain-policies.limited.max-msg-rate: ");

            Run json = cli(engine, "", "--url", url(engine), "--json", "reload");
            assertThat(json.exit()).isEqualTo(1);
            JsonNode answer = JSON.readTree(json.out());
            assertThat(answer.get("applied").asBoolean()).isFalse();
            assertThat(answer.get("error").get("line").asInt()).isEqualTo(5);
        }
    }

    @Test
    void usageLoginAndConfirmation() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(ReloadTest.limited(smtp.port(), ""))) {
            String url = url(engine);
            assertThat(cli(engine, "", "--url", url, "frobnicate").exit()).isEqualTo(2);
            assertThat(cli(engine, "", "--url", url, "pause", "nopolicy").exit()).isEqualTo(2);
            assertThat(cli(engine, "", "--url", url, "set", "speed", "default/limited", "3").exit()).isEqualTo(2);
            assertThat(cli(engine, "", "--url", url, "purge", "default/limited").exit()).as("no filter").isEqualTo(2);
            Run help = cli(engine, "", "--help");
            assertThat(help.exit()).isZero();
            assertThat(help.out()).contains("usage: caravan");

            Run wrong = run(Map.of("MTA_ADMIN_USER", Engine.ADMIN, "MTA_ADMIN_PASSWORD", "wrong"), "",
                    "--url", url, "show", "queues");
            assertThat(wrong.exit()).isEqualTo(1);
            assertThat(wrong.err()).contains("login refused");

            Run declined = cli(engine, "n\n", "--url", url, "purge", "default/limited", "--domain", "limits.test");
            assertThat(declined.exit()).isEqualTo(1);
            assertThat(declined.err()).contains("purge the mail of default/limited").contains("not purged");
        }
    }

    @Test
    void binCaravanAsAProcess() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(ReloadTest.limited(smtp.port(), "max-msg-rate: 20/s\n"))) {
            Files.writeString(engine.dir().resolve("mta.yaml"), ReloadTest.limited(smtp.port(), "max-msg-rate: 40/s\n"));

            Run reload = process(engine, Map.of("CARAVAN_CLASSPATH", System.getProperty("java.class.path")),
                    "--json", "reload");

            assertThat(reload.exit()).as(reload.err()).isZero();
            JsonNode answer = JSON.readTree(reload.out());
            assertThat(answer.get("applied").asBoolean()).isTrue();
            assertThat(answer.get("changes").get(0).asText()).isEqualTo("default/limited: max-msg-rate 20/s -> 40/s");

            Run usage = process(engine, Map.of("CARAVAN_CLASSPATH", System.getProperty("java.class.path")), "bogus");
            assertThat(usage.exit()).isEqualTo(2);
            assertThat(usage.err()).contains("unknown command 'bogus'");
        }
    }

    /** bin/caravan as shipped: Cli run from the fat jar through PropertiesLauncher (when the jar has been built). */
    @Test
    void binCaravanFromTheFatJar() throws Exception {
        Path jar = Path.of("target", "caravan.jar");
        assumeThat(Files.exists(jar) && hasCli(jar)).as("target/caravan.jar with the CLI built (mvn package)").isTrue();
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start(ReloadTest.limited(smtp.port(), ""))) {
            Run reload = process(engine, Map.of(), "reload");
            assertThat(reload.exit()).as(reload.err()).isZero();
            assertThat(reload.out()).contains("reloaded: no changes");
        }
    }

    private static boolean hasCli(Path jar) throws Exception {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.getEntry("BOOT-INF/classes/org/caravan/console/Cli.class") != null;
        }
    }

    private static Run process(Engine engine, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bin/caravan"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("CARAVAN_CLASSPATH");
        pb.environment().putAll(env);
        pb.environment().put("CARAVAN_URL", url(engine));
        pb.environment().put("MTA_ADMIN_USER", Engine.ADMIN);
        pb.environment().put("MTA_ADMIN_PASSWORD", Engine.ADMIN_PASSWORD);
        Path out = Files.createTempFile("cli-out", ".txt");
        Path err = Files.createTempFile("cli-err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("bin/caravan finished").isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static Run cli(Engine engine, String stdin, String... args) {
        return run(Map.of("MTA_ADMIN_USER", Engine.ADMIN, "MTA_ADMIN_PASSWORD", Engine.ADMIN_PASSWORD), stdin, args);
    }

    private static Run run(Map<String, String> env, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), env);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String url(Engine engine) {
        return "http://127.0.0.1:" + engine.context().getEnvironment().getProperty("local.server.port");
    }
}

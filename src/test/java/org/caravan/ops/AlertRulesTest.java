package org.caravan.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped alert rules (docker/prometheus/alerts.yml) are checked and unit-tested by Debian's
 * promtool, so a broken expression or a changed threshold fails the build. Skipped only where
 * promtool is not installed (CI installs the prometheus package).
 */
class AlertRulesTest {

    static final Path DIR = Path.of("docker", "prometheus");

    static String promtool;

    @BeforeAll
    static void findPromtool() {
        promtool = onPath("promtool");
        assumeTrue(promtool != null, "promtool is not installed (Debian: apt-get install prometheus)");
    }

    @Test
    void rulesPassPromtoolCheck() throws Exception {
        Run run = promtool(DIR, "check", "rules", "alerts.yml");
        assertThat(run.exit).as(run.output).isZero();
        assertThat(run.output).contains("SUCCESS: " + alertNames().size() + " rules found");
    }

    @Test
    void prometheusConfigPassesPromtoolCheck() throws Exception {
        Run run = promtool(DIR, "check", "config", "prometheus.yml");
        assertThat(run.exit).as(run.output).isZero();
    }

    @Test
    void rulesPassTheirUnitTests() throws Exception {
        Run run = promtool(DIR, "test", "rules", "alerts.test.yml");
        assertThat(run.exit).as(run.output).isZero();
        assertThat(run.output).contains("SUCCESS");
    }

    @Test
    void everyAlertHasATestCase() throws IOException {
        String tests = Files.readString(DIR.resolve("alerts.test.yml"));
        List<String> names = alertNames();
        assertThat(names).hasSizeGreaterThanOrEqualTo(7);
        for (String name : names) {
            // a case where it fires (exp_labels under the name) and one where it must not (exp_alerts: [])
            assertThat(tests).as(name).containsPattern("alertname: " + name + "\\n\\s+exp_alerts:\\n\\s+- exp_labels");
            assertThat(tests).as(name).containsPattern("alertname: " + name + "\\n\\s+exp_alerts: \\[\\]");
        }
    }

    /** The unit tests hold the thresholds: a rule whose threshold moved no longer passes them. */
    @Test
    void aChangedThresholdFailsTheUnitTests(@TempDir Path dir) throws Exception {
        String rules = Files.readString(DIR.resolve("alerts.yml"));
        String changed = rules.replace("> 4 * 3600", "> 6 * 3600");
        assertThat(changed).isNotEqualTo(rules);
        Files.writeString(dir.resolve("alerts.yml"), changed);
        Files.copy(DIR.resolve("alerts.test.yml"), dir.resolve("alerts.test.yml"));
        Run run = promtool(dir, "test", "rules", "alerts.test.yml");
        assertThat(run.exit).isNotZero();
        assertThat(run.output).contains("CaravanOldestMessageTooOld");
    }

    static List<String> alertNames() throws IOException {
        Matcher m = Pattern.compile("(?m)^\\s*- alert:\\s*(\\S+)").matcher(Files.readString(DIR.resolve("alerts.yml")));
        List<String> names = new ArrayList<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    record Run(int exit, String output) {
    }

    static Run promtool(Path workingDir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(promtool));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(workingDir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), output);
    }

    static String onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }
}

package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.camel.CamelContext;
import org.caravan.CaravanApplication;
import org.caravan.config.MtaConfig;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedDnsServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What the start tells and refuses: the start-up report, an unknown caravan.* setting, a demo
 * profile whose config would leave 127.0.0.1, and the home directory routes/ and config/ are read from.
 */
@ExtendWith(OutputCaptureExtension.class)
class StartupChecksTest {

    private static final String ROUTED = "domain-policies:\n  default:\n    route: 127.0.0.1:2525\n";

    @TempDir
    Path dir;

    @Test
    void theStartupReportNamesWhatWasReadWhereMailGoesAndWarns(CapturedOutput output) throws Exception {
        String yaml = """
                virtual-mtas:
                  default: {}
                  mta2: { smtp-source-host: 127.0.0.1, ehlo: mta2.example.com }
                virtual-mta-pools:
                  both: { vmtas: { default: 3, mta2: 1 } }
                domain-policies:
                  gmail:
                    match: [gmail.com]
                    route: 127.0.0.1:2526
                    max-msg-rate: 20/s
                    max-smtp-out: 3
                  default:
                    max-smtp-out: 2
                """;
        try (ScriptedDnsServer dns = ScriptedDnsServer.start();
                Engine engine = Engine.start(yaml, "spring.profiles.active=dev", "caravan.dns.servers=" + dns.address())) {
            int http = Integer.parseInt(engine.context().getEnvironment().getProperty("local.server.port"));
            String log = output.getOut();
            String block = log.substring(log.indexOf("Caravan is up"));

            assertThat(block)
                    .contains("config: " + engine.dir().resolve("mta.yaml").toAbsolutePath())
                    .contains("gmail: match gmail.com")
                    .contains("next hop 127.0.0.1:2526; max-smtp-out 3, max-msg-rate 20/s")
                    .contains("default: every other domain")
                    .contains("next hop MX (Internet); max-smtp-out 2")
                    .contains("mta2: source 127.0.0.1, ehlo mta2.example.com")
                    .contains("both: default x3, mta2")
                    .contains("broker: embedded, tcp://127.0.0.1:" + engine.brokerPort() + " (CORE, AMQP, STOMP, OPENWIRE)")
                    .contains("console: http://127.0.0.1:" + http + "/console/")
                    .contains("hawtio: http://127.0.0.1:" + http + "/actuator/hawtio/")
                    .contains("WARNING: profile 'dev'")
                    .contains("WARNING: policy 'default' delivers to the Internet")
                    .doesNotContain("policy 'gmail' delivers");
            assertThat(log).containsPattern("WARN .*StartupReport .*: policy 'default' delivers to the Internet");
        }
    }

    @Test
    void anUnknownCaravanSettingFailsTheStartNamingIt() {
        assertThatThrownBy(() -> Engine.start(ROUTED, "caravan.intake.commit-batc=8").close())
                .hasStackTraceContaining("unknown setting caravan.intake.commit-batc (commandLineArgs)");
        // a known key in another spelling is not unknown
        try (Engine engine = Engine.start(ROUTED, "caravan.intake.commitBatch=8")) {
            assertThat(engine.context().getEnvironment().getProperty("caravan.intake.commit-batch")).isEqualTo("8");
        }
    }

    @Test
    void theDemoProfileRefusesAConfigThatWouldLeaveLoopback() {
        // a policy inherits default's route: the one without is default itself
        String noRoute = "domain-policies:\n  gmail:\n    match: [gmail.com]\n    route: 127.0.0.1:2525\n"
                + "  default:\n    max-smtp-out: 2\n";
        assertThatThrownBy(() -> Engine.start(noRoute, "spring.profiles.active=demo").close())
                .hasStackTraceContaining("domain-policies.default: the demo profile needs a route: 127.0.0.1:<port>");
        assertThatThrownBy(() -> Engine.start("domain-policies:\n  default:\n    route: 192.0.2.1:25\n",
                "spring.profiles.active=demo").close())
                .hasStackTraceContaining("domain-policies.default.route: the demo profile delivers to 127.0.0.1 only");
        assertThatThrownBy(() -> Engine.start(ROUTED + "  ms:\n    mx-match: [\"*.outlook.com\"]\n    route: 127.0.0.1:2525\n",
                "spring.profiles.active=demo").close())
                .hasStackTraceContaining("domain-policies.ms.mx-match: not in the demo profile");
    }

    /** routes/, config/ and the data directory come from caravan.home, not the working directory. */
    @Test
    void routesConfigAndDataAreReadFromTheHomeDirectory() throws Exception {
        Path home = dir.resolve("home");
        Files.createDirectories(home.resolve("config"));
        Files.writeString(home.resolve("config/mta.yaml"), ROUTED);
        Files.createDirectories(home.resolve("routes"));
        try (Stream<Path> routes = Files.list(Path.of("routes"))) {
            for (Path r : routes.toList()) {
                Files.copy(r, home.resolve("routes").resolve(r.getFileName()));
            }
        }
        Files.writeString(home.resolve("routes/zz-marker.yaml"), """
                - route:
                    id: home-marker
                    from:
                      uri: direct:home-marker
                      steps:
                        - log: "read from the home directory"
                """);
        Map<String, String> properties = new LinkedHashMap<>();
        for (String p : Engine.properties(dir, Engine.freePort())) {
            int eq = p.indexOf('=');
            properties.put(p.substring(0, eq), p.substring(eq + 1));
        }
        properties.put("caravan.home", home.toString());
        properties.put("caravan.config", "config/mta.yaml");
        properties.put("caravan.data-dir", "data");
        List<String> args = new ArrayList<>();
        properties.forEach((k, v) -> args.add("--" + k + "=" + v));

        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(CaravanApplication.class)
                .run(args.toArray(String[]::new))) {
            assertThat(context.getBean(MtaConfig.class).source()).isEqualTo(home.resolve("config/mta.yaml"));
            assertThat(context.getBean(CamelContext.class).getRoute("home-marker")).isNotNull();
            assertThat(context.getEnvironment().getProperty("caravan.accounting.directory"))
                    .isEqualTo(home.resolve("data") + "/accounting");
            assertThat(home.resolve("data/journal")).isDirectory();
        }
    }
}

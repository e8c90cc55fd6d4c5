package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.ObjectName;

import org.apache.commons.csv.CSVRecord;
import org.caravan.config.DomainPolicy;
import org.caravan.config.MtaConfig;
import org.caravan.delivery.DeliveryLine;
import org.caravan.delivery.DeliveryLines;
import org.caravan.demo.DemoProviders;
import org.caravan.demo.FakeProvider;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedDnsServer;
import org.junit.jupiter.api.Test;

/**
 * The demo profile end to end, on the shipped config/demo.yaml (its ports moved to free ones):
 * the engine starts its fake providers and its traffic generator, and within a bounded time every
 * provider has taken mail, Gmail's 421-4.7.28 has put the gmail line into backoff, greylisted
 * mail has been delivered on its retry, and nothing went anywhere but 127.0.0.1: every policy is
 * routed there and the one name server the engine may ask was never asked.
 */
class DemoTest {

    /** Generous for a loaded 2-core machine; on a quiet one all of it happens within about 20 s. */
    private static final Duration BOUND = Duration.ofSeconds(150);

    @Test
    void theDemoShowsEveryProviderBackoffAndGreylistingOnLoopbackOnly() throws Exception {
        Map<String, Integer> ports = new java.util.LinkedHashMap<>();
        String yaml = withFreePorts(Files.readString(Path.of("config", "demo.yaml")), ports);
        assertThat(ports).as("the demo config routes every policy to its own fake").hasSize(4);

        try (ScriptedDnsServer dns = ScriptedDnsServer.start();
                Engine engine = Engine.start(yaml, "spring.profiles.active=demo",
                        "caravan.demo.generator.interval=100ms", "caravan.demo.generator.campaign-every=5s",
                        "caravan.demo.generator.campaign-size=40", "caravan.demo.summary-every=5s",
                        "caravan.dns.servers=" + dns.address())) {
            DemoProviders providers = engine.bean(DemoProviders.class);
            DeliveryLines lines = engine.bean(DeliveryLines.class);
            long deadline = System.nanoTime() + BOUND.toNanos();

            String gmailBackoff = null;
            boolean jmxSawBackoff = false;
            while (System.nanoTime() < deadline) {
                for (DeliveryLine line : lines.all()) {
                    if (line.policyName().equals("gmail") && line.state().isInBackoff()) {
                        gmailBackoff = line.state().backoffPattern() + " | " + line.state().getBackoffReason();
                        jmxSawBackoff |= (Boolean) ManagementFactory.getPlatformMBeanServer().getAttribute(
                                new ObjectName("org.caravan:type=Policy,vmta=" + line.vmta() + ",name=gmail"), "InBackoff");
                    }
                }
                if (gmailBackoff != null && allReceived(providers) && greylistedThenDelivered(engine) != null) {
                    break;
                }
                Thread.sleep(100);
            }

            for (String policy : List.of("gmail", "yahoo", "microsoft", "default")) {
                FakeProvider fake = providers.forPolicy(policy);
                assertThat(fake.port()).as(policy + "'s fake listens where the config routes it").isEqualTo(ports.get(policy));
                assertThat(fake.received()).as(policy + "'s fake received mail").isPositive();
            }
            assertThat(gmailBackoff).as("the gmail policy went into backoff").isNotNull()
                    .startsWith("421-4.7.28 | ").contains("unusual rate of").contains("unsolicited mail");
            assertThat(jmxSawBackoff).as("JMX InBackoff of the gmail line").isTrue();

            CSVRecord retried = greylistedThenDelivered(engine);
            assertThat(retried).as("a greylisted recipient delivered on its retry").isNotNull();
            assertThat(retried.get("attempt")).isNotEqualTo("1");

            // nothing but 127.0.0.1: every policy routed there, no MX matching, no MTA-STS, no DNS query at all
            MtaConfig config = engine.bean(MtaConfig.class);
            for (DomainPolicy p : config.policies().values()) {
                assertThat(p.route()).as(p.name() + " has a route").isNotNull();
                assertThat(p.route().host()).isEqualTo("127.0.0.1");
                assertThat(p.mxMatch()).isEmpty();
                assertThat(p.tls().mtaSts()).isFalse();
            }
            List<String> hops = new ArrayList<>();
            engine.accounting().records().forEach(r -> hops.add(r.get("dsnMta")));
            assertThat(hops).isNotEmpty().allSatisfy(h -> assertThat(h).matches("127\\.0\\.0\\.1:\\d+"));
            assertThat(dns.totalQueries()).as("DNS queries").isZero();
        }
    }

    private static boolean allReceived(DemoProviders providers) {
        return providers.byPolicy().values().stream().allMatch(f -> f.received() > 0);
    }

    /** A default-policy recipient's delivery record whose earlier attempt was greylisted, or null. */
    private static CSVRecord greylistedThenDelivered(Engine engine) {
        List<CSVRecord> records = engine.accounting().records();
        java.util.Set<String> greylisted = new java.util.HashSet<>();
        for (CSVRecord r : records) {
            if (r.get("type").equals("t") && r.get("dsnDiag").contains("450 4.2.0") && r.get("dsnDiag").contains("greylisted")) {
                greylisted.add(r.get("rcpt"));
            }
        }
        for (CSVRecord r : records) {
            if (r.get("type").equals("d") && r.get("policy").equals("default") && greylisted.contains(r.get("rcpt"))) {
                return r;
            }
        }
        return null;
    }

    /** The config with each route's port replaced by a free one; ports gets policy -> port. */
    private static String withFreePorts(String yaml, Map<String, Integer> ports) {
        Matcher m = Pattern.compile("(?m)^  ([a-z0-9-]+):\\n|route: 127\\.0\\.0\\.1:(\\d+)").matcher(yaml);
        StringBuilder out = new StringBuilder();
        String policy = null;
        while (m.find()) {
            if (m.group(1) != null) {
                policy = m.group(1);
                m.appendReplacement(out, Matcher.quoteReplacement(m.group()));
            } else {
                int port = Engine.freePort();
                ports.put(policy, port);
                m.appendReplacement(out, "route: 127.0.0.1:" + port);
            }
        }
        m.appendTail(out);
        return out.toString();
    }
}

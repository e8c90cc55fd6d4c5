package org.caravan.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import org.caravan.routing.NextHop;
import org.caravan.smtp.EhloName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * One block in the log once the engine is up: what it read (home, config file), where mail goes
 * (each policy: its domains, next hop and limits; vmtas and pools), where to reach it (broker,
 * console, Hawtio), and warnings an operator must not miss: a dev or demo profile, and every
 * policy that delivers to the Internet (no route:, MX lookups).
 */
@Component
public class StartupReport implements ApplicationListener<ApplicationReadyEvent> {

    private static final Logger LOG = LoggerFactory.getLogger(StartupReport.class);

    private final MtaConfig config;
    private final Environment env;

    public StartupReport(MtaConfig config, Environment env) {
        this.config = config;
        this.env = env;
    }

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        int port = event.getApplicationContext() instanceof WebServerApplicationContext web && web.getWebServer() != null
                ? web.getWebServer().getPort() : env.getProperty("server.port", Integer.class, 8080);
        List<String> warnings = warnings();
        LOG.info("{}", report(port, warnings));
        warnings.forEach(w -> LOG.warn("{}", w));
    }

    /** The whole block, warnings included, as the log shows it. */
    String report(int httpPort, List<String> warnings) {
        StringBuilder b = new StringBuilder("Caravan is up\n");
        line(b, "home", env.getProperty(CaravanHome.KEY, ""));
        line(b, "config", config.source().toAbsolutePath().normalize().toString());
        line(b, "routes", env.getProperty(CaravanHome.ROUTES_KEY, ""));
        line(b, "data", env.getProperty("caravan.data-dir", ""));
        b.append("  policies:\n");
        for (DomainPolicy p : config.policies().values()) {
            b.append("    ").append(p.name()).append(": ").append(domains(p)).append("\n");
            b.append("      next hop ").append(p.route() == null ? "MX (Internet)" : hop(p.route()))
                    .append("; max-smtp-out ").append(p.maxSmtpOut())
                    .append(", max-msg-rate ").append(p.maxMsgRate())
                    .append(p.maxMsgBurst() > 1 ? " (burst " + p.maxMsgBurst() + ")" : "")
                    .append(", max-conn-rate ").append(p.maxConnRate())
                    .append(", max-msg-per-connection ").append(p.maxMsgPerConnection()).append("\n");
            b.append("      retry-after ").append(p.retry().retryAfter().stream().map(Durations::format)
                    .collect(Collectors.joining(", ", "[", "]")))
                    .append(", bounce-after ").append(Durations.format(p.retry().bounceAfter()));
            if (!p.backoff().patterns().isEmpty()) {
                b.append("; backoff on ").append(p.backoff().patterns()).append(" to ").append(p.backoff().maxMsgRate())
                        .append(" for ").append(Durations.format(p.backoff().toNormalAfter()));
            }
            b.append("\n");
        }
        b.append("  vmtas:\n");
        for (VirtualMta v : config.virtualMtas().values()) {
            b.append("    ").append(v.name()).append(": source ")
                    .append(v.smtpSourceHost() == null ? "the host's address" : v.smtpSourceHost())
                    .append(", ehlo ").append(v.ehlo() == null ? hostName() + " (the host's name)" : v.ehlo())
                    .append(v.bulk() ? ", bulk (" + v.bulkCompliance().name().toLowerCase() + ")" : "").append("\n");
        }
        if (!config.virtualMtaPools().isEmpty()) {
            b.append("  pools:\n");
            config.virtualMtaPools().values().forEach(pool -> b.append("    ").append(pool.name()).append(": ")
                    .append(pool.members().entrySet().stream()
                            .map(e -> e.getValue() == 1 ? e.getKey() : e.getKey() + " x" + e.getValue())
                            .collect(Collectors.joining(", ")))
                    .append("\n"));
        }
        line(b, "broker", broker());
        String web = "http://" + host(env.getProperty("server.address", "127.0.0.1")) + ":" + httpPort;
        line(b, "console", web + "/console/");
        line(b, "hawtio", web + "/actuator/hawtio/");
        line(b, "metrics", web + "/actuator/prometheus");
        warnings.forEach(w -> b.append("  WARNING: ").append(w).append("\n"));
        return b.toString().stripTrailing();
    }

    List<String> warnings() {
        List<String> out = new ArrayList<>();
        List<String> profiles = Arrays.asList(env.getActiveProfiles());
        if (profiles.contains("dev")) {
            out.add("profile 'dev': documented dev credentials and a console WITHOUT LOGIN; loopback only, never on a"
                    + " shared or reachable host");
        }
        if (profiles.contains("demo")) {
            out.add("profile 'demo': fake providers on 127.0.0.1 and generated traffic, documented demo credentials,"
                    + " a console WITHOUT LOGIN; data in " + env.getProperty("caravan.data-dir") + "; never for real mail");
        }
        for (DomainPolicy p : config.policies().values()) {
            if (p.route() == null) {
                out.add("policy '" + p.name() + "' delivers to the Internet: no route:, its mail goes to the MX hosts"
                        + " of " + domains(p) + " (real recipients)");
            }
        }
        return out;
    }

    private String broker() {
        if ("native".equals(env.getProperty("spring.artemis.mode"))) {
            return "external " + env.getProperty("spring.artemis.broker-url", "(spring.artemis.broker-url unset)");
        }
        return "embedded, tcp://" + host(env.getProperty("caravan.broker.host", "127.0.0.1")) + ":"
                + env.getProperty("caravan.broker.port", "61616") + " (CORE, AMQP, STOMP, OPENWIRE), submit to"
                + " mail.submit, events on mail.events; journal " + env.getProperty("spring.artemis.embedded.data-directory", "");
    }

    private static String domains(DomainPolicy p) {
        List<String> parts = new ArrayList<>();
        if (p.match().equals(List.of("*"))) {
            parts.add("every other domain");
        } else if (!p.match().isEmpty()) {
            parts.add("match " + String.join(", ", p.match()));
        }
        if (!p.mxMatch().isEmpty()) {
            parts.add("mx-match " + String.join(", ", p.mxMatch()));
        }
        return String.join("; ", parts);
    }

    private static String hop(NextHop hop) {
        return host(hop.host()) + ":" + hop.port();
    }

    private static String host(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static String hostName() {
        String name = EhloName.ofHost();
        return name == null ? "(none: its address)" : name;
    }

    private static void line(StringBuilder b, String label, String value) {
        b.append("  ").append(label).append(": ").append(value).append("\n");
    }
}

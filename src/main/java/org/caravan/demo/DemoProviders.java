package org.caravan.demo;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.caravan.config.ConfigException;
import org.caravan.config.DomainPolicy;
import org.caravan.config.MtaConfig;
import org.caravan.config.Rate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's fake providers, one SMTP server on each port the demo config's policies route to.
 * Which provider a port plays follows the policy's name: gmail, yahoo and microsoft behave like
 * those providers, every other policy (default) greylists.
 */
public final class DemoProviders implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoProviders.class);

    /** The fakes' limits (caravan.demo.* in application-demo.properties). */
    public record Limits(Rate gmail, Rate yahoo, Duration yahooDeferredFor, Rate microsoft) {}

    private final Map<String, FakeProvider> byPolicy = new LinkedHashMap<>();
    private final List<FakeProvider> servers = new ArrayList<>();

    private DemoProviders() {
    }

    /** Starts a fake on every policy's route (after {@link #requireLocalOnly}). */
    public static DemoProviders start(MtaConfig config, Limits limits, Clock clock) {
        requireLocalOnly(config);
        DemoProviders providers = new DemoProviders();
        Map<Integer, FakeProvider> byPort = new LinkedHashMap<>();
        try {
            for (DomainPolicy policy : config.policies().values()) {
                int port = policy.route().port();
                FakeProvider fake = byPort.get(port);
                if (fake == null) {
                    fake = FakeProvider.start(policy.name(), port, answer(policy.name(), limits, clock));
                    byPort.put(port, fake);
                    providers.servers.add(fake);
                    LOG.info("demo: fake provider '{}' ({}) listening on 127.0.0.1:{}", policy.name(),
                            describe(policy.name(), limits), fake.port());
                }
                providers.byPolicy.put(policy.name(), fake);
            }
        } catch (RuntimeException e) {
            providers.close();
            throw e;
        }
        return providers;
    }

    /** The fake that policy's mail goes to. */
    public FakeProvider forPolicy(String policy) {
        return byPolicy.get(policy);
    }

    public Map<String, FakeProvider> byPolicy() {
        return byPolicy;
    }

    @Override
    public void close() {
        servers.forEach(FakeProvider::close);
    }

    /**
     * The demo never leaves this host: every policy has a route: to a loopback address (no MX
     * lookups), none claims domains by MX host (that would look MX records up for unknown
     * domains) and none asks for MTA-STS (a DNS and HTTPS fetch).
     */
    public static void requireLocalOnly(MtaConfig config) {
        for (DomainPolicy policy : config.policies().values()) {
            String where = config.source() + ": domain-policies." + policy.name();
            if (policy.route() == null) {
                throw new ConfigException(where + ": the demo profile needs a route: 127.0.0.1:<port> on every policy"
                        + " (it never looks up MX records)");
            }
            if (!loopback(policy.route().host())) {
                throw new ConfigException(where + ".route: the demo profile delivers to 127.0.0.1 only, not '"
                        + policy.route().host() + "'");
            }
            if (!policy.mxMatch().isEmpty()) {
                throw new ConfigException(where + ".mx-match: not in the demo profile (it would look up MX records)");
            }
            if (policy.tls().mtaSts()) {
                throw new ConfigException(where + ".mta-sts: not in the demo profile (it would query DNS and HTTPS)");
            }
        }
    }

    private static boolean loopback(String host) {
        try {
            // a literal only: a name would be a DNS query
            return host.matches("[0-9.]+|[0-9a-fA-F:]+") && InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static Answer answer(String policy, Limits limits, Clock clock) {
        return switch (policy) {
            case "gmail" -> Answers.gmail(limits.gmail(), clock);
            case "yahoo" -> Answers.yahoo(limits.yahoo(), limits.yahooDeferredFor(), clock);
            case "microsoft" -> Answers.microsoft(limits.microsoft(), clock);
            default -> Answers.greylisting();
        };
    }

    private static String describe(String policy, Limits limits) {
        return switch (policy) {
            case "gmail" -> "Gmail-like: 421-4.7.28 above " + limits.gmail();
            case "yahoo" -> "Yahoo-like: 421 4.7.0 [TSS04] for " + limits.yahooDeferredFor() + " above " + limits.yahoo();
            case "microsoft" -> "Microsoft-like: 451 4.7.650 above " + limits.microsoft();
            default -> "greylisting: 450 4.2.0 on the first attempt per sender and recipient";
        };
    }
}

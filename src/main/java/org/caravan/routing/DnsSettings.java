package org.caravan.routing;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.caravan.config.EngineSettings;

/**
 * How next hops are looked up: the time one DNS query may take, how long a failed lookup
 * (timeout, SERVFAIL) is remembered, how many domains are cached, and which otherwise refused
 * address blocks DNS may point at.
 */
public record DnsSettings(Duration timeout, Duration transientFailureTtl, int cacheSize, NextHopFilter filter,
        List<InetSocketAddress> servers) {

    /** The values application.properties ships with; no servers: the system's (resolv.conf). */
    public static final DnsSettings DEFAULT =
            new DnsSettings(Duration.ofSeconds(5), Duration.ofSeconds(30), 10_000, NextHopFilter.PUBLIC_ONLY, List.of());

    public DnsSettings {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        if (transientFailureTtl.isNegative()) {
            throw new IllegalArgumentException("transient-failure-ttl must not be negative");
        }
        if (cacheSize < 1) {
            throw new IllegalArgumentException("cache-size must be at least 1");
        }
        servers = List.copyOf(servers);
    }

    public DnsSettings(Duration timeout, Duration transientFailureTtl, int cacheSize, NextHopFilter filter) {
        this(timeout, transientFailureTtl, cacheSize, filter, List.of());
    }

    /** From the caravan.dns.* engine settings; a bad value stops the start naming its key. */
    public static DnsSettings of(String timeout, String transientFailureTtl, int cacheSize, String permitted) {
        return of(timeout, transientFailureTtl, cacheSize, permitted, "");
    }

    /** servers: "127.0.0.1:5353, [::1]" (port 53 when left out); addresses only, so no lookup precedes DNS. */
    public static DnsSettings of(String timeout, String transientFailureTtl, int cacheSize, String permitted,
            String servers) {
        Duration t = EngineSettings.duration("caravan.dns.timeout", timeout);
        Duration ttl = EngineSettings.duration("caravan.dns.transient-failure-ttl", transientFailureTtl);
        if (t.isZero()) {
            throw new IllegalStateException("caravan.dns.timeout: must be positive");
        }
        if (cacheSize < 1) {
            throw new IllegalStateException("caravan.dns.cache-size: must be at least 1, not " + cacheSize);
        }
        List<Cidr> blocks = new ArrayList<>();
        for (String block : permitted == null ? new String[0] : permitted.split(",")) {
            if (!block.isBlank()) {
                try {
                    blocks.add(Cidr.parse(block));
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException("caravan.dns.permitted-next-hops: " + e.getMessage(), e);
                }
            }
        }
        return new DnsSettings(t, ttl, cacheSize, new NextHopFilter(blocks), servers(servers));
    }

    private static List<InetSocketAddress> servers(String list) {
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String server : list == null ? new String[0] : list.split(",")) {
            if (server.isBlank()) {
                continue;
            }
            try {
                servers.add(server(server.strip()));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("caravan.dns.servers: " + e.getMessage(), e);
            }
        }
        return servers;
    }

    /** "192.0.2.53", "192.0.2.53:5353", "2001:db8::53", "[2001:db8::53]:5353". */
    private static InetSocketAddress server(String text) {
        String host = text;
        int port = 53;
        if (Cidr.literal(text) == null) {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("not an IP address: " + text);
            }
            host = text.substring(0, colon);
            host = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            port = NextHop.parse("[::]:" + text.substring(colon + 1)).port();
        }
        byte[] address = Cidr.literal(host);
        if (address == null) {
            throw new IllegalArgumentException("not an IP address: " + text);
        }
        return new InetSocketAddress(Cidr.address(address), port);
    }

}

package org.caravan.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.caravan.config.Durations;

/**
 * How next hops are looked up: the time one DNS query may take, how long a failed lookup
 * (timeout, SERVFAIL) is remembered, how many domains are cached, and which otherwise refused
 * address blocks DNS may point at.
 */
public record DnsSettings(Duration timeout, Duration transientFailureTtl, int cacheSize, NextHopFilter filter) {

    /** The values application.properties ships with. */
    public static final DnsSettings DEFAULT =
            new DnsSettings(Duration.ofSeconds(5), Duration.ofSeconds(30), 10_000, NextHopFilter.PUBLIC_ONLY);

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
    }

    /** From the caravan.dns.* engine settings; a bad value stops the start naming its key. */
    public static DnsSettings of(String timeout, String transientFailureTtl, int cacheSize, String permitted) {
        Duration t = duration("caravan.dns.timeout", timeout);
        Duration ttl = duration("caravan.dns.transient-failure-ttl", transientFailureTtl);
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
        return new DnsSettings(t, ttl, cacheSize, new NextHopFilter(blocks));
    }

    private static Duration duration(String key, String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(key + ": " + e.getMessage(), e);
        }
    }
}

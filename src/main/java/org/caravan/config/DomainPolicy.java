package org.caravan.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.caravan.routing.NextHop;

/**
 * Everything the engine obeys for one receiving provider (PowerMTA's {@code <domain>} block):
 * which recipient domains it covers, connection and message limits, retries, backoff, timeouts.
 * {@code route} is a fixed next hop, or null to look up MX records.
 */
public record DomainPolicy(
        String name,
        List<String> match,
        int maxSmtpOut,
        int maxMsgPerConnection,
        Rate maxConnRate,
        Rate maxMsgRate,
        RetrySchedule retry,
        BackoffMode backoff,
        NextHop route,
        Duration connectTimeout,
        Duration readTimeout,
        Duration idleTimeout) {

    /** The catch-all policy; it matches "*" and every other policy inherits from it. */
    public static final String DEFAULT = "default";

    public DomainPolicy {
        Objects.requireNonNull(name, "name");
        match = List.copyOf(match);
        Objects.requireNonNull(maxConnRate, "maxConnRate");
        Objects.requireNonNull(maxMsgRate, "maxMsgRate");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (maxSmtpOut < 1 || maxMsgPerConnection < 1) {
            throw new IllegalArgumentException("policy " + name + ": connection limits must be positive");
        }
    }
}

package org.caravan.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.caravan.routing.NextHop;

/**
 * Everything the engine obeys for one receiving provider (PowerMTA's {@code <domain>} block):
 * which recipient domains it covers, connection and message limits, retries, backoff, timeouts.
 * {@code route} is a fixed next hop, or null to look up MX records. The SMTP timeouts are per phase
 * (RFC 5321 4.5.3.2): connect (TCP connect and the whole greeting), read (EHLO, MAIL, RCPT, RSET
 * replies), data (the 354), data-block (each write of the body), data-done (the reply to the final
 * dot) and transaction (a deadline for one whole transaction, enforced by closing the socket).
 * {@code mxMatch} (mx-match) claims the domains whose every MX host matches one of its patterns.
 * {@code maxMsgBurst}: how many messages may go together after a pause before max-msg-rate's even
 * pace (one each 1/rate) holds again. {@code replyRules}: what a reply means on this policy, first
 * match wins (its own reply-rules, else the default's, then its catalogue provider's entries);
 * the backoff block's patterns still apply after them.
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
        Duration idleTimeout,
        Duration dataTimeout,
        Duration dataBlockTimeout,
        Duration dataDoneTimeout,
        Duration transactionTimeout,
        int maxRcptPerTransaction,
        int maxReplyLines,
        List<String> mxMatch,
        TlsPolicy tls,
        int maxMsgBurst,
        List<ReplyRule> replyRules) {

    /** The catch-all policy; it matches "*" and every other policy inherits from it. */
    public static final String DEFAULT = "default";

    public DomainPolicy {
        Objects.requireNonNull(name, "name");
        match = List.copyOf(match);
        mxMatch = mxMatch == null ? List.of() : List.copyOf(mxMatch);
        replyRules = replyRules == null ? List.of() : List.copyOf(replyRules);
        Objects.requireNonNull(maxConnRate, "maxConnRate");
        Objects.requireNonNull(maxMsgRate, "maxMsgRate");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(dataTimeout, "dataTimeout");
        Objects.requireNonNull(dataBlockTimeout, "dataBlockTimeout");
        Objects.requireNonNull(dataDoneTimeout, "dataDoneTimeout");
        Objects.requireNonNull(transactionTimeout, "transactionTimeout");
        Objects.requireNonNull(tls, "tls");
        if (maxSmtpOut < 1 || maxMsgPerConnection < 1) {
            throw new IllegalArgumentException("policy " + name + ": connection limits must be positive");
        }
        if (maxRcptPerTransaction < 1 || maxReplyLines < 1) {
            throw new IllegalArgumentException("policy " + name + ": SMTP limits must be positive");
        }
        if (maxMsgBurst < 1) {
            throw new IllegalArgumentException("policy " + name + ": max-msg-burst must be at least 1");
        }
    }

    /** A policy that matches by domain name only (no mx-match), with the built-in TLS keys and burst. */
    public DomainPolicy(String name, List<String> match, int maxSmtpOut, int maxMsgPerConnection, Rate maxConnRate,
            Rate maxMsgRate, RetrySchedule retry, BackoffMode backoff, NextHop route, Duration connectTimeout,
            Duration readTimeout, Duration idleTimeout, Duration dataTimeout, Duration dataBlockTimeout,
            Duration dataDoneTimeout, Duration transactionTimeout, int maxRcptPerTransaction, int maxReplyLines) {
        this(name, match, maxSmtpOut, maxMsgPerConnection, maxConnRate, maxMsgRate, retry, backoff, route,
                connectTimeout, readTimeout, idleTimeout, dataTimeout, dataBlockTimeout, dataDoneTimeout,
                transactionTimeout, maxRcptPerTransaction, maxReplyLines, List.of(), Defaults.TLS,
                Defaults.MAX_MSG_BURST, List.of());
    }

    /** A policy with the built-in SMTP phase timeouts and limits (for callers that set only the basics). */
    public DomainPolicy(String name, List<String> match, int maxSmtpOut, int maxMsgPerConnection, Rate maxConnRate,
            Rate maxMsgRate, RetrySchedule retry, BackoffMode backoff, NextHop route, Duration connectTimeout,
            Duration readTimeout, Duration idleTimeout) {
        this(name, match, maxSmtpOut, maxMsgPerConnection, maxConnRate, maxMsgRate, retry, backoff, route,
                connectTimeout, readTimeout, idleTimeout, Defaults.DATA_TIMEOUT, Defaults.DATA_BLOCK_TIMEOUT,
                Defaults.DATA_DONE_TIMEOUT, Defaults.TRANSACTION_TIMEOUT, Defaults.MAX_RCPT_PER_TRANSACTION,
                Defaults.MAX_REPLY_LINES);
    }
}

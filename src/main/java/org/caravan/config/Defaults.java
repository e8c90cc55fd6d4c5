package org.caravan.config;

import java.time.Duration;
import java.util.List;

/**
 * The built-in value of every directive: the one place a default lives. The 'default' policy in
 * mta.yaml starts from these; every other policy starts from the 'default' policy.
 */
public final class Defaults {

    /** Big providers accept up to about 50 MB (Gmail receives 50 MB); larger mail would only bounce there. */
    public static final long MAX_MESSAGE_SIZE = 50L << 20;
    /** PowerMTA's default: enough parallel sessions for volume without looking like a flood to one MX. */
    public static final int MAX_SMTP_OUT = 20;
    /** Reuses a session for throughput but rotates it before receivers start to penalize long sessions. */
    public static final int MAX_MSG_PER_CONNECTION = 100;
    /** PowerMTA's default; providers that care about connection churn get their own policy. */
    public static final Rate MAX_CONN_RATE = Rate.UNLIMITED;
    /** PowerMTA's default; providers that limit volume get their own policy. */
    public static final Rate MAX_MSG_RATE = Rate.UNLIMITED;
    /** No burst: max-msg-rate is an even pace, one message each 1/rate, which is what receivers count. */
    public static final int MAX_MSG_BURST = 1;
    /** Quick first retries get past greylisting (typically 1-5 min), then doubling spares the receiver. */
    public static final List<Duration> RETRY_AFTER =
            List.of(Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(20), Duration.ofMinutes(40));
    /** Past the list, hourly like PowerMTA's retry-after default: a long outage costs little. */
    public static final Duration BACKOFF_RETRY = Duration.ofHours(1);
    /** Caps work on a dead destination at about 17 h (4 listed + 16 hourly retries) even before bounce-after. */
    public static final int MAX_RETRIES = 20;
    /** PowerMTA's default queue lifetime, close to Postfix's 5d maximal_queue_lifetime. */
    public static final Duration BOUNCE_AFTER = Duration.ofDays(4).plusHours(12);
    /** Long enough for a slow MX, short enough to move on to the next MX before the batch stalls. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    /** RFC 5321 4.5.3.2: a client waits at least 5 minutes for most command replies. */
    public static final Duration READ_TIMEOUT = Duration.ofMinutes(5);
    /** RFC 5321 4.5.3.2.2: the 354 after DATA within 2 minutes. */
    public static final Duration DATA_TIMEOUT = Duration.ofMinutes(2);
    /** RFC 5321 4.5.3.2.3: each write of the body may take 3 minutes; longer, the server stopped reading. */
    public static final Duration DATA_BLOCK_TIMEOUT = Duration.ofMinutes(3);
    /**
     * RFC 5321 4.5.3.2.6: 10 minutes for the reply to the final dot. The server may be filtering the
     * message; giving up sooner and sending again is how duplicates happen (RFC 1047).
     */
    public static final Duration DATA_DONE_TIMEOUT = Duration.ofMinutes(10);
    /**
     * A deadline for one whole transaction (MAIL to the reply to the final dot), closing the socket:
     * a server that answers each step just in time cannot hold a consumer for hours. Above the sum
     * of the usual waits (data-done alone is 10m).
     */
    public static final Duration TRANSACTION_TIMEOUT = Duration.ofMinutes(20);
    /** RFC 5321 4.5.3.1.8: every server must accept 100 recipients per transaction; PowerMTA's name and default. */
    public static final int MAX_RCPT_PER_TRANSACTION = 100;
    /** Real EHLO replies have about 10-20 lines; a server sending more is dripping lines to hold us. */
    public static final int MAX_REPLY_LINES = 100;
    /** Receivers drop idle clients quickly; close pooled sessions before they do it mid-command. */
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(10);
    /** Backoff needs provider-specific reply patterns, so by default there is none. */
    public static final BackoffMode BACKOFF = BackoffMode.NONE;
    /** Backoff slows to a tenth of the normal rate: enough to stop the provider's deferrals, still moving. */
    public static final int BACKOFF_RATE_DIVISOR = 10;
    /** The usual PowerMTA backoff-to-normal-after: providers lift throttles within about an hour. */
    public static final Duration BACKOFF_TO_NORMAL_AFTER = Duration.ofHours(1);
    /**
     * Opportunistic STARTTLS (use-starttls yes, require-starttls no, tls-verify none, mta-sts no):
     * most MXs offer TLS and a message encrypted with an unchecked certificate is still safe from
     * passive listeners; requiring or verifying TLS would defer mail to the MXs that cannot. After
     * a failed handshake an MX gets plain sessions for an hour: long enough not to pay a failing
     * handshake on every connection, short enough to use TLS again soon after the MX is fixed.
     */
    public static final TlsPolicy TLS = new TlsPolicy(true, false, TlsPolicy.Verify.NONE, false, Duration.ofHours(1));
    /** The catch-all match of the 'default' policy. */
    public static final String MATCH_ALL = "*";

    // ---- intake: what one submission may be (top-level mta.yaml keys) ----

    /**
     * Postfix's smtpd_recipient_limit. Bulk mail is one submission per recipient or per small
     * group; a longer list is a client bug or abuse, and its work (parse, split, events) is unbounded.
     */
    public static final int MAX_RCPT_PER_SUBMISSION = 1000;
    /**
     * Each recipient domain gets its own queued copy of the message, so one submission stores its
     * size times its domains. 100MB is a 100KB newsletter to 1,000 domains or a 50MB one to two;
     * past that the sender should submit it in parts.
     */
    public static final long MAX_FANOUT_SIZE = 100L << 20;

    private Defaults() {
    }

    /** The 'default' policy as it is when mta.yaml does not set anything (route null: MX lookup). */
    public static DomainPolicy policy() {
        return new DomainPolicy(DomainPolicy.DEFAULT, List.of(MATCH_ALL), MAX_SMTP_OUT, MAX_MSG_PER_CONNECTION,
                MAX_CONN_RATE, MAX_MSG_RATE, new RetrySchedule(RETRY_AFTER, BACKOFF_RETRY, MAX_RETRIES, BOUNCE_AFTER),
                BACKOFF, null, CONNECT_TIMEOUT, READ_TIMEOUT, IDLE_TIMEOUT, DATA_TIMEOUT, DATA_BLOCK_TIMEOUT,
                DATA_DONE_TIMEOUT, TRANSACTION_TIMEOUT, MAX_RCPT_PER_TRANSACTION, MAX_REPLY_LINES);
    }

    /** The 'default' virtual MTA when mta.yaml does not list it: the host's own address and name. */
    public static VirtualMta virtualMta() {
        return new VirtualMta(VirtualMta.DEFAULT, null, null);
    }
}

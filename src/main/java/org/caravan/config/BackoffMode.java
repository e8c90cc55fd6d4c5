package org.caravan.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * PowerMTA's backoff mode: a reply containing one of {@code patterns} (or a reply rule with action
 * backoff) slows the policy to {@code maxMsgRate}, and to {@code maxSmtpOut} connections and
 * {@code maxConnRate} new ones when set (0 and null: unchanged), until {@code toNormalAfter} has
 * passed without another such reply or, when {@code toNormalAfterDeliveries} is above 0, that many
 * deliveries in a row came first (PowerMTA's backoff-to-normal-after-delivery).
 */
public record BackoffMode(List<String> patterns, Rate maxMsgRate, Duration toNormalAfter, int maxSmtpOut,
        Rate maxConnRate, int toNormalAfterDeliveries) {

    /** No backoff: never matches. */
    public static final BackoffMode NONE = new BackoffMode(List.of(), Rate.UNLIMITED, Duration.ofHours(1));

    /** Backoff that lowers only the message rate and ends by time alone. */
    public BackoffMode(List<String> patterns, Rate maxMsgRate, Duration toNormalAfter) {
        this(patterns, maxMsgRate, toNormalAfter, 0, null, 0);
    }

    /** "421-4.7.28" (continuation line) and "421 4.7.28" (last line) are the same reply code. */
    private static final Pattern CONTINUATION = Pattern.compile("(?<![0-9])([2-5][0-9]{2})-(?=[0-9])");

    public BackoffMode {
        patterns = List.copyOf(patterns);
        if (patterns.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("empty backoff pattern (it would match every reply)");
        }
        if (maxMsgRate == null || toNormalAfter == null || toNormalAfter.isNegative() || toNormalAfter.isZero()) {
            throw new IllegalArgumentException("backoff needs a max-msg-rate and a positive to-normal-after");
        }
        if (maxSmtpOut < 0 || toNormalAfterDeliveries < 0) {
            throw new IllegalArgumentException("backoff max-smtp-out and to-normal-after-deliveries cannot be negative");
        }
    }

    /** True when the reply line contains a pattern, ignoring case and '-' versus ' ' after the code. */
    public boolean matches(String replyLine) {
        return matching(replyLine) != null;
    }

    /** The first pattern the reply line contains (as {@link #matches}), or null: what triggered backoff. */
    public String matching(String replyLine) {
        if (replyLine == null || patterns.isEmpty()) {
            return null;
        }
        String reply = canonical(replyLine);
        for (String p : patterns) {
            if (reply.contains(canonical(p))) {
                return p;
            }
        }
        return null;
    }

    private static String canonical(String s) {
        return CONTINUATION.matcher(s.toLowerCase(Locale.ROOT)).replaceAll("$1 ");
    }
}

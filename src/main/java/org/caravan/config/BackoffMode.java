package org.caravan.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * PowerMTA's backoff mode: a reply containing one of {@code patterns} slows the policy to
 * {@code maxMsgRate} until {@code toNormalAfter} has passed without another such reply.
 */
public record BackoffMode(List<String> patterns, Rate maxMsgRate, Duration toNormalAfter) {

    /** No backoff: never matches. */
    public static final BackoffMode NONE = new BackoffMode(List.of(), Rate.UNLIMITED, Duration.ofHours(1));

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

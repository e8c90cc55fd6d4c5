package org.caravan.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A PowerMTA rate directive ("2000/h", "100/m", "unlimited"): at most {@code count} per {@code per}. */
public record Rate(long count, Duration per) {

    /** No limit; count and per are chosen so arithmetic on it stays finite. */
    public static final Rate UNLIMITED = new Rate(Long.MAX_VALUE, Duration.ofSeconds(1));

    private static final Pattern RATE = Pattern.compile("(\\d{1,18})/([smhd])");

    public Rate {
        if (count < 1) {
            throw new IllegalArgumentException("rate count must be positive, got " + count);
        }
        if (per == null || per.toMillis() < 1) {
            throw new IllegalArgumentException("rate period must be at least 1ms, got " + per);
        }
    }

    /** Parses "N/s", "N/m", "N/h", "N/d" (N a positive integer) or "unlimited". */
    public static Rate parse(String text) {
        String s = text == null ? "" : text.strip();
        if (s.equalsIgnoreCase("unlimited")) {
            return UNLIMITED;
        }
        Matcher m = RATE.matcher(s);
        long n = m.matches() ? Long.parseLong(m.group(1)) : 0;
        if (n < 1) {
            throw new IllegalArgumentException("bad rate '" + text
                    + "' (expected N/s, N/m, N/h or N/d, or 'unlimited')");
        }
        return new Rate(n, unit(m.group(2).charAt(0)));
    }

    public boolean isUnlimited() {
        return count == Long.MAX_VALUE;
    }

    /** Messages (or connections) per second; positive infinity when unlimited. */
    public double perSecond() {
        return isUnlimited() ? Double.POSITIVE_INFINITY : count / (per.toNanos() / 1e9);
    }

    /**
     * The even spacing of this rate: per / count, rounded up so it is never faster than the rate
     * (2000/h: 1.8 s, 20/s: 50 ms); 0 when unlimited.
     */
    public long intervalNanos() {
        if (isUnlimited()) {
            return 0;
        }
        long per = this.per.toNanos();
        return per / count + (per % count == 0 ? 0 : 1);
    }

    /** The directive form: "2000/h", "unlimited". */
    @Override
    public String toString() {
        if (isUnlimited()) {
            return "unlimited";
        }
        for (char u : new char[] {'s', 'm', 'h', 'd'}) {
            if (unit(u).equals(per)) {
                return count + "/" + u;
            }
        }
        return count + "/" + Durations.format(per);
    }

    private static Duration unit(char u) {
        return switch (u) {
            case 's' -> Duration.ofSeconds(1);
            case 'm' -> Duration.ofMinutes(1);
            case 'h' -> Duration.ofHours(1);
            case 'd' -> Duration.ofDays(1);
            default -> throw new IllegalArgumentException("bad rate unit '" + u + "'");
        };
    }
}

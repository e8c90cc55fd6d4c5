package org.caravan.config;

import java.math.BigInteger;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A PowerMTA rate directive ("2000/h", "100/m", "unlimited"): at most {@code count} per {@code per}. */
public record Rate(long count, Duration per) {

    /** No limit; count and per are chosen so arithmetic on it stays finite. */
    public static final Rate UNLIMITED = new Rate(Long.MAX_VALUE, Duration.ofSeconds(1));

    /** The shortest period the throttle gets: finer slots cost timer churn and gain no smoothness. */
    static final long MIN_PERIOD_MILLIS = 50;

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
     * The Throttle EIP setting for this rate: the fewest permits per period that keep the period
     * at least 50 ms, so traffic is spread evenly instead of bursting at the start of each unit.
     * Since period >= per * permits / count, no window of {@code per} sees more than count.
     */
    public ThrottleWindow throttleWindow() {
        if (isUnlimited()) {
            return new ThrottleWindow(Integer.MAX_VALUE, 1000);
        }
        BigInteger c = BigInteger.valueOf(count);
        BigInteger perMs = BigInteger.valueOf(per.toMillis());
        // smallest p with ceil(perMs * p / count) >= 50, i.e. perMs * p > 49 * count
        BigInteger p = c.multiply(BigInteger.valueOf(MIN_PERIOD_MILLIS - 1)).divide(perMs).add(BigInteger.ONE);
        // k whole windows of p permits fit in one unit; period = ceil(unit / k), so a unit never
        // holds more than k * p <= count permits even when p does not divide count (25/s: 2 per 84 ms)
        BigInteger k = c.divide(p);
        BigInteger[] qr = perMs.divideAndRemainder(k);
        BigInteger period = qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
        return new ThrottleWindow(p.longValueExact(), period.longValueExact());
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

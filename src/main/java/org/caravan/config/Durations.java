package org.caravan.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PowerMTA-style durations: "30s", "10m", "1h", "4d12h", "1d2h30m15s", "500ms", plain seconds. */
public final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d{1,18})(ms|d|h|m|s)");
    private static final Pattern PLAIN = Pattern.compile("\\d{1,18}");
    /** Units from largest to smallest; a duration names each at most once, in this order. */
    private static final String[] UNITS = {"d", "h", "m", "s", "ms"};
    private static final long[] UNIT_MILLIS = {86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};

    private Durations() {
    }

    /** Parses a duration; throws IllegalArgumentException naming the bad text. */
    public static Duration parse(String text) {
        String s = text == null ? "" : text.strip();
        try {
            if (PLAIN.matcher(s).matches()) {
                return Duration.ofSeconds(Long.parseLong(s));
            }
            return parseParts(s, text);
        } catch (ArithmeticException e) {
            throw bad(text);
        }
    }

    private static Duration parseParts(String s, String original) {
        Matcher m = PART.matcher(s);
        long millis = 0;
        int lastUnit = -1;
        int pos = 0;
        while (pos < s.length()) {
            m.region(pos, s.length());
            if (!m.lookingAt()) {
                throw bad(original);
            }
            int unit = indexOf(m.group(2));
            if (unit <= lastUnit) {
                throw bad(original); // "10m1h" or "1h1h": almost surely a typo, so refuse it
            }
            millis = Math.addExact(millis, Math.multiplyExact(Long.parseLong(m.group(1)), UNIT_MILLIS[unit]));
            lastUnit = unit;
            pos = m.end();
        }
        if (lastUnit < 0) {
            throw bad(original);
        }
        return Duration.ofMillis(millis);
    }

    /** The shortest form parse() reads back ("4d12h", "90s" -> "1m30s", "500ms"); sub-millisecond parts are dropped. */
    public static String format(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("negative duration " + duration);
        }
        long rest = duration.toMillis();
        if (rest == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < UNITS.length; i++) {
            long n = rest / UNIT_MILLIS[i];
            if (n > 0) {
                sb.append(n).append(UNITS[i]);
                rest -= n * UNIT_MILLIS[i];
            }
        }
        return sb.toString();
    }

    private static int indexOf(String unit) {
        for (int i = 0; i < UNITS.length; i++) {
            if (UNITS[i].equals(unit)) {
                return i;
            }
        }
        throw new IllegalStateException(unit);
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("bad duration '" + text
                + "' (expected e.g. 30s, 10m, 1h, 4d12h, 500ms or plain seconds)");
    }
}

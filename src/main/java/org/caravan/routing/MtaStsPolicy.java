package org.caravan.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A domain's MTA-STS policy (RFC 8461 section 3.2), parsed strictly: "version: STSv1" first,
 * mode enforce, testing or none, max_age in seconds (at most 31557600), and in enforce or testing
 * mode at least one mx pattern (a host name, or "*." and a name for exactly one more label).
 * Unknown keys are ignored, as the RFC says; a bad value or a missing key refuses the whole policy.
 */
public record MtaStsPolicy(Mode mode, List<String> mx, Duration maxAge) {

    /** RFC 8461 3.2: max_age is at most one year (31557600 seconds). */
    static final long MAX_AGE_SECONDS = 31_557_600L;
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_]{1,32}");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    public enum Mode { ENFORCE, TESTING, NONE }

    public MtaStsPolicy {
        mx = List.copyOf(mx);
    }

    /** The policy body, or IllegalArgumentException saying what is wrong with it. */
    public static MtaStsPolicy parse(String body) {
        String[] lines = body.split("\r?\n", -1);
        String version = null;
        Mode mode = null;
        Long maxAge = null;
        List<String> mx = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) {
                continue; // the trailing line end, or blank lines between fields
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !KEY.matcher(line.substring(0, colon)).matches()) {
                throw new IllegalArgumentException("line " + (i + 1) + " is not 'key: value'");
            }
            String key = line.substring(0, colon);
            String value = line.substring(colon + 1).strip();
            if (i == 0 && !key.equals("version")) {
                throw new IllegalArgumentException("the first field must be version");
            }
            switch (key) {
                case "version" -> version = once(key, version, value);
                case "mode" -> mode = mode == null ? mode(value) : duplicate(key);
                case "max_age" -> maxAge = maxAge == null ? maxAge(value) : duplicate(key);
                case "mx" -> mx.add(mxPattern(value));
                default -> {
                    // RFC 8461 3.2: fields not defined here are ignored
                }
            }
        }
        if (!"STSv1".equals(version)) {
            throw new IllegalArgumentException("version must be STSv1, got " + version);
        }
        if (mode == null || maxAge == null) {
            throw new IllegalArgumentException("mode and max_age are required");
        }
        if (mode != Mode.NONE && mx.isEmpty()) {
            throw new IllegalArgumentException("mode " + mode.name().toLowerCase(Locale.ROOT) + " needs mx");
        }
        return new MtaStsPolicy(mode, mx, Duration.ofSeconds(maxAge));
    }

    /** True when the MX host name matches one of the mx patterns (RFC 8461 4.1: a wildcard is one label). */
    public boolean allows(String mxHost) {
        if (mxHost == null) {
            return false;
        }
        String host = mxHost.toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        for (String pattern : mx) {
            if (pattern.startsWith("*.")) {
                int dot = host.indexOf('.');
                if (dot > 0 && host.substring(dot + 1).equals(pattern.substring(2))) {
                    return true;
                }
            } else if (host.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    private static String once(String key, String sofar, String value) {
        if (sofar != null) {
            duplicate(key);
        }
        return value;
    }

    private static <T> T duplicate(String key) {
        throw new IllegalArgumentException(key + " given twice");
    }

    private static Mode mode(String value) {
        return switch (value) {
            case "enforce" -> Mode.ENFORCE;
            case "testing" -> Mode.TESTING;
            case "none" -> Mode.NONE;
            default -> throw new IllegalArgumentException("mode must be enforce, testing or none, got " + value);
        };
    }

    private static long maxAge(String value) {
        if (!value.matches("\\d{1,10}")) {
            throw new IllegalArgumentException("max_age must be a whole number of seconds, got " + value);
        }
        long seconds = Long.parseLong(value);
        if (seconds > MAX_AGE_SECONDS) {
            throw new IllegalArgumentException("max_age above " + MAX_AGE_SECONDS + ": " + value);
        }
        return seconds;
    }

    private static String mxPattern(String value) {
        String name = value.startsWith("*.") ? value.substring(2) : value;
        String[] labels = name.split("\\.", -1);
        if (labels.length < 2) {
            throw new IllegalArgumentException("mx must be a host name with a dot, got " + value);
        }
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("mx is not a host name pattern: " + value);
            }
        }
        return value.toLowerCase(Locale.ROOT);
    }
}

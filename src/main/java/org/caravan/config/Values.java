package org.caravan.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;
import org.caravan.routing.NextHop;

/** Parsers for the scalar values of mta.yaml; each throws IllegalArgumentException with the reason. */
final class Values {

    /** Names become queue names (mail.deliver.<vmta>.<policy>), so they stay in a safe alphabet. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
    private static final String LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
    private static final Pattern DOMAIN = Pattern.compile(LABEL + "(?:\\." + LABEL + ")*");
    private static final Pattern HOST_NAME = Pattern.compile(DOMAIN.pattern(), Pattern.CASE_INSENSITIVE);
    private static final Pattern IPV4 = Pattern.compile("(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}"
            + "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");
    private static final Pattern DIGITS = Pattern.compile("\\d{1,10}");

    private Values() {
    }

    static int positiveInt(String s) {
        int n = nonNegativeInt(s);
        if (n == 0) {
            throw new IllegalArgumentException("expected a positive whole number, got '" + s + "'");
        }
        return n;
    }

    static int nonNegativeInt(String s) {
        long n = DIGITS.matcher(s).matches() ? Long.parseLong(s) : -1;
        if (n < 0 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("expected a whole number, got '" + s + "'");
        }
        return (int) n;
    }

    static Duration positiveDuration(String s) {
        Duration d = Durations.parse(s);
        if (d.isZero()) {
            throw new IllegalArgumentException("duration must be more than zero, got '" + s + "'");
        }
        return d;
    }

    static long positiveSize(String s) {
        long n = Sizes.parse(s);
        if (n == 0) {
            throw new IllegalArgumentException("size must be more than zero, got '" + s + "'");
        }
        return n;
    }

    static String name(String s) {
        if (!NAME.matcher(s).matches()) {
            throw new IllegalArgumentException("bad name '" + s + "' (expected [a-z0-9][a-z0-9_-]*:"
                    + " it becomes part of the queue name mail.deliver.<vmta>.<policy>)");
        }
        return s;
    }

    /** A match entry: an exact domain, "*.suffix" or "*", in lower case as domains are compared. */
    static String matchEntry(String s) {
        String domain = s.startsWith("*.") ? s.substring(2) : s;
        if (s.equals("*") || DOMAIN.matcher(domain).matches()) {
            return s;
        }
        if (DOMAIN.matcher(domain.toLowerCase(Locale.ROOT)).matches()) {
            throw new IllegalArgumentException("match entry '" + s + "' must be lower-case");
        }
        throw new IllegalArgumentException("bad match entry '" + s
                + "' (expected a domain such as example.com, '*.example.com' or '*')");
    }

    /** An mx-match pattern: an MX host name or "*.suffix" of one, lower-case; "*" alone would claim every domain. */
    static String mxPattern(String s) {
        String host = s.startsWith("*.") ? s.substring(2) : s;
        if (s.equals("*")) {
            throw new IllegalArgumentException("mx-match '*' would claim every domain; that is what 'default' is for");
        }
        if (DOMAIN.matcher(host).matches() && host.indexOf('.') > 0) {
            return s;
        }
        if (DOMAIN.matcher(host.toLowerCase(Locale.ROOT)).matches()) {
            throw new IllegalArgumentException("mx-match entry '" + s + "' must be lower-case");
        }
        throw new IllegalArgumentException("bad mx-match entry '" + s
                + "' (expected an MX host such as mx.example.com or '*.example.com')");
    }

    /** An IPv4 or IPv6 literal; never a host name, so that no DNS lookup happens at start. */
    static String ipLiteral(String s) {
        if (IPV4.matcher(s).matches()) {
            return s;
        }
        if (IPV6_CHARS.matcher(s).matches()) {
            try {
                InetAddress.getByName("[" + s + "]"); // brackets force literal parsing, no lookup
                return s;
            } catch (UnknownHostException e) {
                throw badIp(s);
            }
        }
        throw badIp(s);
    }

    private static IllegalArgumentException badIp(String s) {
        return new IllegalArgumentException("bad IP address '" + s + "' (expected e.g. 192.0.2.10 or 2001:db8::10)");
    }

    static String hostName(String s) {
        if (!HOST_NAME.matcher(s).matches() || s.length() > 253) {
            throw new IllegalArgumentException("bad host name '" + s + "' (expected e.g. mta1.example.com)");
        }
        return s;
    }

    static NextHop nextHop(String s) {
        try {
            NextHop hop = NextHop.parse(s);
            if (hop.host().isBlank()) {
                throw new IllegalArgumentException("no host");
            }
            return hop;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad route '" + s + "': " + e.getMessage()
                    + " (expected host:port, e.g. 127.0.0.1:2525)");
        }
    }

    static String pattern(String s) {
        if (s.isBlank()) {
            throw new IllegalArgumentException("empty pattern (it would match every reply)");
        }
        return s;
    }
}

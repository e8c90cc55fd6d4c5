package org.caravan.intake;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The Received: trace field every MTA prepends (RFC 5321 4.4), added at intake so that a DKIM
 * signature made later covers it: who handed the message over (the client's IP, as the broker
 * saw it), to which host, over which protocol, under which id, for whom when there is one
 * recipient, and when.
 */
final class ReceivedField {

    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);
    private static final String ATEXT_SPECIALS = "!#$%&'*+/=?^_`{|}~-";
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    /** The date of the last second formatted: intake stamps thousands of messages a second. */
    private record Stamp(long second, String text) {
    }

    private static volatile Stamp lastStamp = new Stamp(Long.MIN_VALUE, "");

    private ReceivedField() {
    }

    /**
     * The field, folded, with its CRLF.
     *
     * @param client    the submitting client's IP address, or null when unknown
     * @param protocol  the protocol it came in over, or null
     * @param by        this host's name
     * @param id        the submission's broker id, or null
     * @param recipient the one envelope recipient, or null when there are several
     */
    static String of(String client, String protocol, String by, String id, String recipient, long epochMillis) {
        String literal = addressLiteral(client);
        StringBuilder f = new StringBuilder("Received: from ");
        f.append(literal == null ? "unknown" : literal + " (" + literal + ")");
        f.append("\r\n\tby ").append(by).append(" (Caravan) with ").append(atomOr(protocol, "JMS"));
        String atomId = atomOr(id, null);
        if (atomId != null) {
            f.append(" id ").append(atomId);
        }
        if (recipient != null) {
            f.append("\r\n\tfor <").append(recipient).append('>');
        }
        return f.append(";\r\n\t").append(date(epochMillis)).append("\r\n").toString();
    }

    static String date(long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000L);
        Stamp stamp = lastStamp;
        if (stamp.second() != second) {
            ZonedDateTime when = Instant.ofEpochSecond(second).atZone(ZoneOffset.UTC);
            stamp = new Stamp(second, DATE.format(when));
            lastStamp = stamp;
        }
        return stamp.text();
    }

    static byte[] prepend(String field, byte[] message) {
        byte[] head = field.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + message.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(message, 0, out, head.length, message.length);
        return out;
    }

    /** "[192.0.2.1]" or "[IPv6:2001:db8::1]" (RFC 5321 4.1.3); null for anything else. */
    private static String addressLiteral(String ip) {
        if (ip == null || ip.isBlank()) {
            return null;
        }
        if (IPV4.matcher(ip).matches()) {
            return "[" + ip + "]";
        }
        String bare = ip.startsWith("[") && ip.endsWith("]") ? ip.substring(1, ip.length() - 1) : ip;
        int zone = bare.indexOf('%');
        bare = zone < 0 ? bare : bare.substring(0, zone);
        return IPV6.matcher(bare).matches() ? "[IPv6:" + bare + "]" : null;
    }

    private static String atomOr(String value, String fallback) {
        if (value == null) {
            return fallback;
        }
        String v = value.startsWith("ID:") ? value.substring(3) : value;
        return isAtom(v) ? v : fallback;
    }

    /** An atom (RFC 5322 3.2.3) is all a with/id clause may hold. */
    private static boolean isAtom(String v) {
        if (v.isEmpty()) {
            return false;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            boolean alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (!alnum && ATEXT_SPECIALS.indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }
}

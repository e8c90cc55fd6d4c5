package org.caravan.intake;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

/**
 * Envelope address checks: what an MTA may put after RCPT TO. Only ASCII (no SMTPUTF8 yet);
 * domains need two labels or an address literal, since a bare name can never reach the Internet.
 */
final class Addresses {

    private static final Pattern ATOM = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*");
    private static final Pattern QUOTED = Pattern.compile("\"([\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\x20-\\x7e])*\"");
    private static final Pattern IPV4_LITERAL = Pattern.compile(
            "\\[(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}]");
    private static final Pattern IPV6_LITERAL = Pattern.compile("\\[ipv6:([0-9a-f:.]+)]");

    private Addresses() {
    }

    /** "Local@Example.COM" -> "Local@example.com"; null when it is not a deliverable address. */
    static String normalize(String address) {
        String a = address.strip();
        if (a.startsWith("<") && a.endsWith(">")) {
            a = a.substring(1, a.length() - 1).strip();
        }
        int at = a.lastIndexOf('@');
        if (at <= 0 || at > 64 || a.length() - at - 1 > 253) {
            return null;
        }
        String local = a.substring(0, at);
        String domain = a.substring(at + 1).toLowerCase(Locale.ROOT);
        if (!(ATOM.matcher(local).matches() || QUOTED.matcher(local).matches()) || !validDomain(domain)) {
            return null;
        }
        return local + "@" + domain;
    }

    static String domainOf(String normalized) {
        return normalized.substring(normalized.lastIndexOf('@') + 1);
    }

    private static boolean validDomain(String domain) {
        if (domain.startsWith("[")) {
            if (IPV4_LITERAL.matcher(domain).matches()) {
                return true;
            }
            java.util.regex.Matcher v6 = IPV6_LITERAL.matcher(domain);
            return v6.matches() && isIpv6(v6.group(1));
        }
        // a loop, not split() and a regex per label: this runs for every recipient of every submission
        int labels = 0;
        int start = 0;
        for (int i = 0; i <= domain.length(); i++) {
            if (i == domain.length() || domain.charAt(i) == '.') {
                if (!validLabel(domain, start, i)) {
                    return false;
                }
                labels++;
                start = i + 1;
            }
        }
        return labels >= 2;
    }

    /** RFC 1035 2.3.1 (digits allowed first, RFC 1123): [a-z0-9]([a-z0-9-]{0,61}[a-z0-9])? */
    private static boolean validLabel(String domain, int from, int to) {
        if (to - from < 1 || to - from > 63 || domain.charAt(from) == '-' || domain.charAt(to - 1) == '-') {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = domain.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** RFC 4291 text form, checked without any name lookup (an IP literal never resolves). */
    private static boolean isIpv6(String text) {
        if (!text.contains(":") || text.contains(":::") || text.indexOf("::") != text.lastIndexOf("::")) {
            return false;
        }
        try {
            // a string with ':' is parsed as an IPv6 literal, never looked up
            return java.net.InetAddress.getByName(text) instanceof java.net.Inet6Address
                    || text.contains(".");
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /**
     * The addr-specs of an address-list header (To, Cc, Bcc), groups expanded; entries that do
     * not parse come back as themselves so the caller can reject them one by one.
     */
    static List<String> fromHeader(String value) {
        List<String> out = new ArrayList<>();
        try {
            for (InternetAddress a : InternetAddress.parseHeader(value, false)) {
                addExpanded(a, out);
            }
            return out;
        } catch (AddressException whole) {
            out.clear();
            for (String piece : splitTopLevel(value)) {
                try {
                    for (InternetAddress a : InternetAddress.parseHeader(piece, false)) {
                        addExpanded(a, out);
                    }
                } catch (AddressException one) {
                    out.add(piece.strip());
                }
            }
            return out;
        }
    }

    private static void addExpanded(InternetAddress a, List<String> out) throws AddressException {
        if (a.isGroup()) {
            for (InternetAddress member : a.getGroup(false)) {
                out.add(member.getAddress());
            }
        } else if (a.getAddress() != null && !a.getAddress().isBlank()) {
            out.add(a.getAddress());
        }
    }

    /** Splits at commas outside quotes, angle brackets and comments. */
    static List<String> splitTopLevel(String value) {
        List<String> parts = new ArrayList<>();
        int depthAngle = 0;
        int depthParen = 0;
        boolean quoted = false;
        int from = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && c == '<') {
                depthAngle++;
            } else if (!quoted && c == '>') {
                depthAngle = Math.max(0, depthAngle - 1);
            } else if (!quoted && c == '(') {
                depthParen++;
            } else if (!quoted && c == ')') {
                depthParen = Math.max(0, depthParen - 1);
            } else if (!quoted && c == ',' && depthAngle == 0 && depthParen == 0) {
                parts.add(value.substring(from, i));
                from = i + 1;
            }
        }
        parts.add(value.substring(from));
        parts.removeIf(p -> p.isBlank());
        return parts;
    }
}

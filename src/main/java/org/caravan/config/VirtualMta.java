package org.caravan.config;

import java.util.Locale;

/**
 * A traffic class with its own source address and EHLO name; null fields mean "the host's own".
 * A bulk one has its mail checked at intake for what bulk senders must carry (one-click
 * unsubscribe, DKIM aligned with From), warning or rejecting as bulkCompliance says.
 */
public record VirtualMta(String name, String smtpSourceHost, String ehlo, Traffic traffic, BulkCompliance bulkCompliance) {

    /** The vmta every message uses unless it names another; it always exists. */
    public static final String DEFAULT = "default";

    /** traffic: what the vmta sends; bulk mail is held to the bulk-sender rules. */
    public enum Traffic {
        TRANSACTIONAL, BULK;

        static Traffic of(String s) {
            return parse(Traffic.class, s);
        }
    }

    /** bulk-compliance: what a bulk vmta does with mail that breaks the rules. */
    public enum BulkCompliance {
        WARN, REJECT;

        static BulkCompliance of(String s) {
            return parse(BulkCompliance.class, s);
        }
    }

    public VirtualMta {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("virtual MTA needs a name");
        }
        traffic = traffic == null ? Traffic.TRANSACTIONAL : traffic;
        bulkCompliance = bulkCompliance == null ? BulkCompliance.WARN : bulkCompliance;
    }

    public VirtualMta(String name, String smtpSourceHost, String ehlo) {
        this(name, smtpSourceHost, ehlo, null, null);
    }

    public boolean bulk() {
        return traffic == Traffic.BULK;
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String s) {
        for (E e : type.getEnumConstants()) {
            if (e.name().toLowerCase(Locale.ROOT).equals(s)) {
                return e;
            }
        }
        StringBuilder expected = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            expected.append(expected.length() == 0 ? "" : " or ").append(e.name().toLowerCase(Locale.ROOT));
        }
        throw new IllegalArgumentException("unknown value '" + s + "' (expected " + expected + ")");
    }
}

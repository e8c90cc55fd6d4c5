package org.caravan.config;

/** A traffic class with its own source address and EHLO name; null fields mean "the host's own". */
public record VirtualMta(String name, String smtpSourceHost, String ehlo) {

    /** The vmta every message uses unless it names another; it always exists. */
    public static final String DEFAULT = "default";

    public VirtualMta {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("virtual MTA needs a name");
        }
    }
}

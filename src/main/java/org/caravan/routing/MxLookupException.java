package org.caravan.routing;

/**
 * A recipient domain could not be resolved to next hops. Checked, so every caller decides
 * between bounce ({@link #permanent()}) and defer instead of letting a DNS hiccup bounce mail.
 */
public class MxLookupException extends Exception {

    /** Why the lookup failed; each reason is either permanent (bounce) or transient (defer). */
    public enum Reason {
        /** The domain does not exist (NXDOMAIN). */
        NO_SUCH_DOMAIN(true),
        /** The domain publishes a null MX (RFC 7505): it accepts no mail. */
        NULL_MX(true),
        /** DNS answered, but neither the MX hosts nor the domain itself have an address. */
        MX_RESOLVED_TO_ZERO_HOSTS(true),
        /** The recipient domain is not a valid DNS name. */
        INVALID_DOMAIN(true),
        /** A server answered SERVFAIL, REFUSED or another error rcode. */
        SERVER_FAILURE(false),
        /** No answer arrived: timeout or network error. */
        NO_ANSWER(false);

        private final boolean permanent;

        Reason(boolean permanent) {
            this.permanent = permanent;
        }

        public boolean permanent() {
            return permanent;
        }
    }

    private final String domain;
    private final Reason reason;

    public MxLookupException(String domain, Reason reason, String detail) {
        this(domain, reason, detail, null);
    }

    public MxLookupException(String domain, Reason reason, String detail, Throwable cause) {
        super(domain + ": " + reason + " (" + detail + ")", cause);
        this.domain = domain;
        this.reason = reason;
    }

    public String domain() {
        return domain;
    }

    public Reason reason() {
        return reason;
    }

    /** True when retrying cannot help: the engine bounces with bad-domain. */
    public boolean permanent() {
        return reason.permanent();
    }
}

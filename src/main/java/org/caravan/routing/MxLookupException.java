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
        /**
         * Every address DNS (or an address literal) gave is one Caravan refuses to connect to:
         * loopback, private, link-local... Permanent: the domain's owner chose those records.
         */
        NO_ACCEPTABLE_NEXT_HOP(true, "5.4.4", "no acceptable next hop"),
        /** A server answered SERVFAIL, REFUSED or another error rcode. */
        SERVER_FAILURE(false),
        /** No answer arrived: timeout or network error. */
        NO_ANSWER(false);

        private final boolean permanent;
        private final String enhancedCode;
        private final String replyText;

        Reason(boolean permanent) {
            this(permanent, permanent ? "5.1.2" : "4.4.3", permanent ? "bad destination domain" : "MX lookup failed");
        }

        Reason(boolean permanent, String enhancedCode, String replyText) {
            this.permanent = permanent;
            this.enhancedCode = enhancedCode;
            this.replyText = replyText;
        }

        public boolean permanent() {
            return permanent;
        }

        /** The RFC 3463 code of the reply the recipients get for this failure. */
        public String enhancedCode() {
            return enhancedCode;
        }

        /** The start of that reply's text. */
        public String replyText() {
            return replyText;
        }
    }

    private final String domain;
    private final Reason reason;
    private final String detail;

    public MxLookupException(String domain, Reason reason, String detail) {
        this(domain, reason, detail, null);
    }

    public MxLookupException(String domain, Reason reason, String detail, Throwable cause) {
        super(domain + ": " + reason + " (" + detail + ")", cause);
        this.domain = domain;
        this.reason = reason;
        this.detail = detail;
    }

    public String detail() {
        return detail;
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

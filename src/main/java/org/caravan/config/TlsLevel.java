package org.caravan.config;

/**
 * How much TLS one connection must have, in Postfix's smtp_tls_security_level words, weakest first:
 * none (plain), may (STARTTLS when offered, else plain), encrypt (STARTTLS or defer, any
 * certificate), verify (STARTTLS with a certificate that chains to a trusted root and names the MX).
 */
public enum TlsLevel {
    NONE, MAY, ENCRYPT, VERIFY;

    /** The stronger of the two (an MTA-STS enforce policy raises a domain's level, never lowers it). */
    public TlsLevel atLeast(TlsLevel other) {
        return compareTo(other) >= 0 ? this : other;
    }

    /** True when a plain session is not acceptable. */
    public boolean required() {
        return compareTo(ENCRYPT) >= 0;
    }
}

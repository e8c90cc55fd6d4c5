package org.caravan.config;

import java.time.Duration;
import java.util.Objects;

/**
 * A policy's TLS keys: use-starttls, require-starttls, tls-verify, mta-sts and tls-fallback-for.
 *
 * @param useStartTls     STARTTLS whenever the server offers it (opportunistic, RFC 3207)
 * @param requireStartTls defer instead of sending in the clear
 * @param verify          what the certificate must prove; hostname implies requireStartTls
 * @param mtaSts          look up the recipient domain's MTA-STS policy (RFC 8461) and obey it
 * @param fallbackFor     after a failed handshake under opportunistic TLS, how long that MX gets plain sessions
 */
public record TlsPolicy(boolean useStartTls, boolean requireStartTls, Verify verify, boolean mtaSts,
        Duration fallbackFor) {

    /** tls-verify: none encrypts with any certificate (Postfix 'encrypt'); hostname checks it (Postfix 'verify'). */
    public enum Verify {
        NONE, HOSTNAME;

        static Verify parse(String s) {
            return switch (s) {
                case "none" -> NONE;
                case "hostname" -> HOSTNAME;
                default -> throw new IllegalArgumentException("expected none or hostname, got '" + s + "'");
            };
        }
    }

    public TlsPolicy {
        Objects.requireNonNull(verify, "verify");
        Objects.requireNonNull(fallbackFor, "fallbackFor");
        if (!useStartTls && (requireStartTls || verify != Verify.NONE || mtaSts)) {
            throw new IllegalArgumentException("TLS required or verified with use-starttls: no");
        }
    }

    /** The level every connection of the policy gets (an MTA-STS enforce policy may raise it per domain). */
    public TlsLevel level() {
        if (!useStartTls) {
            return TlsLevel.NONE;
        }
        if (verify == Verify.HOSTNAME) {
            return TlsLevel.VERIFY;
        }
        return requireStartTls ? TlsLevel.ENCRYPT : TlsLevel.MAY;
    }
}

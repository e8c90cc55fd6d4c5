package org.caravan.config;

import java.time.Duration;

/** Reads a policy block's TLS keys over the parent policy's; contradictions stop the start at the key. */
final class TlsKeys {

    private TlsKeys() {
    }

    static TlsPolicy read(YamlMap b, TlsPolicy parent) {
        boolean use = or(b.scalar("use-starttls", TlsKeys::yesNo), parent.useStartTls());
        Boolean require = b.scalar("require-starttls", TlsKeys::yesNo);
        TlsPolicy.Verify verify = b.scalar("tls-verify", TlsPolicy.Verify::parse);
        Boolean mtaSts = b.scalar("mta-sts", TlsKeys::yesNo);
        Duration fallback = b.scalar("tls-fallback-for", Values::positiveDuration);
        if (!use) {
            // use-starttls: no switches TLS off, so the stricter keys it would contradict must not be on
            refuse(b, "require-starttls", require != null && require);
            refuse(b, "tls-verify", verify != null && verify != TlsPolicy.Verify.NONE);
            refuse(b, "mta-sts", mtaSts != null && mtaSts);
            return new TlsPolicy(false, false, TlsPolicy.Verify.NONE, false,
                    or(fallback, parent.fallbackFor()));
        }
        return new TlsPolicy(true, or(require, parent.requireStartTls()), or(verify, parent.verify()),
                or(mtaSts, parent.mtaSts()), or(fallback, parent.fallbackFor()));
    }

    private static void refuse(YamlMap b, String key, boolean set) {
        if (set) {
            throw b.errorAtKey(key, key + " needs TLS, but use-starttls is no");
        }
    }

    static boolean yesNo(String s) {
        return switch (s) {
            case "yes", "true" -> true;
            case "no", "false" -> false;
            default -> throw new IllegalArgumentException("expected yes or no, got '" + s + "'");
        };
    }

    private static <T> T or(T value, T inherited) {
        return value != null ? value : inherited;
    }
}

package org.caravan.signing;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;

/** The a= algorithms Caravan signs with, and the JDK key type each needs. */
public enum DkimAlgorithm {
    RSA_SHA256("rsa-sha256", "RSA"),
    ED25519_SHA256("ed25519-sha256", "Ed25519");

    private final String tag;
    private final String keyType;

    DkimAlgorithm(String tag, String keyType) {
        this.tag = tag;
        this.keyType = keyType;
    }

    /** The value of the a= tag. */
    public String tag() {
        return tag;
    }

    /** The JDK's name for the key type (KeyFactory, Key.getAlgorithm()). */
    public String keyType() {
        return keyType;
    }

    /** The value of the DNS record's k= tag. */
    public String dnsKeyType() {
        return this == RSA_SHA256 ? "rsa" : "ed25519";
    }

    public static DkimAlgorithm ofTag(String tag) {
        for (DkimAlgorithm a : values()) {
            if (a.tag.equals(tag)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown DKIM algorithm '" + tag + "'");
    }

    /** A Signature ready to be fed the canonicalized header fields. */
    Signature signer(PrivateKey key) throws GeneralSecurityException {
        Signature s = this == RSA_SHA256 ? Signature.getInstance("SHA256withRSA") : new PrehashedEd25519();
        s.initSign(key);
        return s;
    }
}

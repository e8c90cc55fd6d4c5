package org.caravan.signing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

import org.caravan.config.ConfigException;
import org.caravan.config.DkimKeySpec;

/** One sender domain's signing key, read from its PEM file; every problem names the file and config key. */
record DkimKey(String domain, String selector, DkimAlgorithm algorithm, PrivateKey key, DkimKeySpec spec) {

    /** RFC 8301 3.2: signers MUST use RSA keys of at least 1024 bits (and SHOULD use 2048). */
    static final int MIN_RSA_BITS = 1024;
    private static final String BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String END = "-----END PRIVATE KEY-----";

    static DkimKey load(DkimKeySpec spec) {
        DkimAlgorithm algorithm = DkimAlgorithm.ofTag(spec.algorithm());
        String pem = read(spec);
        byte[] der = der(spec, pem);
        PrivateKey key = decode(spec, algorithm, der);
        if (key instanceof RSAPrivateKey rsa && rsa.getModulus().bitLength() < MIN_RSA_BITS) {
            throw error(spec, "RSA key of " + rsa.getModulus().bitLength() + " bits; at least " + MIN_RSA_BITS
                    + " are needed (2048 recommended)");
        }
        return new DkimKey(spec.domain(), spec.selector(), algorithm, key, spec);
    }

    static ConfigException error(DkimKeySpec spec, String detail) {
        return new ConfigException(spec.where() + ": " + spec.keyFile() + ": " + detail);
    }

    private static String read(DkimKeySpec spec) {
        try {
            return Files.readString(spec.keyFile(), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw error(spec, "no such file");
        } catch (AccessDeniedException e) {
            throw error(spec, "cannot read (permission denied)");
        } catch (IOException e) {
            throw error(spec, "cannot read: " + e);
        }
    }

    private static byte[] der(DkimKeySpec spec, String pem) {
        if (pem.contains("-----BEGIN RSA PRIVATE KEY-----")) {
            throw error(spec, "a PKCS#1 key ('BEGIN RSA PRIVATE KEY'); convert it to PKCS#8 with"
                    + " openssl pkcs8 -topk8 -nocrypt -in OLD.pem -out NEW.pem");
        }
        if (pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            throw error(spec, "an encrypted key; the engine needs it unencrypted (PKCS#8, -nocrypt), readable by it alone");
        }
        int begin = pem.indexOf(BEGIN);
        int end = pem.indexOf(END);
        if (begin < 0 || end < begin) {
            throw error(spec, "not a PEM private key (expected '" + BEGIN + "', PKCS#8)");
        }
        try {
            return Base64.getMimeDecoder().decode(pem.substring(begin + BEGIN.length(), end));
        } catch (IllegalArgumentException e) {
            throw error(spec, "bad base64 in the PEM block: " + e.getMessage());
        }
    }

    private static PrivateKey decode(DkimKeySpec spec, DkimAlgorithm algorithm, byte[] der) {
        try {
            return KeyFactory.getInstance(algorithm.keyType()).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            for (DkimAlgorithm other : DkimAlgorithm.values()) {
                if (other != algorithm && decodes(other, der)) {
                    throw error(spec, "an " + other.keyType() + " key, but the algorithm is " + algorithm.tag()
                            + " (set algorithm: " + other.tag() + ", or name the " + algorithm.keyType() + " key)");
                }
            }
            throw error(spec, "not a " + algorithm.keyType() + " private key: " + e.getMessage());
        }
    }

    private static boolean decodes(DkimAlgorithm algorithm, byte[] der) {
        try {
            KeyFactory.getInstance(algorithm.keyType()).generatePrivate(new PKCS8EncodedKeySpec(der));
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}

package org.caravan.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * DKIM keys made at run time (none is kept in the repository): the private key as the PKCS#8 PEM
 * file the dkim: block names, the public key as the TXT record a receiver would look up.
 */
public final class DkimKeys {

    private final Path dir;
    private final Map<String, String> records = new HashMap<>();

    public DkimKeys(Path dir) {
        this.dir = dir;
    }

    /** Makes a key for selector._domainkey.domain; algorithm "rsa-sha256" or "ed25519-sha256". Returns the PEM file. */
    public Path make(String domain, String selector, String algorithm) throws IOException, GeneralSecurityException {
        boolean rsa = algorithm.startsWith("rsa");
        KeyPairGenerator g = KeyPairGenerator.getInstance(rsa ? "RSA" : "Ed25519");
        if (rsa) {
            g.initialize(2048);
        }
        KeyPair pair = g.generateKeyPair();
        Path file = dir.resolve(domain + "." + selector + ".pem");
        Files.writeString(file, pem(pair.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
        byte[] pub = pair.getPublic().getEncoded();
        // RFC 8463: an Ed25519 p= is the bare 32-byte key; an RSA p= the SubjectPublicKeyInfo, as openssl prints it
        byte[] p = rsa ? pub : Arrays.copyOfRange(pub, pub.length - 32, pub.length);
        records.put(selector + "._domainkey." + domain, "v=DKIM1; k=" + (rsa ? "rsa" : "ed25519") + "; p="
                + Base64.getEncoder().encodeToString(p));
        return file;
    }

    /** The TXT records by name (selector._domainkey.domain), as DNS would serve them. */
    public Map<String, String> records() {
        return records;
    }

    /** The TXT record at a name, as a list (none: empty). */
    public List<String> lookup(String name) {
        String r = records.get(name);
        return r == null ? List.of() : List.of(r);
    }

    public static String pem(byte[] pkcs8) {
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pkcs8)
                + "\n-----END PRIVATE KEY-----\n";
    }
}

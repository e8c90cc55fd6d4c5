package org.caravan.smtp;

import java.io.File;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

import org.caravan.config.ConfigException;

/**
 * The roots a verified certificate (tls-verify: hostname) must chain to: the JVM's trust store,
 * or one named by the engine setting caravan.tls.trust-store (a private CA, or a test's).
 */
public final class TlsTrust {

    private final KeyStore store;
    private final String origin;

    private TlsTrust(KeyStore store, String origin) {
        this.store = store;
        this.origin = origin;
    }

    /** The JVM's own roots (its cacerts). */
    public static TlsTrust jvm() {
        return new TlsTrust(null, "the JVM's trust store");
    }

    /** The store at path (PKCS12 or JKS, told apart by content); blank path: the JVM's roots. */
    public static TlsTrust of(String key, String path, String password) {
        if (path == null || path.isBlank()) {
            return jvm();
        }
        try {
            char[] pass = password == null ? new char[0] : password.toCharArray();
            return new TlsTrust(KeyStore.getInstance(new File(path), pass), path);
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException(key + ": cannot read trust store " + path + ": " + e.getMessage(), e);
        }
    }

    TrustManager[] managers() {
        try {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(store);
            return f.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot use " + origin + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return origin;
    }
}

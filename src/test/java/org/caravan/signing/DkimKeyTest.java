package org.caravan.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.List;
import java.util.Map;

import org.caravan.config.ConfigException;
import org.caravan.config.DkimKeySpec;
import org.caravan.testsupport.DkimKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A key file that cannot sign stops the start with its config line, its file and what is wrong with it. */
class DkimKeyTest {

    private static final String WHERE = "config/mta.yaml:7: dkim.example.com[0].key-file";

    @TempDir
    Path dir;

    private static DkimSigner load(Path file, String algorithm) {
        return DkimSigner.load(Map.of("example.com", List.of(new DkimKeySpec("example.com", "s1", algorithm, file, WHERE))));
    }

    @Test
    void goodKeysOfBothKindsLoad() throws Exception {
        DkimKeys keys = new DkimKeys(dir);
        assertThat(load(keys.make("example.com", "s1", "rsa-sha256"), "rsa-sha256").signingDomain("example.com"))
                .isEqualTo("example.com");
        assertThat(load(keys.make("example.com", "e1", "ed25519-sha256"), "ed25519-sha256").signingDomain("example.com"))
                .isEqualTo("example.com");
    }

    @Test
    void aMissingFile() {
        Path missing = dir.resolve("nope.pem");
        assertThatThrownBy(() -> load(missing, "rsa-sha256")).isInstanceOf(ConfigException.class)
                .hasMessage(WHERE + ": " + missing + ": no such file");
    }

    @Test
    void anRsaKeyWhereEd25519IsConfigured() throws Exception {
        Path rsa = new DkimKeys(dir).make("example.com", "s1", "rsa-sha256");
        assertThatThrownBy(() -> load(rsa, "ed25519-sha256")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(WHERE + ": " + rsa + ": an RSA key, but the algorithm is ed25519-sha256");
    }

    @Test
    void notAPemPkcs1AndTooShort() throws Exception {
        Path text = Files.writeString(dir.resolve("text.pem"), "hello\n");
        assertThatThrownBy(() -> load(text, "rsa-sha256")).hasMessageContaining("not a PEM private key");
        Path pkcs1 = Files.writeString(dir.resolve("pkcs1.pem"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> load(pkcs1, "rsa-sha256")).hasMessageContaining("PKCS#1").hasMessageContaining("openssl pkcs8 -topk8");
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), DkimKeys.pem(new byte[] {1, 2, 3}));
        assertThatThrownBy(() -> load(garbage, "rsa-sha256")).hasMessageContaining("not a RSA private key");
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(768);
        Path small = Files.writeString(dir.resolve("small.pem"), DkimKeys.pem(g.generateKeyPair().getPrivate().getEncoded()));
        assertThatThrownBy(() -> load(small, "rsa-sha256")).hasMessageContaining("RSA key of 768 bits; at least 1024");
    }
}

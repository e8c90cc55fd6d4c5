package org.caravan.signing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.caravan.config.MtaConfig;
import org.caravan.config.MtaConfigLoader;
import org.caravan.testsupport.DkimCheck;
import org.caravan.testsupport.DkimKeys;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signatures made by DkimSigner verify with an independent verifier, and break when they should. */
class DkimSignerTest {

    @TempDir
    static Path dir;
    static DkimKeys keys;
    static DkimSigner signer;
    static DkimCheck check;

    @BeforeAll
    static void keys() throws Exception {
        keys = new DkimKeys(dir);
        Path rsa = keys.make("example.com", "s1", "rsa-sha256");
        Path ed = keys.make("example.com", "e1", "ed25519-sha256");
        MtaConfig config = MtaConfigLoader.parse("dkim:\n  example.com:\n    - selector: s1\n      key-file: " + rsa
                + "\n    - selector: e1\n      algorithm: ed25519-sha256\n      key-file: " + ed + "\n", Path.of("mta.yaml"));
        signer = DkimSigner.load(config.dkim());
        check = new DkimCheck(keys);
    }

    static byte[] message(String from, String body) {
        return ("Received: from x by y; Tue, 3 Jun 2025 10:00:00 +0000\r\n"
                + "From: Alice <alice@" + from + ">\r\n"
                + "To: bob@example.net,\r\n\t carol@example.org\r\n"
                + "Subject:   folded   \r\n  subject\r\n"
                + "Message-ID: <m1@test>\r\n"
                + "Date: Tue, 3 Jun 2025 10:00:00 +0000\r\n"
                + "\r\n" + body).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void bothSignaturesVerifyAndSurviveDotLinesAndTrailingSpace() throws Exception {
        byte[] signed = signer.sign(message("example.com", ".dot\r\n..two\r\n.\r\nend  \t\r\n\r\n\r\n"), "example.com");

        assertThat(check.validRsa(signed)).containsExactly("d=example.com s=s1 a=rsa-sha256");
        assertThat(check.validEd25519(signed)).containsExactly("d=example.com s=e1 a=ed25519-sha256");
    }

    @Test
    void fromIsOversignedSoASecondFromBreaksTheSignatures() throws Exception {
        byte[] signed = signer.sign(message("example.com", "hi\r\n"), "example.com");
        String text = new String(signed, StandardCharsets.US_ASCII);
        assertThat(DkimCheck.tags(text.substring(0, text.indexOf("\r\nDKIM-Signature") > 0
                ? text.indexOf("\r\nDKIM-Signature") : text.indexOf("\r\nReceived"))).get("h")).startsWith("from:from:");

        byte[] forged = (text.replace("Received: from x", "From: mallory@evil.example\r\nReceived: from x"))
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(check.validRsa(forged)).isEmpty();
        assertThat(check.validEd25519(forged)).isEmpty();
        byte[] bodyChanged = text.replace("hi\r\n", "ho\r\n").getBytes(StandardCharsets.US_ASCII);
        assertThat(check.validRsa(bodyChanged)).isEmpty();
        assertThat(check.validEd25519(bodyChanged)).isEmpty();
    }

    @Test
    void bareLineFeedsAreSignedAsTheCrlfTheWireCarries() throws Exception {
        byte[] lf = new String(message("example.com", "line one\r\n.line two\r\n"), StandardCharsets.US_ASCII)
                .replace("\r\n", "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] signed = signer.sign(lf, "example.com");

        assertThat(new String(signed, StandardCharsets.US_ASCII)).doesNotContainPattern("[^\r]\n");
        assertThat(check.validRsa(signed)).hasSize(1);
        assertThat(check.validEd25519(signed)).hasSize(1);
    }

    @Test
    void aSubdomainIsSignedByItsNearestConfiguredParentAndOthersNotAtAll() throws Exception {
        byte[] sub = signer.sign(message("news.example.com", "hi\r\n"), "news.example.com");
        assertThat(check.validRsa(sub)).containsExactly("d=example.com s=s1 a=rsa-sha256");
        assertThat(signer.signingDomain("NEWS.Example.com")).isEqualTo("example.com");
        assertThat(signer.signingDomain("example.org")).isNull();
        assertThat(signer.signingDomain("notexample.com")).isNull();

        byte[] other = message("example.org", "hi\r\n");
        assertThat(signer.sign(other, "example.org")).isSameAs(other);
    }

    @Test
    void theSignatureFieldIsFoldedToShortLines() {
        String text = new String(signer.sign(message("example.com", "hi\r\n"), "example.com"), StandardCharsets.US_ASCII);
        String head = text.substring(0, text.indexOf("Received:"));
        assertThat(head).startsWith("DKIM-Signature:");
        for (String line : head.split("\r\n")) {
            assertThat(line.length()).as(line).isLessThanOrEqualTo(200);
        }
        assertThat(head.split("\r\n").length).isGreaterThan(6);
    }
}

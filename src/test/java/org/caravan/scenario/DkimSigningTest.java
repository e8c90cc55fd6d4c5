package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.caravan.config.ConfigException;
import org.caravan.testsupport.DkimCheck;
import org.caravan.testsupport.DkimKeys;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mail from a domain with keys arrives with an RSA and an Ed25519 signature that verify on what
 * the receiving server got: after intake's last header change (Bcc removed), the same signature
 * on every recipient domain's copy, dot-leading body lines intact; a subdomain is signed by its
 * parent's key, a domain without keys goes unsigned, and a key that will not load stops the start.
 */
class DkimSigningTest {

    @TempDir
    Path dir;

    @Test
    void signaturesVerifyOnWhatTheServerReceived() throws Exception {
        DkimKeys keys = new DkimKeys(dir);
        Path rsa = keys.make("example.com", "s2026", "rsa-sha256");
        Path ed = keys.make("example.com", "e2026", "ed25519-sha256");
        DkimCheck check = new DkimCheck(keys);
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start("dkim:\n  example.com:\n"
                        + "    - selector: s2026\n      key-file: " + rsa + "\n"
                        + "    - selector: e2026\n      algorithm: ed25519-sha256\n      key-file: " + ed + "\n"
                        + "domain-policies:\n  default:\n    route: 127.0.0.1:" + smtp.port() + "\n")) {
            engine.broker().submit(message("alice@example.com", "<bcc@test>",
                    "Bcc: dave@example.org,\r\n erin@example.com\r\n"), Map.of());
            engine.broker().submit(message("news@news.example.com", "<sub@test>", ""), Map.of());
            engine.broker().submit(message("someone@example.org", "<other@test>", ""), Map.of());

            assertThat(smtp.awaitMessages(5, Duration.ofSeconds(20))).isTrue();
            List<Received> bcc = of(smtp, "<bcc@test>");
            assertThat(bcc).hasSize(3); // example.net, example.org (Bcc), example.com (To + Bcc)
            for (Received r : bcc) {
                assertThat(r.header("Bcc")).isNull();
                assertThat(r.text()).contains("\r\n.leading dot\r\n..two dots\r\n.\r\n");
                assertThat(check.validRsa(r.data())).as("rsa on the copy for %s", r.rcptTo())
                        .containsExactly("d=example.com s=s2026 a=rsa-sha256");
                assertThat(check.validEd25519(r.data())).as("ed25519 on the copy for %s", r.rcptTo())
                        .containsExactly("d=example.com s=e2026 a=ed25519-sha256");
            }
            assertThat(bcc).extracting(r -> signatures(r.text())).as("one signing shared by every copy")
                    .containsOnly(signatures(bcc.get(0).text()));

            Received sub = of(smtp, "<sub@test>").get(0);
            assertThat(check.validRsa(sub.data())).containsExactly("d=example.com s=s2026 a=rsa-sha256");
            assertThat(check.validEd25519(sub.data())).containsExactly("d=example.com s=e2026 a=ed25519-sha256");

            assertThat(of(smtp, "<other@test>").get(0).header("DKIM-Signature")).isNull();
        }
    }

    @Test
    void aKeyThatWillNotLoadStopsTheStartNamingFileAndKey() throws Exception {
        DkimKeys keys = new DkimKeys(dir);
        Path ed = keys.make("example.com", "e1", "ed25519-sha256");
        String yaml = "dkim:\n  example.com:\n    - selector: s1\n      key-file: " + ed + "\n"
                + "domain-policies:\n  default:\n    route: 127.0.0.1:2525\n";

        assertThatThrownBy(() -> Engine.start(yaml).close())
                .rootCause().isInstanceOf(ConfigException.class)
                .hasMessageContaining("mta.yaml:4: dkim.example.com[0].key-file: " + ed)
                .hasMessageContaining("an Ed25519 key, but the algorithm is rsa-sha256");
    }

    private static List<Received> of(ScriptedSmtpServer smtp, String messageId) {
        return smtp.received().stream().filter(r -> messageId.equals(r.messageId())).toList();
    }

    /** The DKIM-Signature fields at the top, as sent. */
    private static String signatures(String text) {
        return text.substring(0, text.indexOf("Received:"));
    }

    private static byte[] message(String from, String messageId, String bcc) {
        return ("From: Sender <" + from + ">\r\n"
                + "To: Bob <bob@example.net>\r\n"
                + bcc
                + "Subject: signed\r\n"
                + "Message-ID: " + messageId + "\r\n"
                + "Date: Tue, 3 Jun 2025 10:00:00 +0000\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\n"
                + "\r\n"
                + "Hello,\r\n"
                + ".leading dot\r\n"
                + "..two dots\r\n"
                + ".\r\n"
                + "Gr\u00fc\u00dfe  \t\r\n"
                + "end.\r\n").getBytes(StandardCharsets.UTF_8);
    }
}

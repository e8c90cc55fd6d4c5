package org.caravan.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.eclipse.angus.mail.smtp.SMTPOutputStream;
import org.junit.jupiter.api.Test;

/** DATA content as Angus Mail's own SMTP stream writes it: line ends, dot-stuffing, the final line end. */
class DataContentTest {

    @Test
    void stuffsLeadingDotsAndMendsLineEnds() throws IOException {
        assertThat(content(".first\r\nmid.dle\r\n..two\r\n.\r\n")).isEqualTo("..first\r\nmid.dle\r\n...two\r\n..\r\n");
        assertThat(content("bare lf\nbare cr\rmixed\r\r\n.after cr\r.x")).isEqualTo(
                "bare lf\r\nbare cr\r\nmixed\r\n\r\n..after cr\r\n..x\r\n");
        assertThat(content("no final line end")).isEqualTo("no final line end\r\n");
        assertThat(content("")).isEmpty();
        assertThat(content("\r")).isEqualTo("\r\n");
    }

    @Test
    void writesWhatAngusMailWrites() throws IOException {
        Random random = new Random(20261204);
        byte[] alphabet = {'\r', '\n', '.', 'a', ' ', (byte) 0xc3, 0};
        for (int round = 0; round < 5000; round++) {
            byte[] raw = new byte[random.nextInt(40)];
            for (int i = 0; i < raw.length; i++) {
                raw[i] = alphabet[random.nextInt(alphabet.length)];
            }
            assertThat(ours(raw)).as("input %s", java.util.Arrays.toString(raw)).isEqualTo(angus(raw));
        }
    }

    private static String content(String raw) throws IOException {
        byte[] in = raw.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = ours(in);
        assertThat(out).isEqualTo(angus(in));
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    private static byte[] ours(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataContent.write(raw, out);
        return out.toByteArray();
    }

    private static byte[] angus(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SMTPOutputStream data = new SMTPOutputStream(out);
        data.write(raw);
        data.ensureAtBOL();
        data.flush();
        return out.toByteArray();
    }
}

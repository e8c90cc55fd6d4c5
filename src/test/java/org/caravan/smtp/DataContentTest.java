package org.caravan.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.eclipse.angus.mail.smtp.SMTPOutputStream;
import org.junit.jupiter.api.Test;

/** DATA content as Angus Mail's own SMTP stream writes it (line ends, dot-stuffing, the final line end), then the dot. */
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
            assertThat(ours(raw)).as("input %s", Arrays.toString(raw)).isEqualTo(angus(raw));
        }
    }

    private static String content(String raw) throws IOException {
        byte[] in = raw.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = ours(in);
        assertThat(out).isEqualTo(angus(in));
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    @Test
    void theTerminatingDotLeavesWithTheLastBytesOfTheContent() throws IOException {
        byte[] raw = "Subject: x\r\n\r\n".concat("line\r\n".repeat(2000)).getBytes(StandardCharsets.US_ASCII);
        List<Integer> writes = new ArrayList<>();
        OutputStream socket = new OutputStream() {
            @Override
            public void write(int b) {
                writes.add(1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes.add(len);
            }
        };
        new DataContent(4096).send(raw, socket);
        assertThat(writes).hasSize(raw.length / 4096 + 1).allMatch(len -> len > 3);
        assertThat(writes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(raw.length + 3);
        writes.clear();
        new DataContent(32 * 1024).send(raw, socket);
        assertThat(writes).containsExactly(raw.length + 3);
    }

    /** Through buffers of several sizes, so that ranges cross the buffer's end; the dot checked and cut. */
    private static byte[] ours(byte[] raw) throws IOException {
        byte[] first = null;
        for (int size : new int[] {1, 3, 7, 64}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new DataContent(size).send(raw, out);
            byte[] all = out.toByteArray();
            assertThat(new String(all, all.length - 3, 3, StandardCharsets.US_ASCII)).isEqualTo(".\r\n");
            byte[] content = Arrays.copyOf(all, all.length - 3);
            assertThat(first == null ? content : first).as("buffer of %d", size).isEqualTo(content);
            first = content;
        }
        return first;
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

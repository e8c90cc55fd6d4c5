package org.caravan.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Properties;

import jakarta.mail.Session;
import org.junit.jupiter.api.Test;

/** Whether a body needs BODY=8BITMIME: one octet above 127 anywhere, the last included. */
class OutboundMessageTest {

    private static final Session SESSION = Session.getInstance(new Properties());

    @Test
    void findsAnEightBitOctetWhereverItIs() {
        for (int length = 0; length <= 40; length++) {
            byte[] ascii = new byte[length];
            Arrays.fill(ascii, (byte) 'a');
            assertThat(message(ascii).eightBit()).as("%d ascii octets", length).isFalse();
            for (int at = 0; at < length; at++) {
                byte[] raw = ascii.clone();
                raw[at] = (byte) (at % 2 == 0 ? 0x80 : 0xff);
                assertThat(message(raw).eightBit()).as("octet %d of %d", at, length).isTrue();
            }
        }
    }

    private static OutboundMessage message(byte[] raw) {
        return new OutboundMessage(SESSION, raw, "<m@t>", "a@example.net", List.of("b@example.org"), List.of());
    }
}

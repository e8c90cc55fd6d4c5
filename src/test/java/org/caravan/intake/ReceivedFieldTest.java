package org.caravan.intake;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Received: field as RFC 5321 4.4 writes it: from, by, with, id, for, date. */
class ReceivedFieldTest {

    private static final long WHEN = 1_796_161_010_000L; // Tue, 1 Dec 2026 21:36:50 +0000

    @Test
    void oneRecipientSubmittedOverStomp() {
        assertThat(ReceivedField.of("192.0.2.7", "STOMP", "mta1.example.com", "ID:7c1f-2a", "alice@example.com", WHEN))
                .isEqualTo("Received: from [192.0.2.7] ([192.0.2.7])\r\n\tby mta1.example.com (Caravan) with STOMP id 7c1f-2a"
                        + "\r\n\tfor <alice@example.com>;\r\n\tTue, 1 Dec 2026 21:36:50 +0000\r\n");
    }

    @Test
    void theDateIsFormattedOncePerSecondButFollowsTheClock() {
        assertThat(ReceivedField.date(WHEN)).isEqualTo("Tue, 1 Dec 2026 21:36:50 +0000");
        assertThat(ReceivedField.date(WHEN + 999)).isEqualTo("Tue, 1 Dec 2026 21:36:50 +0000");
        assertThat(ReceivedField.date(WHEN + 1000)).isEqualTo("Tue, 1 Dec 2026 21:36:51 +0000");
        assertThat(ReceivedField.date(WHEN - 1)).isEqualTo("Tue, 1 Dec 2026 21:36:49 +0000");
    }

    @ParameterizedTest(name = "client {0}, protocol {1}, id {2}")
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
        0:0:0:0:0:0:0:1 | CORE  | ID:abc  | Received: from [IPv6:0:0:0:0:0:0:0:1] ([IPv6:0:0:0:0:0:0:0:1])\\r\\n\\tby h.example (Caravan) with CORE id abc;
        NULL            | NULL  | NULL    | Received: from unknown\\r\\n\\tby h.example (Caravan) with JMS;
        not an ip       | A M Q | <x y>   | Received: from unknown\\r\\n\\tby h.example (Caravan) with JMS;
        """)
    void unknownOrOddPartsNeverBreakTheSyntax(String client, String protocol, String id, String expectedStart) {
        String field = ReceivedField.of(client, protocol, "h.example", id, null, WHEN);

        assertThat(field).startsWith(expectedStart.replace("\\r\\n", "\r\n").replace("\\t", "\t"))
                .endsWith(";\r\n\tTue, 1 Dec 2026 21:36:50 +0000\r\n");
    }
}

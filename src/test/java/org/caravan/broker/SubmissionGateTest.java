package org.caravan.broker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SubmissionGateTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        /127.0.0.1:54321          | 127.0.0.1
        localhost/127.0.0.1:54321 | 127.0.0.1
        /[0:0:0:0:0:0:0:1]:54321  | 0:0:0:0:0:0:0:1
        [2001:db8::7]:61616       | 2001:db8::7
        2001:db8::7               | 2001:db8::7
        invm:0                    | invm
        """)
    void theClientsIpAddressWithoutPortOrName(String remote, String expected) {
        assertThat(SubmissionGate.clientAddress(remote)).isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void theLimitIsTwiceTheMessageSizePlusHeadroom() {
        assertThat(new SubmissionGate(10_000).maxBytes()).isEqualTo(20_000 + 64 * 1024);
    }
}

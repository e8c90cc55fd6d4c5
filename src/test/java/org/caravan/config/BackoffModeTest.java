package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackoffModeTest {

    private static final BackoffMode GMAIL = new BackoffMode(List.of("421-4.7.28", "421 4.7.0"),
            Rate.parse("200/h"), Duration.ofHours(1));
    private static final BackoffMode YAHOO = new BackoffMode(List.of("421 4.7.0 [TS"),
            Rate.parse("100/h"), Duration.ofHours(2));

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "421 4.7.28 Our system has detected an unusual rate of unsolicited mail | true",
        "421-4.7.28 Our system has detected an unusual rate of unsolicited mail | true",
        "421 4.7.0 Try again later, closing connection.                      | true",
        "421-4.7.0 Try again later, closing connection.                      | true",
        "421 4.7.0 TRY AGAIN LATER                                           | true",
        "450 4.2.1 The user you are trying to contact is receiving mail too fast | false",
        "421 4.7.2 something else                                            | false",
        "250 2.0.0 OK                                                        | false",
    })
    void gmailPatterns(String reply, boolean matches) {
        assertThat(GMAIL.matches(reply)).isEqualTo(matches);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume | true",
        "421 4.7.0 [ts01] messages from 192.0.2.1 temporarily deferred                          | true",
        "421 4.7.0 [GL01] Message from 192.0.2.1 temporarily deferred                           | false",
    })
    void yahooPatterns(String reply, boolean matches) {
        assertThat(YAHOO.matches(reply)).isEqualTo(matches);
    }

    @Test
    void noneNeverMatches() {
        assertThat(BackoffMode.NONE.matches("421-4.7.28 anything")).isFalse();
        assertThat(BackoffMode.NONE.patterns()).isEmpty();
        assertThat(GMAIL.matches(null)).isFalse();
    }
}

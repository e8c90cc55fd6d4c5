package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PriorityReaderTest {

    private static final Path FILE = Path.of("config/mta.yaml");

    @Test
    void withoutTheBlockBulkIsBelowFiveAndGetsOneSendInTen() {
        TrafficPriority p = MtaConfigLoader.parse("max-message-size: 1MB\n", FILE).priority();
        assertThat(p).isEqualTo(new TrafficPriority(5, 10));
        assertThat(p.bulkEvery()).isEqualTo(10);
        assertThat(p.bulkSelector()).isEqualTo("JMSPriority < 5");
    }

    @Test
    void readsBothKeys() {
        TrafficPriority p = MtaConfigLoader.parse("priority:\n  bulk-below: 3\n  bulk-share: 25%\n", FILE).priority();
        assertThat(p).isEqualTo(new TrafficPriority(3, 25));
        assertThat(p.bulkEvery()).isEqualTo(4);
        assertThat(MtaConfigLoader.parse("priority:\n  bulk-share: 0%\n", FILE).priority().bulkEvery()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        below zero     | priority:\\n  bulk-below: 0      | config/mta.yaml:2: priority.bulk-below: expected 1-9 (priorities below it are bulk), got '0'
        below ten      | priority:\\n  bulk-below: 10     | config/mta.yaml:2: priority.bulk-below: expected 1-9 (priorities below it are bulk), got '10'
        share no %     | priority:\\n  bulk-share: 10     | config/mta.yaml:2: priority.bulk-share: expected a percentage such as 10%, got '10'
        share too big  | priority:\\n  bulk-share: 60%    | config/mta.yaml:2: priority.bulk-share: expected 0%-50% (the least share of sends bulk gets), got '60%'
        unknown key    | priority:\\n  bulk-ratio: 10%    | config/mta.yaml:2: priority.bulk-ratio: unknown key (expected one of: bulk-below, bulk-share)
        """)
    void rejectsWithFileLineAndKey(String what, String yaml, String expected) {
        assertThatThrownBy(() -> MtaConfigLoader.parse(yaml.replace("\\n", "\n"), FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessage(expected);
    }
}

package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.caravan.outcome.BounceCategory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SuppressionKeysTest {

    private static final Path FILE = Path.of("config/mta.yaml");

    @Test
    void withoutABlockTheDefaultsHold() {
        assertThat(MtaConfigLoader.parse("virtual-mtas:\n  default: {}\n", FILE).suppression())
                .isEqualTo(SuppressionSettings.DEFAULT);
    }

    @Test
    void theBlockSetsEachKey() {
        SuppressionSettings s = MtaConfigLoader.parse("""
                suppression:
                  enabled: false
                  categories: [bad-mailbox, inactive-mailbox]
                  file: lists/s.mv
                """, FILE).suppression();
        assertThat(s.enabled()).isFalse();
        assertThat(s.categories()).containsExactlyInAnyOrder(BounceCategory.BAD_MAILBOX, BounceCategory.INACTIVE_MAILBOX);
        assertThat(s.file()).isEqualTo(Path.of("lists/s.mv"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "suppression:\\n  enabled: maybe\\n|config/mta.yaml:2: suppression.enabled: expected true or false",
        "suppression:\\n  categories: [bad-mailbox, nosuch]\\n|config/mta.yaml:2: suppression.categories[1]: unknown bounce category 'nosuch'",
        "suppression:\\n  file: ../outside.mv\\n|config/mta.yaml:2: suppression.file: expected a file path relative",
        "suppression:\\n  size: 3\\n|config/mta.yaml:2: suppression.size",
    })
    void aBadValueStopsTheStartAtItsLine(String yaml, String message) {
        assertThatThrownBy(() -> MtaConfigLoader.parse(yaml.replace("\\n", "\n"), FILE))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith(message);
    }
}

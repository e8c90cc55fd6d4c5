package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** max-msg-burst: 1 (no burst) unless set, inherited from 'default', a whole number of at least 1. */
class PacingKeysTest {

    private static final Path FILE = Path.of("config/mta.yaml");

    @Test
    void noBurstByDefaultAndPoliciesInheritFromDefault() {
        assertThat(Defaults.policy().maxMsgBurst()).isEqualTo(1);
        MtaConfig config = MtaConfigLoader.parse("""
                domain-policies:
                  inherits:
                    match: [inherits.test]
                  own:
                    match: [own.test]
                    max-msg-burst: 10
                  default:
                    max-msg-rate: 20/s
                    max-msg-burst: 4
                """, FILE);
        assertThat(config.policy("inherits").maxMsgBurst()).isEqualTo(4);
        assertThat(config.policy("own").maxMsgBurst()).isEqualTo(10);
        assertThat(config.policy("default").maxMsgBurst()).isEqualTo(4);
        assertThat(MtaConfigLoader.parse("domain-policies: {}\n", FILE).policy("default").maxMsgBurst()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "2.5", "many", "''", "99999999999"})
    void aBadBurstStopsTheStartNamingFileLineAndKey(String value) {
        assertThatThrownBy(() -> MtaConfigLoader.parse("""
                domain-policies:
                  gmail:
                    match: [gmail.com]
                    max-msg-burst: %s
                """.formatted(value), FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config/mta.yaml:4: domain-policies.gmail.max-msg-burst:");
    }
}

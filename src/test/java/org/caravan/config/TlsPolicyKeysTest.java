package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The TLS keys: opportunistic by default, inherited from 'default', strictly parsed. */
class TlsPolicyKeysTest {

    private static final Path FILE = Path.of("config/mta.yaml");

    @Test
    void opportunisticByDefaultAndHostnameVerificationImpliesRequiredTls() {
        MtaConfig config = MtaConfigLoader.parse("""
                domain-policies:
                  strict:
                    match: [strict.test]
                    tls-verify: hostname
                  plain:
                    match: [plain.test]
                    use-starttls: no
                  default:
                    require-starttls: yes
                    tls-fallback-for: 10m
                """, FILE);
        assertThat(Defaults.policy().tls().level()).isEqualTo(TlsLevel.MAY);
        assertThat(Defaults.policy().tls().fallbackFor()).isEqualTo(Duration.ofHours(1));
        assertThat(config.policy("default").tls().level()).isEqualTo(TlsLevel.ENCRYPT);
        assertThat(config.policy("strict").tls().level()).isEqualTo(TlsLevel.VERIFY);
        assertThat(config.policy("strict").tls().fallbackFor()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.policy("plain").tls().level()).isEqualTo(TlsLevel.NONE);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "use-starttls: maybe      | use-starttls     | expected yes or no",
        "require-starttls: always | require-starttls | expected yes or no",
        "tls-verify: strict       | tls-verify       | expected none or hostname",
        "mta-sts: enforce         | mta-sts          | expected yes or no",
        "tls-fallback-for: ever   | tls-fallback-for | ever",
    })
    void aBadValueStopsTheStartNamingFileLineAndKey(String line, String key, String why) {
        assertThatThrownBy(() -> MtaConfigLoader.parse("domain-policies:\n  default:\n    " + line + "\n", FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config/mta.yaml:3: domain-policies.default." + key + ":")
                .hasMessageContaining(why)
                .hasMessageNotContaining("unknown key");
    }

    @Test
    void requiringTlsWhileSwitchingItOffStopsTheStartAtTheKey() {
        assertThatThrownBy(() -> MtaConfigLoader.parse("""
                domain-policies:
                  default:
                    use-starttls: no
                    tls-verify: hostname
                """, FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config/mta.yaml:4: domain-policies.default.tls-verify:")
                .hasMessageContaining("use-starttls is no");
    }
}

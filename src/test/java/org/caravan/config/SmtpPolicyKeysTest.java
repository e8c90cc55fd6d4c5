package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The SMTP phase timeouts and limits: RFC 5321 defaults, inherited from 'default', strictly parsed. */
class SmtpPolicyKeysTest {

    private static final Path FILE = Path.of("config/mta.yaml");

    @Test
    void defaultsFollowRfc5321AndPoliciesInheritFromDefault() {
        MtaConfig config = MtaConfigLoader.parse("""
                domain-policies:
                  slow:
                    match: [slow.test]
                    data-done-timeout: 20m
                  default:
                    data-timeout: 3m
                    max-rcpt-per-transaction: 50
                """, FILE);
        DomainPolicy slow = config.policy("slow");
        assertThat(slow.dataDoneTimeout()).isEqualTo(Duration.ofMinutes(20));
        assertThat(slow.dataTimeout()).isEqualTo(Duration.ofMinutes(3));
        assertThat(slow.maxRcptPerTransaction()).isEqualTo(50);
        DomainPolicy builtIn = Defaults.policy();
        assertThat(builtIn.dataTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(builtIn.dataBlockTimeout()).isEqualTo(Duration.ofMinutes(3));
        assertThat(builtIn.dataDoneTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(builtIn.transactionTimeout()).isEqualTo(Duration.ofMinutes(20));
        assertThat(builtIn.maxRcptPerTransaction()).isEqualTo(100);
        assertThat(builtIn.maxReplyLines()).isEqualTo(100);
    }

    @Test
    void aBadValueStopsTheStartNamingFileLineAndKey() {
        assertThatThrownBy(() -> MtaConfigLoader.parse("""
                domain-policies:
                  default:
                    transaction-timeout: soon
                """, FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config/mta.yaml:3: domain-policies.default.transaction-timeout:");
        assertThatThrownBy(() -> MtaConfigLoader.parse("""
                domain-policies:
                  default:
                    max-rcpt-per-transaction: 0
                """, FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config/mta.yaml:3: domain-policies.default.max-rcpt-per-transaction:");
    }
}

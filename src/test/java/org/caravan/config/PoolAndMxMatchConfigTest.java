package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** virtual-mta-pools and mx-match in mta.yaml: what they read as, and errors naming file, line and key. */
class PoolAndMxMatchConfigTest {

    private static final Path FILE = Path.of("config/mta.yaml");
    private static final String VMTAS = "virtual-mtas:\n  a: {}\n  b: {}\n";

    @Test
    void poolsReadAsListsOrWeights() {
        MtaConfig config = MtaConfigLoader.parse(VMTAS + """
                virtual-mta-pools:
                  even: { vmtas: [a, b] }
                  tilted:
                    vmtas: { a: 3, b: 1 }
                """, FILE);
        assertThat(config.virtualMtaPools().get("even").members()).containsExactly(Map.entry("a", 1), Map.entry("b", 1));
        assertThat(config.virtualMtaPools().get("tilted").members()).containsExactly(Map.entry("a", 3), Map.entry("b", 1));
    }

    @Test
    void aPoolMayNotShareAVmtasName() {
        assertThatThrownBy(() -> MtaConfigLoader.parse(VMTAS + "virtual-mta-pools:\n  a: { vmtas: [b] }\n", FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config/mta.yaml:5: virtual-mta-pools.a: a virtual MTA has this name already");
    }

    @Test
    void membersMustBeConfiguredVmtas() {
        assertThatThrownBy(() -> MtaConfigLoader.parse(VMTAS + "virtual-mta-pools:\n  p: { vmtas: [a, c] }\n", FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config/mta.yaml:5: virtual-mta-pools.p.vmtas: no virtual MTA named 'c'");
        assertThatThrownBy(() -> MtaConfigLoader.parse(VMTAS + "virtual-mta-pools:\n  p:\n    vmtas:\n      x: 2\n", FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config/mta.yaml:7: virtual-mta-pools.p.vmtas.x: no virtual MTA named 'x'");
    }

    @Test
    void weightsArePositiveWholeNumbersAndAPoolHasMembers() {
        assertThatThrownBy(() -> MtaConfigLoader.parse(VMTAS + "virtual-mta-pools:\n  p: { vmtas: { a: 0 } }\n", FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config/mta.yaml:5: virtual-mta-pools.p.vmtas.a: expected a positive whole number");
        assertThatThrownBy(() -> MtaConfigLoader.parse(VMTAS + "virtual-mta-pools:\n  p: {}\n", FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config/mta.yaml:5: virtual-mta-pools.p: pool needs 'vmtas'");
        assertThatThrownBy(() -> MtaConfigLoader.parse(VMTAS + "virtual-mta-pools:\n  p: { vmtas: [a], extra: 1 }\n", FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config/mta.yaml:5: virtual-mta-pools.p.extra: unknown key");
    }

    @Test
    void mxMatchReadsAndAPolicyMayHaveItInsteadOfMatch() {
        MtaConfig config = MtaConfigLoader.parse("""
                domain-policies:
                  hosted:
                    mx-match: ["*.mail.protection.outlook.com", mx.example.net]
                """, FILE);
        assertThat(config.policy("hosted").mxMatch()).containsExactly("*.mail.protection.outlook.com", "mx.example.net");
        assertThat(config.policy("hosted").match()).isEmpty();
        assertThat(config.defaultPolicy().mxMatch()).as("never inherited").isEmpty();
    }

    @Test
    void badMxMatchEntriesStopTheStart() {
        assertThatThrownBy(() -> MtaConfigLoader.parse("domain-policies:\n  p:\n    mx-match: [\"*\"]\n", FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config/mta.yaml:3: domain-policies.p.mx-match[0]: mx-match '*' would claim every domain");
        assertThatThrownBy(() -> MtaConfigLoader.parse("domain-policies:\n  p:\n    mx-match: [\"*.Google.com\"]\n", FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("domain-policies.p.mx-match[0]: mx-match entry '*.Google.com' must be lower-case");
        assertThatThrownBy(() -> MtaConfigLoader.parse("domain-policies:\n  default:\n    mx-match: [mx.example.net]\n", FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config/mta.yaml:3: domain-policies.default.mx-match: the default policy");
        assertThatThrownBy(() -> MtaConfigLoader.parse("""
                domain-policies:
                  p:
                    mx-match: ["*.example.net"]
                  q:
                    mx-match: ["*.example.net"]
                """, FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config/mta.yaml:5: domain-policies.q.mx-match[0]: mx-match entry '*.example.net'"
                        + " is in both policy 'p' and policy 'q'");
    }
}

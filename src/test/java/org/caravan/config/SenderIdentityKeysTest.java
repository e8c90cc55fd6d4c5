package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The dkim: block and the vmtas' traffic and bulk-compliance keys: parsed, defaulted, bad values named by line. */
class SenderIdentityKeysTest {

    private static final Path FILE = Path.of("config/mta.yaml");

    @Test
    void dkimKeysAreReadInOrderWithRsaAsTheDefaultAlgorithm() {
        MtaConfig c = MtaConfigLoader.parse("""
                dkim:
                  Example.COM:
                    - selector: s2026
                      key-file: /etc/caravan/dkim/example.com.rsa.pem
                    - selector: e2026
                      algorithm: ed25519-sha256
                      key-file: /etc/caravan/dkim/example.com.ed25519.pem
                  example.org:
                    selector: s1
                    key-file: org.pem
                """, FILE);

        assertThat(c.dkim()).containsOnlyKeys("example.com", "example.org");
        assertThat(c.dkim().get("example.com")).extracting(k -> k.selector() + " " + k.algorithm() + " " + k.keyFile()
                + " @ " + k.where()).containsExactly(
                "s2026 rsa-sha256 /etc/caravan/dkim/example.com.rsa.pem @ config/mta.yaml:4: dkim.Example.COM[0].key-file",
                "e2026 ed25519-sha256 /etc/caravan/dkim/example.com.ed25519.pem @ config/mta.yaml:7: dkim.Example.COM[1].key-file");
        assertThat(c.dkim().get("example.org")).singleElement().satisfies(k -> assertThat(k.selector()).isEqualTo("s1"));
        assertThat(MtaConfigLoader.parse("virtual-mtas:\n  default: {}\n", FILE).dkim()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "dkim:\\n  example.com:\\n    - selector: s1\\n      algorithm: rsa-sha1\\n      key-file: k.pem\\n"
                + "| config/mta.yaml:4: dkim.example.com[0].algorithm: unknown algorithm 'rsa-sha1'",
        "dkim:\\n  example.com:\\n    - key-file: k.pem\\n| config/mta.yaml:3: dkim.example.com[0]: needs selector and key-file",
        "dkim:\\n  example.com:\\n    - selector: s1\\n      key: k.pem\\n| config/mta.yaml:4: dkim.example.com[0].key: unknown key",
        "dkim:\\n  example.com:\\n    - selector: bad_sel\\n      key-file: k.pem\\n| config/mta.yaml:3: dkim.example.com[0].selector: bad selector",
        "dkim:\\n  not a domain:\\n    - selector: s1\\n      key-file: k.pem\\n| config/mta.yaml:2: dkim.not a domain: bad host name",
        "dkim:\\n  example.com: []\\n| config/mta.yaml:2: dkim.example.com: empty list",
        "dkim:\\n  a.com:\\n    selector: s\\n    key-file: k\\n  A.com:\\n    selector: s\\n    key-file: k\\n"
                + "| config/mta.yaml:5: dkim.A.com: domain listed twice",
        "virtual-mtas:\\n  news:\\n    traffic: marketing\\n| config/mta.yaml:3: virtual-mtas.news.traffic: unknown value 'marketing'"
                + " (expected transactional or bulk)",
        "virtual-mtas:\\n  news:\\n    bulk-compliance: drop\\n| config/mta.yaml:3: virtual-mtas.news.bulk-compliance: unknown value"
                + " 'drop' (expected warn or reject)",
    })
    void badValuesStopTheStartNamingLineAndKey(String yaml, String message) {
        assertThatThrownBy(() -> MtaConfigLoader.parse(yaml.replace("\\n", "\n"), FILE))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith(message);
    }

    @Test
    void vmtasAreTransactionalAndWarnUnlessTheySaySo() {
        MtaConfig c = MtaConfigLoader.parse("""
                virtual-mtas:
                  default: {}
                  news:
                    traffic: bulk
                  promo:
                    traffic: bulk
                    bulk-compliance: reject
                """, FILE);

        assertThat(c.virtualMtas().get("default").traffic()).isEqualTo(VirtualMta.Traffic.TRANSACTIONAL);
        assertThat(c.virtualMtas().get("default").bulk()).isFalse();
        assertThat(c.virtualMtas().get("news").bulk()).isTrue();
        assertThat(c.virtualMtas().get("news").bulkCompliance()).isEqualTo(VirtualMta.BulkCompliance.WARN);
        assertThat(c.virtualMtas().get("promo").bulkCompliance()).isEqualTo(VirtualMta.BulkCompliance.REJECT);
    }
}

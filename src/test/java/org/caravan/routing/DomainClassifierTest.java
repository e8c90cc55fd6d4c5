package org.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.caravan.config.MtaConfig;
import org.caravan.config.MtaConfigLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DomainClassifierTest {

    private static final MtaConfig CONFIG = MtaConfigLoader.parse("""
            domain-policies:
              gmail:
                match: [gmail.com, googlemail.com]
              corp:
                match: ["*.corp.example"]
              deep:
                match: ["*.eu.corp.example"]
              default:
                max-smtp-out: 2
            """, Path.of("test.yaml"));

    @ParameterizedTest
    @CsvSource({
        "gmail.com, gmail",
        "googlemail.com, gmail",
        "mail.gmail.com, default",
        "a.corp.example, corp",
        "x.eu.corp.example, deep",
        "corp.example, default",
        "example.org, default",
    })
    void classifiesByExactThenLongestSuffixThenDefault(String domain, String policy) {
        assertThat(new DomainClassifier(CONFIG).classify(domain)).isEqualTo(policy);
    }
}

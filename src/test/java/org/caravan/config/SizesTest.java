package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SizesTest {

    @ParameterizedTest
    @CsvSource({
        "1024,  1024",
        "1024B, 1024",
        "512K,  524288",
        "512KB, 524288",
        "50M,   52428800",
        "50MB,  52428800",
        "50mb,  52428800",
        "1G,    1073741824",
        "1GB,   1073741824",
    })
    void parses(String text, long bytes) {
        assertThat(Sizes.parse(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "MB", "50T", "1.5M", "-1", "50 MBB", "999999999999999999G"})
    void rejects(String text) {
        assertThatThrownBy(() -> Sizes.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("bad size '" + text + "'");
    }
}

package org.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 8461 section 3.2 policy files, parsed strictly, and section 4.1 MX matching. */
class MtaStsPolicyTest {

    @Test
    void anEnforcePolicyWithCrLfAndUnknownFields() {
        MtaStsPolicy p = MtaStsPolicy.parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
                + "mx: *.Example.net\r\nfuture_key: ignored\r\nmax_age: 604800\r\n");
        assertThat(p.mode()).isEqualTo(MtaStsPolicy.Mode.ENFORCE);
        assertThat(p.mx()).containsExactly("mail.example.com", "*.example.net");
        assertThat(p.maxAge()).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void aWildcardMatchesExactlyOneLeftmostLabel() {
        MtaStsPolicy p = MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: *.example.net\nmx: mx.example.com\n"
                + "max_age: 86400\n");
        assertThat(p.allows("mx1.example.net")).isTrue();
        assertThat(p.allows("MX1.Example.NET.")).isTrue();
        assertThat(p.allows("a.b.example.net")).isFalse();
        assertThat(p.allows("example.net")).isFalse();
        assertThat(p.allows("mx.example.com")).isTrue();
        assertThat(p.allows("other.example.com")).isFalse();
        assertThat(p.allows(null)).as("an address without an MX name").isFalse();
    }

    @Test
    void noneNeedsNoMx() {
        assertThat(MtaStsPolicy.parse("version: STSv1\nmode: none\nmax_age: 0\n").mode())
                .isEqualTo(MtaStsPolicy.Mode.NONE);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "mode: enforce\\nversion: STSv1\\nmx: a.example\\nmax_age: 1 | the first field must be version",
        "version: STSv2\\nmode: enforce\\nmx: a.example\\nmax_age: 1 | version must be STSv1",
        "version: STSv1\\nmode: strict\\nmx: a.example\\nmax_age: 1  | mode must be",
        "version: STSv1\\nmode: enforce\\nmax_age: 1                 | needs mx",
        "version: STSv1\\nmode: enforce\\nmx: a.example               | required",
        "version: STSv1\\nmode: enforce\\nmx: a.example\\nmax_age: 31557601 | max_age above",
        "version: STSv1\\nmode: enforce\\nmx: a.example\\nmax_age: -5 | whole number",
        "version: STSv1\\nmode: enforce\\nmode: none\\nmx: a.example\\nmax_age: 1 | given twice",
        "version: STSv1\\nmode: enforce\\nmx: *.*.example\\nmax_age: 1 | not a host name",
        "version: STSv1\\nmode: enforce\\nmx: localhost\\nmax_age: 1 | with a dot",
        "version: STSv1\\nmode enforce\\nmx: a.example\\nmax_age: 1  | not 'key: value'",
    })
    void aBadPolicyIsRefusedWhole(String body, String why) {
        assertThatThrownBy(() -> MtaStsPolicy.parse(body.replace("\\n", "\n")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(why);
    }
}

package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

class KnownSettingsTest {

    private final KnownSettings known = KnownSettings.fromClasspath(getClass().getClassLoader());

    @Test
    void everyKeyOfTheApplicationPropertiesFilesIsKnownWithoutAHandKeptList() {
        assertThat(known.knows("caravan.intake.commit-batch")).isTrue();          // application.properties
        assertThat(known.knows("caravan.demo.gmail.accepts")).isTrue();           // application-demo.properties
        assertThat(known.knows("caravan.admin.open")).isTrue();                   // application-dev.properties
        assertThat(known.knows("caravan.home")).isTrue();                         // optional, no default
        assertThat(known.knows("caravan.mta-sts.fetch-timeout")).isTrue();
        assertThat(known.knows("caravan.intake.commit-batc")).isFalse();
        assertThat(known.knows("caravan.nothing")).isFalse();
    }

    @Test
    void relaxedSpellingsOfAKnownKeyAreKnown() {
        assertThat(known.knows("caravan.broker.journalBufferTimeoutNs")).isTrue();
        assertThat(known.knows("CARAVAN.BROKER.JOURNAL_BUFFER_TIMEOUT_NS")).isTrue();
    }

    @Test
    void anUnknownCaravanSettingFailsNamingItAndItsSource() {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("commandLineArgs",
                Map.of("caravan.broker.prot", "1", "caravan.broker.port", "2", "spring.whatever", "x")));

        assertThatThrownBy(() -> known.check(env)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown setting caravan.broker.prot (commandLineArgs)")
                .hasMessageNotContaining("caravan.broker.port ");
    }

    @Test
    void environmentVariablesAreNotChecked() {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new SystemEnvironmentPropertySource("systemEnvironment",
                Map.of("CARAVAN_JAVA_OPTS", "-Xmx1g")));

        known.check(env); // a shell's unrelated CARAVAN_* variable does not stop the engine
    }
}

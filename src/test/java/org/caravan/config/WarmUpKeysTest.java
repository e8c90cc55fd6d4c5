package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The warm-up: block: what it reads, and a bad value stopping the start at its line. */
class WarmUpKeysTest {

    private static final Path FILE = Path.of("config/mta.yaml");
    private static final String HEAD = "virtual-mtas:\n  mta2: {}\n  warm: {}\n";

    @Test
    void readsSchedulesAndLines() {
        MtaConfig c = MtaConfigLoader.parse(HEAD + """
                warm-up:
                  schedules:
                    new-ip: {max-msg-per-day: [200, 500], max-msg-per-hour: 50, advance-at: 80%}
                  virtual-mtas:
                    mta2: {schedule: new-ip, domain-policies: [gmail]}
                """, FILE);
        WarmUpPlan.Schedule s = c.warmUp().scheduleOf("mta2", "gmail");
        assertThat(s.perDay()).isEqualTo(List.of(200, 500));
        assertThat(s.perHour()).isEqualTo(List.of(50, 50));
        assertThat(s.nearCap()).isEqualTo(0.8);
        assertThat(c.warmUp().scheduleOf("mta2", "yahoo")).isNull();
        assertThat(c.warmUp().scheduleOf("warm", "gmail")).isNull();
    }

    @Test
    void anUnknownScheduleStopsTheStartAtItsLine() {
        assertThatThrownBy(() -> MtaConfigLoader.parse(HEAD + """
                warm-up:
                  schedules:
                    new-ip: {max-msg-per-day: [200]}
                  virtual-mtas:
                    mta2:
                      schedule: old-ip
                """, FILE)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config/mta.yaml:9: warm-up.virtual-mtas.mta2.schedule: no warm-up schedule 'old-ip'");
    }

    @Test
    void aBadCapOrShareStopsTheStart() {
        assertThatThrownBy(() -> MtaConfigLoader.parse(HEAD
                + "warm-up:\n  schedules:\n    s: {max-msg-per-day: [200, 0]}\n", FILE))
                .isInstanceOf(ConfigException.class).hasMessageContaining("config/mta.yaml:6:")
                .hasMessageContaining("max-msg-per-day");
        assertThatThrownBy(() -> MtaConfigLoader.parse(HEAD
                + "warm-up:\n  schedules:\n    s: {max-msg-per-day: [200], advance-at: 150%}\n", FILE))
                .isInstanceOf(ConfigException.class).hasMessageContaining("advance-at");
        assertThatThrownBy(() -> MtaConfigLoader.parse(HEAD
                + "warm-up:\n  virtual-mtas:\n    nope: {schedule: s}\n", FILE))
                .isInstanceOf(ConfigException.class).hasMessageContaining("no virtual MTA of that name");
    }
}

package org.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.caravan.config.MtaConfigLoader;
import org.junit.jupiter.api.Test;

/** Pool selection: turns for a list, smooth weighted round-robin for weights. */
class VirtualMtaPoolsTest {

    private final VirtualMtaPools pools = new VirtualMtaPools(MtaConfigLoader.parse("""
            virtual-mtas:
              a: {}
              b: {}
              c: {}
            virtual-mta-pools:
              turns: { vmtas: [a, b, c] }
              weighted: { vmtas: { a: 3, b: 1 } }
              heavy: { vmtas: { a: 5, b: 1, c: 1 } }
            """, Path.of("mta.yaml")));

    @Test
    void aListTakesTurns() {
        assertThat(picks("turns", 6)).containsExactly("a", "b", "c", "a", "b", "c");
    }

    @Test
    void weightsInterleaveRatherThanBurst() {
        assertThat(picks("weighted", 8)).containsExactly("a", "a", "b", "a", "a", "a", "b", "a");
        // nginx's example: 5:1:1 gives a a b a c a a, never five a's in a row
        assertThat(picks("heavy", 7)).containsExactly("a", "a", "b", "a", "c", "a", "a");
    }

    @Test
    void aVmtaNameIsItselfAndUnknownNamesAreLeftForIntakeToRefuse() {
        assertThat(pools.knows("a")).isTrue();
        assertThat(pools.knows("turns")).isTrue();
        assertThat(pools.knows("nope")).isFalse();
        assertThat(pools.pick("b")).isEqualTo("b");
        assertThat(pools.pick(null)).isNull();
    }

    private List<String> picks(String pool, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(pools.pick(pool));
        }
        return out;
    }
}

package org.caravan.routing;

import java.util.HashMap;
import java.util.Map;

import org.caravan.config.MtaConfig;
import org.caravan.config.VirtualMtaPool;

/**
 * Picks the virtual MTA of a submission that names a pool (virtual-mta-pools in mta.yaml):
 * smooth weighted round-robin (as nginx balances upstreams), so a pool { a: 3, b: 1 } sends
 * a, a, b, a, ... interleaved rather than in bursts, and a plain list takes turns. The turn is
 * per engine and starts afresh at each start; shares hold over many submissions.
 */
public final class VirtualMtaPools {

    private final MtaConfig config;
    private final Map<String, Turns> pools = new HashMap<>();
    /** Members taken out of their pools until then (epoch millis): a reply rule's disable-source-ip. */
    private final Map<String, Long> disabled = new java.util.concurrent.ConcurrentHashMap<>();

    public VirtualMtaPools(MtaConfig config) {
        this.config = config;
        config.virtualMtaPools().values().forEach(p -> pools.put(p.name(), new Turns(p)));
    }

    /** Whether the name is a virtual MTA or a pool of them. */
    public boolean knows(String name) {
        return config.hasVmta(name) || pools.containsKey(name);
    }

    /** The name itself for a virtual MTA (or a name neither knows); the next member for a pool. */
    public String pick(String name) {
        Turns pool = name == null ? null : pools.get(name);
        if (pool == null) {
            return name;
        }
        if (!disabled.isEmpty()) {
            long now = System.currentTimeMillis();
            disabled.values().removeIf(until -> until <= now);
            for (int i = 0; i < pool.members.length; i++) { // one turn each at most, then whoever is next
                String vmta = pool.next();
                if (!disabled.containsKey(vmta)) {
                    return vmta;
                }
            }
        }
        return pool.next();
    }

    /**
     * Takes a virtual MTA out of every pool until then: submissions naming a pool go to its other
     * members (all of them disabled: the pool's turn as usual, since the mail has to wait somewhere).
     */
    public void disable(String vmta, long untilMillis) {
        disabled.merge(vmta, untilMillis, Math::max);
    }

    /** Each member's running credit: every pick adds each member's weight, the richest is picked and pays the total. */
    private static final class Turns {
        private final String[] members;
        private final int[] weights;
        private final long[] credit;
        private final long total;

        Turns(VirtualMtaPool pool) {
            members = pool.members().keySet().toArray(String[]::new);
            weights = pool.members().values().stream().mapToInt(Integer::intValue).toArray();
            credit = new long[members.length];
            total = java.util.Arrays.stream(weights).asLongStream().sum();
        }

        synchronized String next() {
            int best = 0;
            for (int i = 0; i < members.length; i++) {
                credit[i] += weights[i];
                if (credit[i] > credit[best]) {
                    best = i;
                }
            }
            credit[best] -= total;
            return members[best];
        }
    }
}

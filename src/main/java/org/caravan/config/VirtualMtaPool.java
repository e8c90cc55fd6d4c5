package org.caravan.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A named group of virtual MTAs a submission may name instead of one (PowerMTA's
 * virtual-mta-pool): each submission gets one member, in proportion to the members' weights.
 *
 * @param members vmta name -> weight (1 each for a plain list), in file order
 */
public record VirtualMtaPool(String name, Map<String, Integer> members) {

    public VirtualMtaPool {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("pool " + name + " has no members");
        }
        members.values().forEach(w -> {
            if (w < 1) {
                throw new IllegalArgumentException("pool " + name + ": weights must be positive");
            }
        });
        members = Collections.unmodifiableMap(new LinkedHashMap<>(members));
    }
}

package org.caravan.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the virtual-mta-pools block: {@code <pool>: { vmtas: [a, b] }} (equal shares) or
 * {@code <pool>: { vmtas: { a: 3, b: 1 } }} (weighted). A pool's name may not be a vmta's, since a
 * submission's vmta property names either; every member must be a configured vmta.
 */
final class PoolReader {

    static final Set<String> POOL_KEYS = YamlMap.keys("vmtas");

    private PoolReader() {
    }

    static Map<String, VirtualMtaPool> read(YamlMap block, Set<String> vmtas) {
        Map<String, VirtualMtaPool> out = new LinkedHashMap<>();
        if (block == null) {
            return out;
        }
        for (Map.Entry<String, YamlMap> e : block.blocks(Values::name, POOL_KEYS).entrySet()) {
            String name = e.getKey();
            YamlMap pool = e.getValue();
            if (vmtas.contains(name)) {
                throw block.errorAtKey(name, "a virtual MTA has this name already; a submission's vmta must name one or the other");
            }
            if (!pool.has("vmtas")) {
                throw pool.error("pool needs 'vmtas': a list [a, b] or weights { a: 3, b: 1 }");
            }
            Map<String, Integer> members = new LinkedHashMap<>();
            if (pool.isMapping("vmtas")) {
                YamlMap weights = pool.map("vmtas", null);
                for (String member : weights.keys()) {
                    members.put(member(weights, member, vmtas), weights.scalar(member, Values::positiveInt));
                }
                if (members.isEmpty()) {
                    throw pool.errorAtKey("vmtas", "no members");
                }
            } else {
                List<String> list = pool.list("vmtas", v -> v);
                for (String member : list) {
                    if (members.put(member, 1) != null) {
                        throw pool.errorAtKey("vmtas", "'" + member + "' is listed twice");
                    }
                    if (!vmtas.contains(member)) {
                        throw pool.errorAtKey("vmtas", "no virtual MTA named '" + member + "' (virtual-mtas lists "
                                + String.join(", ", vmtas) + ")");
                    }
                }
            }
            out.put(name, new VirtualMtaPool(name, members));
        }
        return out;
    }

    private static String member(YamlMap weights, String member, Set<String> vmtas) {
        if (!vmtas.contains(member)) {
            throw weights.errorAtKey(member, "no virtual MTA named '" + member + "' (virtual-mtas lists "
                    + String.join(", ", vmtas) + ")");
        }
        return member;
    }
}

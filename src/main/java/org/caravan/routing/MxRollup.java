package org.caravan.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.caravan.config.DomainPolicy;
import org.caravan.config.MtaConfig;

/**
 * MX host names -> policy, from the policies' mx-match patterns (PowerMTA's mx-rollup): each MX
 * host takes the policy of its most specific pattern (an exact host, then the longest
 * '*.suffix'), and the domain gets that policy only when every one of its MX hosts agrees. One
 * host elsewhere (a filtering service in front, a backup MX of its own) and the domain is not the
 * provider's alone, so no provider's limits are claimed for it.
 */
public final class MxRollup {

    private final Map<String, String> exact = new HashMap<>();
    private final List<Map.Entry<String, String>> suffixes = new ArrayList<>();

    public MxRollup(MtaConfig config) {
        for (DomainPolicy policy : config.policies().values()) {
            for (String pattern : policy.mxMatch()) {
                if (pattern.startsWith("*.")) {
                    suffixes.add(Map.entry(pattern.substring(1), policy.name()));
                } else {
                    exact.put(pattern, policy.name());
                }
            }
        }
        suffixes.sort(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed());
    }

    /** Whether any policy has mx-match; without one, classification never needs DNS. */
    public boolean active() {
        return !exact.isEmpty() || !suffixes.isEmpty();
    }

    /** The policy all of these MX hosts (lower case, no trailing dot) belong to, or null. */
    public String policyOf(List<String> mxHosts) {
        String agreed = null;
        for (String host : mxHosts) {
            String policy = policyOfHost(host);
            if (policy == null || (agreed != null && !agreed.equals(policy))) {
                return null;
            }
            agreed = policy;
        }
        return agreed;
    }

    private String policyOfHost(String host) {
        String policy = exact.get(host);
        if (policy != null) {
            return policy;
        }
        for (Map.Entry<String, String> s : suffixes) {
            if (host.endsWith(s.getKey())) {
                return s.getValue();
            }
        }
        return null;
    }
}

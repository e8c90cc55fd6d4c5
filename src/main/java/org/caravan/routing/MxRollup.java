package org.caravan.routing;

import java.util.List;

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

    private final NamePatterns hosts = new NamePatterns();

    public MxRollup(MtaConfig config) {
        for (DomainPolicy policy : config.policies().values()) {
            for (String pattern : policy.mxMatch()) {
                hosts.add(pattern, policy.name());
            }
        }
    }

    /** Whether any policy has mx-match; without one, classification never needs DNS. */
    public boolean active() {
        return !hosts.isEmpty();
    }

    /** The policy all of these MX hosts (lower case, no trailing dot) belong to, or null. */
    public String policyOf(List<String> mxHosts) {
        String agreed = null;
        for (String host : mxHosts) {
            String policy = hosts.match(host);
            if (policy == null || (agreed != null && !agreed.equals(policy))) {
                return null;
            }
            agreed = policy;
        }
        return agreed;
    }

}

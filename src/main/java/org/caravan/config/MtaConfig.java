package org.caravan.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole of config/mta.yaml, validated: virtual MTAs and domain policies by name, in file
 * order, each map always holding a "default" entry.
 *
 * @param maxRcptPerSubmission most recipients one submission may list (duplicates included)
 * @param maxFanoutSize        most bytes one submission may queue: its size times its recipient domains
 * @param virtualMtaPools      pools a submission's vmta property may name instead of a vmta, by name
 * @param warmUp               the warm-up: block, NONE when absent
 * @param dkim                 sender domain -> its DKIM keys (the dkim: block), empty when nothing is signed
 * @param priority             which mail is bulk and the least share of each line's sends it gets (the priority: block)
 */
public record MtaConfig(
        Path source,
        Map<String, VirtualMta> virtualMtas,
        Map<String, DomainPolicy> policies,
        long maxMessageSize,
        int maxRcptPerSubmission,
        long maxFanoutSize,
        Map<String, VirtualMtaPool> virtualMtaPools,
        Map<String, java.util.List<DkimKeySpec>> dkim,
        SuppressionSettings suppression,
        WarmUpPlan warmUp,
        TrafficPriority priority) {

    /** A config without virtual MTA pools or DKIM keys. */
    public MtaConfig(Path source, Map<String, VirtualMta> virtualMtas, Map<String, DomainPolicy> policies,
            long maxMessageSize, int maxRcptPerSubmission, long maxFanoutSize) {
        this(source, virtualMtas, policies, maxMessageSize, maxRcptPerSubmission, maxFanoutSize, Map.of(), Map.of());
    }

    /** A config with the default suppression settings and priority block, and no warm-up. */
    public MtaConfig(Path source, Map<String, VirtualMta> virtualMtas, Map<String, DomainPolicy> policies,
            long maxMessageSize, int maxRcptPerSubmission, long maxFanoutSize, Map<String, VirtualMtaPool> virtualMtaPools,
            Map<String, java.util.List<DkimKeySpec>> dkim) {
        this(source, virtualMtas, policies, maxMessageSize, maxRcptPerSubmission, maxFanoutSize, virtualMtaPools, dkim,
                SuppressionSettings.DEFAULT, WarmUpPlan.NONE, TrafficPriority.DEFAULT);
    }

    public MtaConfig {
        virtualMtaPools = Collections.unmodifiableMap(new LinkedHashMap<>(virtualMtaPools));
        virtualMtas = Collections.unmodifiableMap(new LinkedHashMap<>(virtualMtas));
        policies = Collections.unmodifiableMap(new LinkedHashMap<>(policies));
        dkim = dkim == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(dkim));
        suppression = suppression == null ? SuppressionSettings.DEFAULT : suppression;
        warmUp = warmUp == null ? WarmUpPlan.NONE : warmUp;
        priority = priority == null ? TrafficPriority.DEFAULT : priority;
        if (!virtualMtas.containsKey(VirtualMta.DEFAULT) || !policies.containsKey(DomainPolicy.DEFAULT)) {
            throw new IllegalArgumentException("a 'default' virtual MTA and a 'default' policy must exist");
        }
        if (maxMessageSize < 1) {
            throw new IllegalArgumentException("max-message-size must be positive, got " + maxMessageSize);
        }
        if (maxRcptPerSubmission < 1 || maxFanoutSize < 1) {
            throw new IllegalArgumentException("max-rcpt-per-submission and max-fanout-size must be positive");
        }
    }

    /** The named policy; throws IllegalArgumentException for a name the config does not define. */
    public DomainPolicy policy(String name) {
        DomainPolicy p = policies.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no domain policy '" + name + "' in " + source);
        }
        return p;
    }

    /** The catch-all policy every unmatched domain gets. */
    public DomainPolicy defaultPolicy() {
        return policies.get(DomainPolicy.DEFAULT);
    }

    public boolean hasVmta(String name) {
        return virtualMtas.containsKey(name);
    }
}

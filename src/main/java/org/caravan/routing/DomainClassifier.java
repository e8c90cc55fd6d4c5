package org.caravan.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.caravan.config.DomainPolicy;
import org.caravan.config.MtaConfig;

/**
 * Recipient domain -> policy name, from the policies' match lists: an exact name wins, then the
 * longest matching '*.suffix', then '*', then the default policy.
 */
public final class DomainClassifier {

    public static final String DEFAULT_POLICY = "default";

    private final Map<String, String> exact = new HashMap<>();
    private final List<Map.Entry<String, String>> suffixes = new ArrayList<>();
    private String star = DEFAULT_POLICY;

    public DomainClassifier(MtaConfig config) {
        for (DomainPolicy policy : config.policies().values()) {
            for (String m : policy.match()) {
                if (m.equals("*")) {
                    if (!policy.name().equals(DEFAULT_POLICY)) {
                        star = policy.name();
                    }
                } else if (m.startsWith("*.")) {
                    suffixes.add(Map.entry(m.substring(1), policy.name()));
                } else {
                    exact.put(m, policy.name());
                }
            }
        }
        suffixes.sort(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed());
    }

    /** The policy for a lower-case domain. */
    public String classify(String domain) {
        String policy = exact.get(domain);
        if (policy != null) {
            return policy;
        }
        for (Map.Entry<String, String> s : suffixes) {
            if (domain.endsWith(s.getKey())) {
                return s.getValue();
            }
        }
        return star;
    }
}

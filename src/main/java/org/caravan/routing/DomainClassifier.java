package org.caravan.routing;

import java.util.List;

import org.caravan.config.DomainPolicy;
import org.caravan.config.MtaConfig;

/**
 * Recipient domain -> policy name: an exact name in a match list wins, then the longest matching
 * '*.suffix', then the policy whose mx-match claims all of the domain's MX hosts ({@link MxRollup}),
 * then '*', then the default policy. Intake asks {@link #atIntake} (never waits for DNS); the
 * classification stage asks {@link #resolving} for what intake could not decide.
 */
public final class DomainClassifier {

    public static final String DEFAULT_POLICY = "default";

    private final NamePatterns names = new NamePatterns();
    private String star = DEFAULT_POLICY;
    private final MxRollup rollup;
    private final MxResolver mx;

    /** Classifies by name only. */
    public DomainClassifier(MtaConfig config) {
        this(config, null);
    }

    /** Classifies by name, then by MX host through the resolver (its cache is the one delivery uses). */
    public DomainClassifier(MtaConfig config, MxResolver mx) {
        for (DomainPolicy policy : config.policies().values()) {
            for (String m : policy.match()) {
                if (m.equals("*")) {
                    if (!policy.name().equals(DEFAULT_POLICY)) {
                        star = policy.name();
                    }
                } else {
                    names.add(m, policy.name());
                }
            }
        }
        this.rollup = new MxRollup(config);
        this.mx = mx;
    }

    /** The policy for a lower-case domain by its name alone (exact, suffix, '*', default). */
    public String classify(String domain) {
        String policy = byName(domain);
        return policy != null ? policy : star;
    }

    /**
     * The policy as far as intake can tell without waiting: by name, else from MX hosts already
     * cached; null when the domain's MX hosts must be looked up first (the classification stage).
     */
    public String atIntake(String domain) {
        String policy = byName(domain);
        if (policy != null || !needsMx(domain)) {
            return policy != null ? policy : star;
        }
        List<String> hosts = mx.cachedMxHosts(domain);
        return hosts == null ? null : byMx(hosts);
    }

    /**
     * The policy, looking the MX hosts up if need be. A domain that does not exist or has no MX
     * gets the name-based answer: delivery then bounces or delivers it on its own lookup.
     *
     * @throws MxLookupException only for a transient failure of the MX query (timeout, SERVFAIL)
     */
    public String resolving(String domain) throws MxLookupException {
        String policy = byName(domain);
        if (policy != null || !needsMx(domain)) {
            return policy != null ? policy : star;
        }
        try {
            return byMx(mx.mxHosts(domain));
        } catch (MxLookupException e) {
            if (e.permanent()) {
                return star; // not a DNS name: no MX can ever match, and delivery bounces it
            }
            throw e;
        }
    }

    private boolean needsMx(String domain) {
        return mx != null && rollup.active() && !domain.startsWith("[");
    }

    private String byMx(List<String> hosts) {
        String policy = rollup.policyOf(hosts);
        return policy != null ? policy : star;
    }

    private String byName(String domain) {
        return names.match(domain);
    }
}

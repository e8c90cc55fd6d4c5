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

    /**
     * What one version of mta.yaml says: swapped whole by {@link #reconfigure}, and read once per
     * question, so a classification never mixes the old file's patterns with the new one's.
     */
    private record Rules(NamePatterns names, String star, MxRollup rollup) {

        static Rules of(MtaConfig config) {
            NamePatterns names = new NamePatterns();
            String star = DEFAULT_POLICY;
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
            return new Rules(names, star, new MxRollup(config));
        }
    }

    private volatile Rules rules;
    private final MxResolver mx;

    /** Classifies by name only. */
    public DomainClassifier(MtaConfig config) {
        this(config, null);
    }

    /** Classifies by name, then by MX host through the resolver (its cache is the one delivery uses). */
    public DomainClassifier(MtaConfig config, MxResolver mx) {
        this.rules = Rules.of(config);
        this.mx = mx;
    }

    /** Takes the match and mx-match patterns of a reloaded mta.yaml, all at once. */
    public void reconfigure(MtaConfig config) {
        this.rules = Rules.of(config);
    }

    /** The policy for a lower-case domain by its name alone (exact, suffix, '*', default). */
    public String classify(String domain) {
        Rules r = rules;
        String policy = r.names().match(domain);
        return policy != null ? policy : r.star();
    }

    /**
     * The policy as far as intake can tell without waiting: by name, else from MX hosts already
     * cached; null when the domain's MX hosts must be looked up first (the classification stage).
     */
    public String atIntake(String domain) {
        Rules r = rules;
        String policy = r.names().match(domain);
        if (policy != null || !needsMx(r, domain)) {
            return policy != null ? policy : r.star();
        }
        List<String> hosts = mx.cachedMxHosts(domain);
        return hosts == null ? null : byMx(r, hosts);
    }

    /**
     * The policy, looking the MX hosts up if need be. A domain that does not exist or has no MX
     * gets the name-based answer: delivery then bounces or delivers it on its own lookup.
     *
     * @throws MxLookupException only for a transient failure of the MX query (timeout, SERVFAIL)
     */
    public String resolving(String domain) throws MxLookupException {
        Rules r = rules;
        String policy = r.names().match(domain);
        if (policy != null || !needsMx(r, domain)) {
            return policy != null ? policy : r.star();
        }
        try {
            return byMx(r, mx.mxHosts(domain));
        } catch (MxLookupException e) {
            if (e.permanent()) {
                return r.star(); // not a DNS name: no MX can ever match, and delivery bounces it
            }
            throw e;
        }
    }

    private boolean needsMx(Rules r, String domain) {
        return mx != null && r.rollup().active() && !domain.startsWith("[");
    }

    private static String byMx(Rules r, List<String> hosts) {
        String policy = r.rollup().policyOf(hosts);
        return policy != null ? policy : r.star();
    }
}

package org.caravan.delivery;

import java.util.List;

import org.caravan.config.TlsLevel;
import org.caravan.routing.MtaStsPolicy;
import org.caravan.routing.NextHop;
import org.caravan.smtp.SmtpReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a recipient domain's MTA-STS policy does to one delivery (RFC 8461 section 5): enforce keeps
 * only the MX hosts its mx patterns name and demands verified TLS (certificate chain and MX name);
 * no MX left defers; testing only logs what enforce would refuse; none, or no policy, changes nothing.
 */
record StsEnforcement(List<NextHop> hops, TlsLevel demand, SmtpReply settled) {

    static final StsEnforcement NOTHING = new StsEnforcement(List.of(), TlsLevel.NONE, null);
    private static final Logger LOG = LoggerFactory.getLogger(StsEnforcement.class);

    static StsEnforcement of(MtaStsPolicy policy, String domain, List<NextHop> hops) {
        if (policy == null || policy.mode() == MtaStsPolicy.Mode.NONE) {
            return new StsEnforcement(hops, TlsLevel.NONE, null);
        }
        List<NextHop> allowed = hops.stream().filter(h -> policy.allows(h.mxName())).toList();
        if (policy.mode() == MtaStsPolicy.Mode.TESTING) {
            if (allowed.size() < hops.size()) {
                LOG.info("MTA-STS testing policy of {} would refuse MX hosts {} (mx: {})", domain,
                        hops.stream().filter(h -> !allowed.contains(h)).map(NextHop::tlsName).distinct().toList(),
                        policy.mx());
            }
            return new StsEnforcement(hops, TlsLevel.NONE, null);
        }
        if (allowed.isEmpty()) {
            return new StsEnforcement(hops, TlsLevel.VERIFY, new SmtpReply(451, "4.7.5",
                    "no MX host of " + domain + " matches its MTA-STS policy (mx: " + String.join(", ", policy.mx()) + ")"));
        }
        return new StsEnforcement(allowed, TlsLevel.VERIFY, null);
    }
}

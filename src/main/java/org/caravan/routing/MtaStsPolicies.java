package org.caravan.routing;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recipient domains' MTA-STS policies (RFC 8461): the _mta-sts TXT record says whether the domain
 * has one and which (id); the policy file is fetched when the id is new and kept for its max_age.
 * A failed lookup or fetch keeps a policy still in its max_age (RFC 8461 5.1: an attacker who
 * blocks the lookup must not switch the policy off); without one the domain has no policy.
 */
public final class MtaStsPolicies {

    /** How long a TXT answer is trusted before it is asked again: not a query per message. */
    public static final Duration TXT_RECHECK = Duration.ofMinutes(5);
    private static final int MAX_DOMAINS = 10_000;
    private static final Pattern STS_ID = Pattern.compile("(?:^|;)\\s*id=([A-Za-z0-9]{1,32})\\s*(?:;|$)");
    private static final Logger LOG = LoggerFactory.getLogger(MtaStsPolicies.class);

    private final DnsQueries dns;
    private final MtaStsFetcher fetcher;
    private final Clock clock;
    private final Map<String, Known> known = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Known> eldest) {
            return size() > MAX_DOMAINS;
        }
    };

    public MtaStsPolicies(Resolver resolver, Duration dnsTimeout, MtaStsFetcher fetcher, Clock clock) {
        this.dns = new DnsQueries(resolver, dnsTimeout.multipliedBy(2));
        this.fetcher = fetcher;
        this.clock = clock;
    }

    /** What is known of one domain: its policy (or null), the TXT id it came with, until when each holds. */
    private record Known(MtaStsPolicy policy, String id, Instant expires, Instant recheck) {}

    /** The domain's policy in force, or null when it has none (or none could be had). */
    public MtaStsPolicy policyFor(String domain) {
        Instant now = clock.instant();
        Known cached;
        synchronized (known) {
            cached = known.get(domain);
        }
        if (cached != null && now.isBefore(cached.recheck())) {
            return live(cached, now);
        }
        Known fresh = refresh(domain, cached, now);
        synchronized (known) {
            known.put(domain, fresh);
        }
        return live(fresh, now);
    }

    private static MtaStsPolicy live(Known k, Instant now) {
        return k.policy() != null && now.isBefore(k.expires()) ? k.policy() : null;
    }

    private Known refresh(String domain, Known cached, Instant now) {
        Instant recheck = now.plus(TXT_RECHECK);
        Instant keep = cached == null ? now : cached.expires();
        String id;
        try {
            id = stsId(domain);
        } catch (MxLookupException | TextParseException e) {
            LOG.debug("MTA-STS TXT lookup for {} failed: {}", domain, e.getMessage());
            return cached == null ? new Known(null, null, now, recheck) : new Known(cached.policy(), cached.id(), keep, recheck);
        }
        if (id == null) {
            // no (valid) record: a cached policy stays until its max_age (RFC 8461 3.1)
            return cached == null ? new Known(null, null, now, recheck) : new Known(cached.policy(), cached.id(), keep, recheck);
        }
        if (cached != null && id.equals(cached.id()) && cached.policy() != null && now.isBefore(cached.expires())) {
            return new Known(cached.policy(), id, cached.expires(), recheck);
        }
        try {
            MtaStsPolicy policy = MtaStsPolicy.parse(fetcher.fetch(domain));
            LOG.info("MTA-STS policy of {} (id {}): {} {} for {}", domain, id, policy.mode(), policy.mx(), policy.maxAge());
            return new Known(policy, id, now.plus(policy.maxAge()), recheck);
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("MTA-STS policy of {} (id {}) not usable: {}", domain, id, e.getMessage());
            return cached == null ? new Known(null, null, now, recheck) : new Known(cached.policy(), cached.id(), keep, recheck);
        }
    }

    /** The id of the domain's one "v=STSv1" TXT record, or null when there is none or more than one (RFC 8461 3.1). */
    private String stsId(String domain) throws MxLookupException, TextParseException {
        Name name = Name.fromString("_mta-sts." + domain + ".");
        Message answer = dns.query(domain, name, Type.TXT);
        if (answer.getRcode() == Rcode.NXDOMAIN) {
            return null;
        }
        List<String> sts = new ArrayList<>();
        for (Record r : answer.getSection(Section.ANSWER)) {
            if (r instanceof TXTRecord txt) {
                String text = String.join("", txt.getStrings());
                if (text.startsWith("v=STSv1;") || text.equals("v=STSv1")) {
                    sts.add(text);
                }
            }
        }
        if (sts.size() != 1) {
            return null;
        }
        Matcher m = STS_ID.matcher(sts.get(0));
        return m.find() ? m.group(1) : null;
    }
}

package org.caravan.routing;

import java.net.IDN;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.caravan.routing.MxLookupException.Reason;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Resolves a recipient domain to ordered next hops (RFC 5321 section 5.1): MX hosts by
 * preference, equal preferences shuffled, each host expanded to IP addresses through the same
 * resolver so that no lookup escapes to the JVM's own DNS. Addresses the {@link NextHopFilter}
 * refuses are dropped; an address literal ({@code [192.0.2.1]}) is its own next hop, unlooked-up.
 * Answers are cached by TTL in a bounded cache; a lookup that timed out or got SERVFAIL is
 * remembered briefly, so the mail queued behind it for the same domain defers at once instead
 * of each waiting out the timeout again.
 */
public final class MxResolver {

    /** Longest time any answer is cached, whatever its TTL says. */
    static final Duration MAX_TTL = Duration.ofHours(1);
    /** Longest time a negative answer (NXDOMAIN, no addresses) or a partial answer is cached. */
    static final Duration NEGATIVE_TTL = Duration.ofMinutes(5);

    private final DnsQueries dns;
    private final int port;
    private final Random random;
    private final NextHopFilter filter;
    private final Duration transientFailureTtl;
    private final TtlCache<Cached> cache;

    public MxResolver(Resolver resolver, Clock clock, int port) {
        this(resolver, clock, port, DnsSettings.DEFAULT);
    }

    public MxResolver(Resolver resolver, Clock clock, int port, DnsSettings settings) {
        this(resolver, clock, port, settings, new Random());
    }

    /** For tests: a seeded random makes the equal-preference shuffle reproducible. */
    MxResolver(Resolver resolver, Clock clock, int port, Random random) {
        this(resolver, clock, port, DnsSettings.DEFAULT, random);
    }

    MxResolver(Resolver resolver, Clock clock, int port, DnsSettings settings, Random random) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("SMTP port out of range: " + port);
        }
        this.dns = new DnsQueries(Objects.requireNonNull(resolver, "resolver"), settings.timeout().multipliedBy(2));
        this.port = port;
        this.random = Objects.requireNonNull(random, "random");
        this.filter = settings.filter();
        this.transientFailureTtl = settings.transientFailureTtl();
        this.cache = new TtlCache<>(Objects.requireNonNull(clock, "clock"), settings.cacheSize());
    }

    /** Uses the system's name servers (resolv.conf or platform equivalent); SMTP on port 25. */
    public static MxResolver systemDefault() {
        return systemDefault(DnsSettings.DEFAULT);
    }

    /**
     * The configured name servers, else the system's; each query bounded by settings.timeout()
     * in all, shared out among the servers, each asked once: a queue of mail waits behind it.
     */
    public static MxResolver systemDefault(DnsSettings settings) {
        return new MxResolver(systemResolver(settings), Clock.systemUTC(), NextHop.SMTP_PORT, settings);
    }

    /** The configured name servers, else the system's, each query bounded as for MX lookups (MTA-STS asks them too). */
    public static Resolver systemResolver(DnsSettings settings) {
        ExtendedResolver system = settings.servers().isEmpty() ? new ExtendedResolver()
                : new ExtendedResolver(settings.servers().stream().<Resolver>map(SimpleResolver::new).toList());
        Resolver[] servers = system.getResolvers();
        for (Resolver server : servers) {
            server.setTimeout(settings.timeout().dividedBy(Math.max(1, servers.length)));
        }
        system.setRetries(1);
        system.setTimeout(settings.timeout());
        return system;
    }

    /** Next hops for a domain, best first; never empty. */
    public List<NextHop> resolve(String domain) throws MxLookupException {
        if (domain != null && domain.startsWith("[")) {
            return List.of(AddressLiteral.nextHop(domain, port, filter));
        }
        Name name = toName(domain);
        String key = name.toString();
        Cached entry = cache.get(key, now -> lookupRemembered(name, key, now));
        if (entry.failure() != null) {
            // A fresh exception per call: cached instances would share stack traces across threads.
            throw new MxLookupException(key, entry.failure(), entry.detail());
        }
        return hops(entry.tiers());
    }

    /**
     * The domain's MX host names (lower case, no trailing dot), from the same cache as the next
     * hops, looked up if need be; empty when the domain has no MX records (or does not exist, or
     * publishes a null MX). Throws only when the MX query itself failed (a transient failure): the
     * names are known even when the hosts' addresses are not.
     */
    public List<String> mxHosts(String domain) throws MxLookupException {
        Name name = toName(domain);
        String key = name.toString();
        Cached entry = cache.get(key, now -> lookupRemembered(name, key, now));
        if (entry.mxHosts() == null) {
            throw new MxLookupException(key, entry.failure(), entry.detail());
        }
        return entry.mxHosts();
    }

    /** As {@link #mxHosts} from the cache alone, without waiting: null when it holds no MX answer for the domain. */
    public List<String> cachedMxHosts(String domain) {
        try {
            Cached entry = cache.peek(toName(domain).toString());
            return entry == null ? null : entry.mxHosts();
        } catch (MxLookupException invalid) {
            return List.of(); // not a DNS name: it has no MX hosts, now or later
        }
    }

    /** The answer to cache: a transient failure too, for transient-failure-ttl. */
    private TtlCache.Timed<Cached> lookupRemembered(Name name, String key, Instant now) {
        Cached answer;
        try {
            answer = lookup(name, key, now);
        } catch (MxLookupException e) {
            answer = Cached.failed(e.reason(), e.detail(), now.plus(transientFailureTtl));
        }
        return new TtlCache.Timed<>(answer, answer.expires());
    }

    /** Lower-cased, IDNA-encoded, absolute. */
    static Name toName(String domain) throws MxLookupException {
        String d = domain == null ? "" : domain.strip().toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        if (d.isEmpty()) {
            throw new MxLookupException(String.valueOf(domain), Reason.INVALID_DOMAIN, "empty domain");
        }
        try {
            return Name.fromString(IDN.toASCII(d) + ".");
        } catch (TextParseException | IllegalArgumentException e) {
            throw new MxLookupException(d, Reason.INVALID_DOMAIN, e.getMessage(), e);
        }
    }

    private Cached lookup(Name domain, String key, Instant now) throws MxLookupException {
        Message mx = dns.query(key, domain, Type.MX);
        if (mx.getRcode() == Rcode.NXDOMAIN) {
            return Cached.failed(Reason.NO_SUCH_DOMAIN, "no such domain", now.plus(negativeTtl(mx)))
                    .withMxHosts(List.of());
        }
        List<MXRecord> records = new ArrayList<>();
        Duration ttl = answerTtl(mx);
        for (Record r : mx.getSection(Section.ANSWER)) {
            if (r instanceof MXRecord m) {
                records.add(m);
            }
        }
        if (records.size() == 1 && records.get(0).getTarget().equals(Name.root)) {
            return Cached.failed(Reason.NULL_MX, "domain accepts no mail (RFC 7505)", now.plus(ttl))
                    .withMxHosts(List.of());
        }
        List<String> names = hostNames(records);
        try {
            Cached found = records.isEmpty() ? implicitMx(domain, key, now, min(ttl, negativeTtl(mx)))
                    : explicitMx(records, key, now, ttl);
            return found.withMxHosts(names);
        } catch (MxLookupException e) {
            // the MX answer stands (classification needs only the names); the addresses are retried soon
            return Cached.failed(e.reason(), e.detail(), now.plus(transientFailureTtl)).withMxHosts(names);
        }
    }

    private static List<String> hostNames(List<MXRecord> records) {
        Set<String> names = new LinkedHashSet<>();
        for (MXRecord r : records) {
            if (!r.getTarget().equals(Name.root)) {
                names.add(r.getTarget().toString(true).toLowerCase(Locale.ROOT));
            }
        }
        return List.copyOf(names);
    }

    /** RFC 5321 5.1: without MX records the domain itself is the single host, preference 0. */
    private Cached implicitMx(Name domain, String key, Instant now, Duration ttl)
            throws MxLookupException {
        Addresses own = addresses(key, domain, dns.askAddresses(domain));
        if (!own.list().isEmpty()) {
            return new Cached(List.of(List.of(new MxHost(hostName(domain), own.list()))), null, null,
                    now.plus(min(ttl, own.ttl())));
        }
        if (own.failure() != null) {
            throw own.failure();
        }
        if (!own.refused().isEmpty()) {
            return refused("no MX; the domain's addresses are refused: " + own.refused(), now);
        }
        return Cached.failed(Reason.MX_RESOLVED_TO_ZERO_HOSTS, "no MX and no A/AAAA records",
                now.plus(NEGATIVE_TTL));
    }

    private Cached explicitMx(List<MXRecord> records, String key, Instant now, Duration ttl)
            throws MxLookupException {
        TreeMap<Integer, List<MxHost>> byPreference = new TreeMap<>();
        records.sort(Comparator.comparingInt(MXRecord::getPriority));
        MxLookupException transientFailure = null;
        List<String> refused = new ArrayList<>();
        // all hosts asked at once: a slow zone costs one timeout, not one per MX host
        Map<Name, List<CompletableFuture<Message>>> asked = new HashMap<>();
        for (MXRecord mx : records) {
            asked.computeIfAbsent(mx.getTarget(), dns::askAddresses);
        }
        for (MXRecord mx : records) {
            if (mx.getTarget().equals(Name.root)) {
                continue; // a stray null MX beside real ones (RFC 7505 forbids it): ignore it
            }
            Addresses host = addresses(key, mx.getTarget(), asked.get(mx.getTarget()));
            if (host.failure() != null) {
                transientFailure = host.failure();
            }
            refused.addAll(host.refused());
            if (!host.list().isEmpty()) {
                byPreference.computeIfAbsent(mx.getPriority(), p -> new ArrayList<>())
                        .add(new MxHost(hostName(mx.getTarget()), host.list()));
                ttl = min(ttl, host.ttl());
            }
        }
        if (byPreference.isEmpty()) {
            if (transientFailure != null) {
                throw transientFailure;
            }
            if (!refused.isEmpty()) {
                return refused("every MX host's addresses are refused: " + refused, now);
            }
            return Cached.failed(Reason.MX_RESOLVED_TO_ZERO_HOSTS, "no MX host has an address",
                    now.plus(NEGATIVE_TTL));
        }
        if (transientFailure != null) {
            ttl = min(ttl, NEGATIVE_TTL); // a host is missing for now: do not forget it for an hour
        }
        return new Cached(List.copyOf(byPreference.values()), null, null, now.plus(ttl));
    }

    private static Cached refused(String detail, Instant now) {
        return Cached.failed(Reason.NO_ACCEPTABLE_NEXT_HOP, detail, now.plus(NEGATIVE_TTL));
    }

    /**
     * A then AAAA of one host; IPv4 first since it is the egress every sender has. A query that
     * got no answer is reported as failure but does not discard what the other query found.
     */
    private Addresses addresses(String key, Name host, List<CompletableFuture<Message>> pending) {
        List<String> found = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        Duration ttl = MAX_TTL;
        MxLookupException failure = null;
        for (int i = 0; i < DnsQueries.ADDRESS_TYPES.length; i++) {
            int type = DnsQueries.ADDRESS_TYPES[i];
            Message answer;
            try {
                answer = dns.answer(key, host, type, pending.get(i));
            } catch (MxLookupException e) {
                failure = e;
                continue;
            }
            if (answer.getRcode() == Rcode.NXDOMAIN) {
                break; // the name does not exist, so it has no AAAA either
            }
            for (Record r : answer.getSection(Section.ANSWER)) {
                InetAddress address = r instanceof ARecord a ? a.getAddress()
                        : r instanceof AAAARecord a ? a.getAddress() : null;
                if (address != null && r.getType() == type) {
                    (filter.acceptable(address) ? found : refused).add(address.getHostAddress());
                }
            }
            ttl = min(ttl, answerTtl(answer));
        }
        return new Addresses(List.copyOf(found), List.copyOf(refused), ttl, found.isEmpty() ? failure : null);
    }

    /** Flattens preference tiers into hops, shuffling hosts of equal preference per call. */
    private List<NextHop> hops(List<List<MxHost>> tiers) {
        Map<String, NextHop> hops = new LinkedHashMap<>(); // two MX names may share an address
        for (List<MxHost> tier : tiers) {
            List<MxHost> hosts = new ArrayList<>(tier);
            Collections.shuffle(hosts, random);
            for (MxHost host : hosts) {
                for (String address : host.addresses()) {
                    hops.putIfAbsent(address, new NextHop(address, port, host.name()));
                }
            }
        }
        return List.copyOf(hops.values());
    }

    /** An MX host's name as its certificate would carry it: lower case, no final dot. */
    private static String hostName(Name name) {
        return name.toString(true).toLowerCase(Locale.ROOT);
    }

    /** One MX host: its name (for TLS name checks) and its usable addresses. */
    private record MxHost(String name, List<String> addresses) {}

    /** Smallest TTL in the answer section (CNAMEs included), capped at {@link #MAX_TTL}. */
    private static Duration answerTtl(Message m) {
        Duration ttl = MAX_TTL;
        for (Record r : m.getSection(Section.ANSWER)) {
            ttl = min(ttl, Duration.ofSeconds(r.getTTL()));
        }
        return ttl;
    }

    /** RFC 2308: negative answers live min(SOA TTL, SOA minimum), here at most NEGATIVE_TTL. */
    private static Duration negativeTtl(Message m) {
        Duration ttl = NEGATIVE_TTL;
        for (Record r : m.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) {
                ttl = min(ttl, Duration.ofSeconds(Math.min(soa.getTTL(), soa.getMinimum())));
            }
        }
        return ttl;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** One host's usable and refused addresses; failure is set only when nothing usable was found and a query failed. */
    private record Addresses(List<String> list, List<String> refused, Duration ttl, MxLookupException failure) {}

    /**
     * A domain's answer: hosts (name and addresses) grouped by ascending preference, or a failure;
     * and its MX host names, null when the MX query itself got no answer.
     */
    private record Cached(List<List<MxHost>> tiers, Reason failure, String detail,
            Instant expires, List<String> mxHosts) {
        Cached(List<List<MxHost>> tiers, Reason failure, String detail, Instant expires) {
            this(tiers, failure, detail, expires, null);
        }

        static Cached failed(Reason reason, String detail, Instant expires) {
            return new Cached(List.of(), reason, detail, expires, null);
        }

        Cached withMxHosts(List<String> names) {
            return new Cached(tiers, failure, detail, expires, names);
        }
    }
}

package org.caravan.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads the domain-policies block: the 'default' policy first (over the built-in Defaults), then
 * every other policy over it, key by key, as PowerMTA's {@code <domain *>} block works.
 */
final class PolicyReader {

    static final Set<String> POLICY_KEYS = YamlMap.keys("match", "max-smtp-out", "max-msg-per-connection",
            "max-conn-rate", "max-msg-rate", "retry-after", "backoff-retry", "max-retries", "bounce-after",
            "connect-timeout", "read-timeout", "idle-timeout", "backoff", "route",
            "data-timeout", "data-block-timeout", "data-done-timeout", "transaction-timeout",
            "max-rcpt-per-transaction", "max-reply-lines",
            "mx-match", "use-starttls", "require-starttls", "tls-verify", "mta-sts", "tls-fallback-for",
            "max-msg-burst", "reply-rules", "catalogue");
    static final Set<String> BACKOFF_KEYS = YamlMap.keys("patterns", "max-msg-rate", "to-normal-after",
            "max-smtp-out", "max-conn-rate", "to-normal-after-deliveries");

    /** Which policy claimed each match entry, to refuse one domain in two policies. */
    private final Map<String, String> claimedBy = new HashMap<>();
    /** The reply catalogue, read only when a policy names one of its providers. */
    private final Supplier<Catalogue> catalogue;
    /** The default policy's own reply-rules and catalogue provider, which the others inherit. */
    private List<ReplyRule> baseRules = List.of();
    private String baseProvider;

    private PolicyReader(Supplier<Catalogue> catalogue) {
        this.catalogue = catalogue;
    }

    /** The policies in file order; 'default' is built from Defaults when absent and then put last. */
    static Map<String, DomainPolicy> read(YamlMap policies, Supplier<Catalogue> catalogue) {
        PolicyReader reader = new PolicyReader(catalogue);
        Map<String, YamlMap> blocks = policies == null ? Map.of() : policies.blocks(Values::name, POLICY_KEYS);
        YamlMap defaultBlock = blocks.get(DomainPolicy.DEFAULT);
        DomainPolicy base = Defaults.policy();
        reader.claimedBy.put(Defaults.MATCH_ALL, DomainPolicy.DEFAULT);
        if (defaultBlock != null) {
            if (defaultBlock.has("match")) {
                throw defaultBlock.errorAtKey("match",
                        "the default policy matches every domain ('*') and may not declare match");
            }
            if (defaultBlock.has("mx-match")) {
                throw defaultBlock.errorAtKey("mx-match",
                        "the default policy takes every domain no other policy claims and may not declare mx-match");
            }
            base = reader.policy(DomainPolicy.DEFAULT, List.of(Defaults.MATCH_ALL), defaultBlock, base, null);
        }
        YamlMap baseBackoff = defaultBlock == null ? null : defaultBlock.map("backoff", BACKOFF_KEYS);
        Map<String, DomainPolicy> out = new LinkedHashMap<>();
        for (Map.Entry<String, YamlMap> e : blocks.entrySet()) {
            String name = e.getKey();
            out.put(name, name.equals(DomainPolicy.DEFAULT) ? base
                    : reader.policy(name, reader.match(name, e.getValue()), e.getValue(), base, baseBackoff));
        }
        out.putIfAbsent(DomainPolicy.DEFAULT, base);
        return out;
    }

    private List<String> match(String name, YamlMap block) {
        List<String> match = block.list("match", entry -> claim(Values.matchEntry(entry), name));
        if (match == null && block.has("mx-match")) {
            return List.of(); // a policy may claim its domains by MX host alone (a hosting provider's)
        }
        if (match == null) {
            throw block.error("policy has no 'match' list (only the 'default' policy may omit it)");
        }
        return match;
    }

    /** mx-match is the policy's own, never inherited: the default policy has none. */
    private List<String> mxMatch(String name, YamlMap block) {
        List<String> patterns = block.list("mx-match", p -> claimMx(Values.mxPattern(p), name));
        return patterns == null ? List.of() : patterns;
    }

    private String claimMx(String pattern, String policy) {
        String owner = claimedBy.putIfAbsent("mx-match " + pattern, policy);
        if (owner == null) {
            return pattern;
        }
        throw new IllegalArgumentException(owner.equals(policy) ? "mx-match entry '" + pattern + "' is listed twice"
                : "mx-match entry '" + pattern + "' is in both policy '" + owner + "' and policy '" + policy + "'");
    }

    private String claim(String entry, String policy) {
        String owner = claimedBy.putIfAbsent(entry, policy);
        if (owner == null) {
            return entry;
        }
        throw new IllegalArgumentException(owner.equals(policy)
                ? "match entry '" + entry + "' is listed twice"
                : "match entry '" + entry + "' is in both policy '" + owner + "' and policy '" + policy + "'");
    }

    /** One policy: each key the block sets, else the parent's value; a backoff block is taken whole. */
    private DomainPolicy policy(String name, List<String> match, YamlMap b, DomainPolicy parent,
            YamlMap inheritedBackoff) {
        Rate msgRate = or(b.scalar("max-msg-rate", Rate::parse), parent.maxMsgRate());
        List<ReplyRule> rules = replyRules(name, b);
        RetrySchedule r = parent.retry();
        RetrySchedule retry = new RetrySchedule(
                or(b.list("retry-after", Values::positiveDuration), r.retryAfter()),
                or(b.scalar("backoff-retry", Values::positiveDuration), r.backoffRetry()),
                or(b.scalar("max-retries", Values::nonNegativeInt), r.maxRetries()),
                or(b.scalar("bounce-after", Values::positiveDuration), r.bounceAfter()));
        YamlMap backoffBlock = b.has("backoff") ? b.map("backoff", BACKOFF_KEYS) : inheritedBackoff;
        BackoffMode backoff = backoffBlock == null ? parent.backoff() : backoff(backoffBlock, msgRate);
        if (backoff == BackoffMode.NONE && rules.stream().anyMatch(rule -> rule.action() == ReplyAction.BACKOFF)) {
            // a rule may switch to backoff without a backoff block: a tenth of the rate for the usual hour
            backoff = new BackoffMode(List.of(), tenth(msgRate), Defaults.BACKOFF_TO_NORMAL_AFTER);
        }
        return new DomainPolicy(name, match,
                or(b.scalar("max-smtp-out", Values::positiveInt), parent.maxSmtpOut()),
                or(b.scalar("max-msg-per-connection", Values::positiveInt), parent.maxMsgPerConnection()),
                or(b.scalar("max-conn-rate", Rate::parse), parent.maxConnRate()),
                msgRate,
                retry,
                backoff,
                or(b.scalar("route", Values::nextHop), parent.route()),
                or(b.scalar("connect-timeout", Values::positiveDuration), parent.connectTimeout()),
                or(b.scalar("read-timeout", Values::positiveDuration), parent.readTimeout()),
                or(b.scalar("idle-timeout", Values::positiveDuration), parent.idleTimeout()),
                or(b.scalar("data-timeout", Values::positiveDuration), parent.dataTimeout()),
                or(b.scalar("data-block-timeout", Values::positiveDuration), parent.dataBlockTimeout()),
                or(b.scalar("data-done-timeout", Values::positiveDuration), parent.dataDoneTimeout()),
                or(b.scalar("transaction-timeout", Values::positiveDuration), parent.transactionTimeout()),
                or(b.scalar("max-rcpt-per-transaction", Values::positiveInt), parent.maxRcptPerTransaction()),
                or(b.scalar("max-reply-lines", Values::positiveInt), parent.maxReplyLines()),
                mxMatch(name, b), TlsKeys.read(b, parent.tls()),
                or(b.scalar("max-msg-burst", Values::positiveInt), parent.maxMsgBurst()),
                rules);
    }

    /**
     * First match wins, in this order: the policy's own reply-rules, its catalogue provider's
     * entries, the default policy's reply-rules, the catalogue's default entries. A policy without
     * reply-rules or catalogue takes the default policy's.
     */
    private List<ReplyRule> replyRules(String name, YamlMap b) {
        boolean isDefault = name.equals(DomainPolicy.DEFAULT);
        List<ReplyRule> own = b.has("reply-rules") ? ReplyRuleReader.read(b, "reply-rules") : List.of();
        String provider = or(b.scalar("catalogue", Values::name), baseProvider);
        List<ReplyRule> all = new ArrayList<>(own);
        Catalogue c = provider == null ? null : catalogue.get();
        if (c != null) {
            List<ReplyRule> entries = c.provider(provider);
            if (entries == null) {
                throw b.has("catalogue") ? b.errorAtKey("catalogue", "no provider '" + provider
                        + "' in the reply catalogue (it has " + String.join(", ", c.providerNames()) + ")")
                        : b.error("the inherited catalogue provider '" + provider + "' is not in the reply catalogue");
            }
            all.addAll(entries);
        }
        if (isDefault) {
            baseRules = own;
            baseProvider = provider;
        } else {
            all.addAll(baseRules);
        }
        List<ReplyRule> defaults = c == null || provider.equals(DomainPolicy.DEFAULT) ? null
                : c.provider(DomainPolicy.DEFAULT);
        if (defaults != null) {
            all.addAll(defaults);
        }
        return all;
    }

    /** A backoff block read against the rate of the policy using it, so an inherited block scales. */
    private static BackoffMode backoff(YamlMap b, Rate policyRate) {
        List<String> patterns = b.list("patterns", Values::pattern);
        Rate rate = or(b.scalar("max-msg-rate", Rate::parse), tenth(policyRate));
        Duration toNormal = or(b.scalar("to-normal-after", Values::positiveDuration),
                Defaults.BACKOFF_TO_NORMAL_AFTER);
        return new BackoffMode(patterns == null ? List.of() : patterns, rate, toNormal,
                or(b.scalar("max-smtp-out", Values::positiveInt), 0), b.scalar("max-conn-rate", Rate::parse),
                or(b.scalar("to-normal-after-deliveries", Values::positiveInt), 0));
    }

    /** The default backoff rate: a tenth of the normal rate, at least 1 per unit. */
    private static Rate tenth(Rate rate) {
        return rate.isUnlimited() ? rate
                : new Rate(Math.max(1, rate.count() / Defaults.BACKOFF_RATE_DIVISOR), rate.per());
    }

    private static <T> T or(T value, T inherited) {
        return value != null ? value : inherited;
    }
}

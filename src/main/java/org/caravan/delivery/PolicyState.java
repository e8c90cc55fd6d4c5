package org.caravan.delivery;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.IntConsumer;

import org.caravan.config.DomainPolicy;
import org.caravan.config.Rate;
import org.caravan.smtp.Pacer;
import org.caravan.smtp.SmtpConnectionPool;
import org.caravan.smtp.SmtpReply;

/**
 * The live limits of one (vmta, policy): the message rate and burst in force (backoff mode
 * included) and the line's message pacer, backoff mode, and the pool's connection limits. Every
 * per-policy knob lives behind this one object so that a cluster-wide implementation can replace
 * it without touching the routes.
 */
public final class PolicyState implements PolicyStateMBean {

    /** The backoff trigger when an operator (JMX, console, CLI) put the line in backoff. */
    public static final String OPERATOR = "operator";

    private final String vmta;
    /** Swapped by a reload: retries, backoff and the next hop are read from it per message. */
    private volatile DomainPolicy policy;
    /** Told the pool's new max-smtp-out, so the route's consumers follow it (set once the route exists). */
    private volatile IntConsumer consumers = n -> { };
    private final SmtpConnectionPool pool;
    private final Clock clock;
    private final Pacer messages;
    private volatile Rate maxMsgRate;
    private volatile int maxMsgBurst;
    private volatile long backoffUntil;
    private volatile long backoffSince;
    private volatile String backoffReason = "";
    private volatile String backoffPattern = "";

    public PolicyState(String vmta, DomainPolicy policy, SmtpConnectionPool pool, Clock clock) {
        this.vmta = vmta;
        this.policy = policy;
        this.pool = pool;
        this.clock = clock;
        this.maxMsgRate = policy.maxMsgRate();
        this.maxMsgBurst = policy.maxMsgBurst();
        this.messages = new Pacer(this::currentMsgRate, () -> maxMsgBurst);
    }

    /** max-msg-rate in force now: the backoff rate while in backoff mode. */
    public Rate currentMsgRate() {
        return isInBackoff() ? policy.backoff().maxMsgRate() : maxMsgRate;
    }

    /** The line's max-msg-rate pacer, shared by all its consumers (the route's pace step, split transactions). */
    public Pacer messages() {
        return messages;
    }

    /** Enters backoff mode when a reply matches the policy's backoff patterns (the provider asked us to slow down). */
    public void observe(SmtpReply reply) {
        if (!reply.isPositive()) {
            String pattern = policy.backoff().matching(reply.toString());
            if (pattern != null) {
                enterBackoff(pattern, reply.toString());
            }
        }
    }

    public DomainPolicy policy() {
        return policy;
    }

    /** The route's consumers follow max-smtp-out from now on: told the new count on every change. */
    public void consumersFollow(IntConsumer follower) {
        this.consumers = Objects.requireNonNull(follower);
    }

    /**
     * Takes a reloaded policy of the same name: its retries, backoff block and next hop from the
     * next message on, and every limit as the file has it, a value set at run time (JMX, console,
     * CLI) included, as PowerMTA's reload does. Backoff mode itself is left as it is. Returns what
     * changed, one readable line each ("max-msg-rate 2000/h -> 500/h").
     */
    public List<String> reconfigure(DomainPolicy next) {
        if (!next.name().equals(policy.name())) {
            throw new IllegalArgumentException("policy " + policy.name() + " cannot become " + next.name());
        }
        List<String> changes = new ArrayList<>();
        DomainPolicy before = policy;
        policy = next;
        change(changes, "max-msg-rate", getMaxMsgRate(), next.maxMsgRate().toString(), () -> maxMsgRate = next.maxMsgRate());
        change(changes, "max-msg-burst", getMaxMsgBurst(), next.maxMsgBurst(), () -> setMaxMsgBurst(next.maxMsgBurst()));
        change(changes, "max-smtp-out", getMaxSmtpOut(), next.maxSmtpOut(), () -> setMaxSmtpOut(next.maxSmtpOut()));
        change(changes, "max-conn-rate", getMaxConnRate(), next.maxConnRate().toString(),
                () -> pool.maxConnRate(next.maxConnRate()));
        change(changes, "max-msg-per-connection", getMaxMsgPerConnection(), next.maxMsgPerConnection(),
                () -> setMaxMsgPerConnection(next.maxMsgPerConnection()));
        change(changes, "match", before.match(), next.match(), () -> { });
        change(changes, "mx-match", before.mxMatch(), next.mxMatch(), () -> { });
        change(changes, "route", before.route(), next.route(), () -> { });
        change(changes, "retries", before.retry(), next.retry(), () -> { });
        change(changes, "backoff", before.backoff(), next.backoff(), () -> { });
        return changes;
    }

    private static void change(List<String> changes, String key, Object now, Object next, Runnable apply) {
        if (!Objects.equals(now, next)) {
            apply.run();
            changes.add(key + " " + now + " -> " + next);
        }
    }

    @Override
    public String getVmta() {
        return vmta;
    }

    @Override
    public String getPolicy() {
        return policy.name();
    }

    @Override
    public String getMaxMsgRate() {
        return maxMsgRate.toString();
    }

    @Override
    public void setMaxMsgRate(String rate) {
        this.maxMsgRate = Rate.parse(rate);
    }

    @Override
    public int getMaxMsgBurst() {
        return maxMsgBurst;
    }

    @Override
    public void setMaxMsgBurst(int messages) {
        this.maxMsgBurst = Math.max(1, messages);
    }

    @Override
    public long getMsgIntervalMillis() {
        long nanos = currentMsgRate().intervalNanos();
        return (nanos + 999_999) / 1_000_000;
    }

    @Override
    public String getBackoffMaxMsgRate() {
        return policy.backoff().maxMsgRate().toString();
    }

    @Override
    public int getMaxSmtpOut() {
        return pool.maxOpen();
    }

    @Override
    public void setMaxSmtpOut(int connections) {
        pool.maxOpen(connections);
        consumers.accept(pool.maxOpen());
    }

    @Override
    public int getMaxMsgPerConnection() {
        return pool.maxMessagesPerConnection();
    }

    @Override
    public void setMaxMsgPerConnection(int messages) {
        pool.maxMessagesPerConnection(messages);
    }

    @Override
    public String getMaxConnRate() {
        return pool.maxConnRate().toString();
    }

    @Override
    public void setMaxConnRate(String rate) {
        pool.maxConnRate(Rate.parse(rate));
    }

    @Override
    public boolean isInBackoff() {
        long until = backoffUntil;
        return until != 0 && until > clock.millis(); // read on every message: no clock while never in backoff
    }

    @Override
    public void enterBackoff() {
        enterBackoff(OPERATOR, OPERATOR);
    }

    /**
     * Enters (or prolongs) backoff mode. pattern: the backoff pattern that matched, or "operator";
     * reason: the reply it matched (or "operator"). Since stays at the start of an unbroken
     * stretch of backoff; until moves with each new trigger.
     */
    public void enterBackoff(String pattern, String reason) {
        long now = clock.millis();
        if (!isInBackoff()) {
            backoffSince = now;
        }
        backoffPattern = pattern;
        backoffReason = reason;
        backoffUntil = now + policy.backoff().toNormalAfter().toMillis();
    }

    @Override
    public void endBackoff() {
        backoffUntil = 0;
    }

    /** When the current backoff began (epoch millis), 0 when not in backoff. */
    public long backoffSince() {
        return isInBackoff() ? backoffSince : 0;
    }

    /** When backoff ends unless triggered again (epoch millis), 0 when not in backoff. */
    public long backoffUntil() {
        return isInBackoff() ? backoffUntil : 0;
    }

    /** The backoff pattern that triggered the current backoff, or "operator"; empty when not in backoff. */
    public String backoffPattern() {
        return isInBackoff() ? backoffPattern : "";
    }

    /** What triggered the current backoff (the reply, or "operator"); empty when not in backoff. */
    @Override
    public String getBackoffReason() {
        return isInBackoff() ? backoffReason : "";
    }

    @Override
    public String getBackoffSince() {
        return instant(backoffSince());
    }

    @Override
    public String getBackoffUntil() {
        return instant(backoffUntil());
    }

    private static String instant(long millis) {
        return millis == 0 ? "" : java.time.Instant.ofEpochMilli(millis).toString();
    }

    @Override
    public int getOpenConnections() {
        return pool.openConnections();
    }

    @Override
    public long getConnectionsOpened() {
        return pool.connectionsOpened();
    }
}

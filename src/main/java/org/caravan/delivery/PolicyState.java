package org.caravan.delivery;

import java.time.Clock;

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
    private final DomainPolicy policy;
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

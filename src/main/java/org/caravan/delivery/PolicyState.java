package org.caravan.delivery;

import java.time.Clock;

import org.caravan.config.BackoffMode;
import org.caravan.config.DomainPolicy;
import org.caravan.config.Rate;
import org.caravan.smtp.SmtpConnectionPool;
import org.caravan.smtp.SmtpReply;

/**
 * The live limits of one (vmta, policy): the message rate the Throttle EIP asks for, backoff mode,
 * and the pool's connection limits. Every per-policy knob lives behind this one object so that a
 * cluster-wide implementation can replace it without touching the routes.
 */
public final class PolicyState implements PolicyStateMBean {

    /** Camel's throttler keeps one object per permit: cap it, 10,000 per period is beyond any real provider. */
    static final long MAX_PERMITS = 10_000;

    private final String vmta;
    private final DomainPolicy policy;
    private final SmtpConnectionPool pool;
    private final Clock clock;
    private final long periodMillis;
    private volatile Rate maxMsgRate;
    private volatile long backoffUntil;

    public PolicyState(String vmta, DomainPolicy policy, SmtpConnectionPool pool, Clock clock) {
        this.vmta = vmta;
        this.policy = policy;
        this.pool = pool;
        this.clock = clock;
        this.maxMsgRate = policy.maxMsgRate();
        // one period for both modes, the slower one's, so each mode is a whole number of permits
        this.periodMillis = Math.max(policy.maxMsgRate().throttleWindow().periodMillis(),
                policy.backoff() == BackoffMode.NONE ? 0 : policy.backoff().maxMsgRate().throttleWindow().periodMillis());
    }

    /** Permits per throttle period for the rate in force now; the delivery route's Throttle reads it per message. */
    public long msgPermits() {
        return permits(currentMsgRate(), periodMillis);
    }

    /** max-msg-rate in force now: the backoff rate while in backoff mode. */
    public Rate currentMsgRate() {
        return isInBackoff() ? policy.backoff().maxMsgRate() : maxMsgRate;
    }

    static long permits(Rate rate, long periodMillis) {
        if (rate.isUnlimited()) {
            return MAX_PERMITS;
        }
        long p = (long) Math.floor((double) rate.count() * periodMillis / rate.per().toMillis());
        return Math.max(1, Math.min(MAX_PERMITS, p));
    }

    /** Enters backoff mode when a reply matches the policy's backoff patterns (the provider asked us to slow down). */
    public void observe(SmtpReply reply) {
        if (!reply.isPositive() && policy.backoff().matches(reply.toString())) {
            enterBackoff();
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
        return backoffUntil > clock.millis();
    }

    @Override
    public void enterBackoff() {
        backoffUntil = clock.millis() + policy.backoff().toNormalAfter().toMillis();
    }

    @Override
    public void endBackoff() {
        backoffUntil = 0;
    }

    @Override
    public long getThrottlePeriodMillis() {
        return periodMillis;
    }

    @Override
    public long getMsgPermits() {
        return msgPermits();
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

package org.caravan.delivery;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

import org.caravan.config.DomainPolicy;
import org.caravan.config.Rate;
import org.caravan.config.ReplyAction;
import org.caravan.config.ReplyRule;
import org.caravan.delivery.ModeChange.Mode;
import org.caravan.smtp.Pacer;
import org.caravan.smtp.SmtpConnectionPool;
import org.caravan.smtp.SmtpReply;
import org.caravan.smtp.SmtpStage;

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
    /** What a reply means on this line; swapped when a reload changes the policy's rules. */
    private volatile ReplyPolicy replies;
    private volatile long suspendedUntil;
    private volatile String suspendReason = "";
    /** Deliveries in a row since backoff began or was last triggered (backoff to-normal-after-deliveries). */
    private int deliveriesInRow;
    /** The limits backoff lowered, to put back when it ends; 0 / null when it lowered none. */
    private int normalSmtpOut;
    private Rate normalConnRate;
    /**
     * The mode last announced: a time-based end is announced by the next look at the line.
     * Volatile: refresh() reads it without the lock on every message taken.
     */
    private volatile Mode announced = Mode.NORMAL;
    private final List<Consumer<ModeChange>> modeWatchers = new CopyOnWriteArrayList<>();

    public PolicyState(String vmta, DomainPolicy policy, SmtpConnectionPool pool, Clock clock) {
        this.vmta = vmta;
        this.policy = policy;
        this.pool = pool;
        this.clock = clock;
        this.maxMsgRate = policy.maxMsgRate();
        this.maxMsgBurst = policy.maxMsgBurst();
        this.messages = new Pacer(this::currentMsgRate, () -> maxMsgBurst);
        this.replies = new ReplyPolicy(policy.replyRules());
    }

    /** max-msg-rate in force now: the backoff rate while in backoff mode. */
    public Rate currentMsgRate() {
        return isInBackoff() ? policy.backoff().maxMsgRate() : maxMsgRate;
    }

    /** The line's max-msg-rate pacer, shared by all its consumers (the route's pace step, split transactions). */
    public Pacer messages() {
        return messages;
    }

    /** Applies what a reply means to the line and ignores its verdict (for replies outside a delivery). */
    public void observe(SmtpReply reply) {
        long now = clock.millis();
        decide(reply, null, 1, now, now);
    }

    /**
     * What the reply means for one recipient (verdict, category) per the policy's reply rules, and
     * its action applied to this line: backoff, suspend, disable-source-ip, normal. A reply no
     * rule matches is then held against the backoff block's patterns; a delivery counts towards
     * to-normal-after-deliveries.
     */
    public ReplyPolicy.Decision decide(SmtpReply reply, SmtpStage stage, int attempt, long queuedAt, long now) {
        ReplyPolicy.Decision d = replies.decide(reply, stage, attempt, policy.retry(), queuedAt, now);
        String text = reply.toString();
        switch (d.action()) {
            case BACKOFF -> enterBackoff(d.rule().match().pattern(), text);
            case SUSPEND -> suspend(Mode.SUSPENDED, d.rule(), text, now);
            case DISABLE_SOURCE_IP -> suspend(Mode.SOURCE_IP_DISABLED, d.rule(), text, now);
            case NORMAL -> endBackoff(d.rule().match().pattern());
            default -> {
                if (d.rule() == null && !reply.isPositive()) {
                    String pattern = policy.backoff().matching(text);
                    if (pattern != null) {
                        enterBackoff(pattern, text);
                    }
                }
            }
        }
        if (reply.isPositive()) {
            delivered();
        }
        return d;
    }

    private void delivered() {
        int enough = policy.backoff().toNormalAfterDeliveries();
        if (enough > 0 && isInBackoff()) {
            boolean end;
            synchronized (this) {
                end = ++deliveriesInRow >= enough;
            }
            if (end) {
                endBackoff(enough + " deliveries in a row");
            }
        }
    }

    /** Stops the line taking mail for the rule's duration (a disabled source IP also leaves its pools). */
    private void suspend(Mode mode, ReplyRule rule, String reply, long now) {
        long until = now + rule.duration().toMillis();
        synchronized (this) {
            if (until <= suspendedUntil) {
                return; // already held at least as long
            }
            suspendedUntil = until;
            suspendReason = reply;
            announced = mode;
        }
        announce(mode, rule.match().pattern(), reply, until);
    }

    /** True while a reply rule holds the line (suspend, disable-source-ip): it takes no mail. */
    public boolean isSuspended() {
        long until = suspendedUntil;
        return until != 0 && until > clock.millis();
    }

    /** When the suspension ends (epoch millis), 0 when not suspended. */
    public long suspendedUntil() {
        return isSuspended() ? suspendedUntil : 0;
    }

    /** The reply that suspended the line; empty when not suspended. */
    public String suspendReason() {
        return isSuspended() ? suspendReason : "";
    }

    @Override
    public String getSuspendedUntil() {
        return instant(suspendedUntil());
    }

    @Override
    public void endSuspension() {
        suspendedUntil = 0;
        refresh();
    }

    /** Tells watcher of every change of this line's mode (events, metrics, the vmta pools). */
    public void onModeChange(Consumer<ModeChange> watcher) {
        modeWatchers.add(Objects.requireNonNull(watcher));
    }

    /**
     * Announces a mode that ended by time and puts back the limits backoff lowered. Called before
     * each message is taken, so it runs as soon as there is mail to send at the normal limits.
     */
    public void refresh() {
        Mode was = announced;
        if (was == Mode.NORMAL) {
            return;
        }
        Mode now = isSuspended() ? was : isInBackoff() ? Mode.BACKOFF : Mode.NORMAL;
        if (now == was) {
            return;
        }
        synchronized (this) {
            if (announced != was) {
                return;
            }
            announced = now;
        }
        if (now == Mode.NORMAL) {
            restoreLimits();
        }
        announce(now, now == Mode.NORMAL ? "time" : backoffPattern, "", now == Mode.BACKOFF ? backoffUntil : 0);
    }

    private void announce(Mode mode, String trigger, String reply, long until) {
        ModeChange change = new ModeChange(vmta, policy.name(), mode, trigger, reply, until, clock.millis());
        for (Consumer<ModeChange> w : modeWatchers) {
            w.accept(change);
        }
    }

    /** Backoff's lower max-smtp-out and max-conn-rate, when its block sets them. */
    private synchronized void lowerLimits() {
        org.caravan.config.BackoffMode b = policy.backoff();
        if (b.maxSmtpOut() > 0 && normalSmtpOut == 0 && b.maxSmtpOut() < pool.maxOpen()) {
            normalSmtpOut = pool.maxOpen();
            pool.maxOpen(b.maxSmtpOut());
            consumers.accept(pool.maxOpen());
        }
        if (b.maxConnRate() != null && normalConnRate == null) {
            normalConnRate = pool.maxConnRate();
            pool.maxConnRate(b.maxConnRate());
        }
    }

    private synchronized void restoreLimits() {
        if (normalSmtpOut > 0) {
            pool.maxOpen(normalSmtpOut);
            consumers.accept(pool.maxOpen());
            normalSmtpOut = 0;
        }
        if (normalConnRate != null) {
            pool.maxConnRate(normalConnRate);
            normalConnRate = null;
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
        change(changes, "reply-rules", before.replyRules(), next.replyRules(),
                () -> replies = new ReplyPolicy(next.replyRules()));
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
    public synchronized void setMaxSmtpOut(int connections) {
        normalSmtpOut = 0; // an operator's value stands, backoff or not
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
    public synchronized void setMaxConnRate(String rate) {
        normalConnRate = null;
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
        boolean began;
        synchronized (this) {
            began = !isInBackoff();
            if (began) {
                backoffSince = now;
            }
            backoffPattern = pattern;
            backoffReason = reason;
            backoffUntil = now + policy.backoff().toNormalAfter().toMillis();
            deliveriesInRow = 0;
            if (began && announced == Mode.NORMAL) {
                announced = Mode.BACKOFF;
            }
        }
        if (began) {
            lowerLimits();
            announce(Mode.BACKOFF, pattern, OPERATOR.equals(reason) ? "" : reason, backoffUntil);
        }
    }

    @Override
    public void endBackoff() {
        endBackoff(OPERATOR);
    }

    /** Ends backoff now; why: the rule that ended it, "operator", or "N deliveries in a row". */
    public void endBackoff(String why) {
        boolean was;
        synchronized (this) {
            was = isInBackoff();
            backoffUntil = 0;
            if (was && announced == Mode.BACKOFF) {
                announced = Mode.NORMAL;
            }
        }
        if (was) {
            restoreLimits();
            announce(Mode.NORMAL, why, "", 0);
        }
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

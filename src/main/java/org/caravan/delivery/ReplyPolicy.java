package org.caravan.delivery;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.caravan.config.ReplyAction;
import org.caravan.config.ReplyRule;
import org.caravan.config.RetrySchedule;
import org.caravan.outcome.BounceCategory;
import org.caravan.outcome.BounceClassifier;
import org.caravan.smtp.SmtpReply;
import org.caravan.smtp.SmtpStage;

/**
 * The one place that says what a reply means on one vmta x policy line: its verdict, its bounce
 * category and the line action it fires. The first matching rule wins; a line action with a
 * threshold fires on the count-th match within its window on this line.
 */
public final class ReplyPolicy {

    /** What a reply means: the verdict, the category (null unless bounced) and the line action fired. */
    public record Decision(Verdict verdict, BounceCategory category, ReplyAction action, ReplyRule rule) {
    }

    private static final Decision DELIVERED = new Decision(Verdict.DELIVERED, null, ReplyAction.NONE, null);

    private final List<ReplyRule> rules;
    private final BounceClassifier classifier = new BounceClassifier();
    private final Map<ReplyRule, Deque<Long>> matches = new HashMap<>();

    public ReplyPolicy(List<ReplyRule> rules) {
        this.rules = List.copyOf(rules);
    }

    public List<ReplyRule> rules() {
        return rules;
    }

    /** Thread-safe; only a threshold's count takes a lock (a delivered reply never meets a rule). */
    public Decision decide(SmtpReply reply, SmtpStage stage, int attempt, RetrySchedule schedule,
            long queuedAt, long now) {
        if (reply.isPositive()) {
            return DELIVERED;
        }
        String whole = reply.toString();
        ReplyRule rule = null;
        for (ReplyRule r : rules) {
            if (r.matches(whole, stage)) {
                rule = r;
                break;
            }
        }
        boolean permanent = reply.isPermanent();
        ReplyAction action = ReplyAction.NONE;
        if (rule != null) {
            switch (rule.action()) {
                case DEFER -> {
                    permanent = false;
                    action = ReplyAction.DEFER;
                }
                case BOUNCE -> {
                    permanent = true;
                    action = ReplyAction.BOUNCE;
                }
                default -> action = fired(rule, now) ? rule.action() : ReplyAction.NONE;
            }
        }
        Verdict verdict = permanent ? Verdict.BOUNCED : retryVerdict(attempt, schedule, queuedAt, now);
        // the classifier's text patterns are the costly part: only a bounce needs a category
        BounceCategory category = verdict == Verdict.DEFERRED ? null
                : rule != null && rule.category() != null ? rule.category()
                : verdict == Verdict.EXPIRED ? BounceClassifier.expired() : classifier.classify(reply);
        return new Decision(verdict, category, action, rule);
    }

    private synchronized boolean fired(ReplyRule rule, long now) {
        if (rule.isImmediate()) {
            return true;
        }
        Deque<Long> seen = matches.computeIfAbsent(rule, r -> new ArrayDeque<>());
        seen.addLast(now);
        long from = now - rule.window().toMillis();
        while (!seen.isEmpty() && seen.peekFirst() < from) {
            seen.removeFirst();
        }
        if (seen.size() >= rule.count()) {
            seen.clear();
            return true;
        }
        return false;
    }

    private static Verdict retryVerdict(int attempt, RetrySchedule schedule, long queuedAt, long now) {
        if (schedule.exhausted(attempt)) {
            return Verdict.EXPIRED;
        }
        long nextTry = now + schedule.delayBefore(attempt + 1).toMillis();
        return schedule.expired(queuedAt, nextTry) ? Verdict.EXPIRED : Verdict.DEFERRED;
    }
}

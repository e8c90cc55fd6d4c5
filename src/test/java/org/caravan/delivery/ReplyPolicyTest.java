package org.caravan.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import org.caravan.config.ReplyAction;
import org.caravan.config.ReplyRule;
import org.caravan.config.RetrySchedule;
import org.caravan.outcome.BounceCategory;
import org.caravan.smtp.SmtpReply;
import org.caravan.smtp.SmtpStage;
import org.junit.jupiter.api.Test;

/** reply x stage x rule -> verdict, category, line action. */
class ReplyPolicyTest {

    private static final RetrySchedule SCHEDULE = new RetrySchedule(
            List.of(Duration.ofMinutes(10)), Duration.ofHours(1), 3, Duration.ofDays(4));
    private static final long NOW = 1_700_000_000_000L;

    private static ReplyPolicy.Decision decide(ReplyPolicy policy, String reply, SmtpStage stage, long now) {
        return policy.decide(SmtpReply.parse(Integer.parseInt(reply.substring(0, 3)), reply), stage, 1, SCHEDULE, now, now);
    }

    @Test
    void withoutRulesTheCodeDecidesAndTheClassifierCategorises() {
        ReplyPolicy none = new ReplyPolicy(List.of());
        assertThat(decide(none, "250 2.0.0 OK", SmtpStage.END_OF_DATA, NOW).verdict()).isEqualTo(Verdict.DELIVERED);
        ReplyPolicy.Decision bounce = decide(none, "550 5.1.1 no such user", SmtpStage.RCPT, NOW);
        assertThat(bounce.verdict()).isEqualTo(Verdict.BOUNCED);
        assertThat(bounce.category()).isEqualTo(BounceCategory.BAD_MAILBOX);
        assertThat(bounce.action()).isEqualTo(ReplyAction.NONE);
        assertThat(decide(none, "451 4.7.1 later", SmtpStage.RCPT, NOW).verdict()).isEqualTo(Verdict.DEFERRED);
    }

    @Test
    void deferMakesA5xxTemporaryAndBounceMakesA4xxFinalWithItsCategory() {
        ReplyPolicy policy = new ReplyPolicy(List.of(
                ReplyRule.immediate("5\\.7\\.1 .*temporarily", null, ReplyAction.DEFER),
                new ReplyRule(Pattern.compile("4\\.2\\.2"), null, ReplyAction.BOUNCE, 1, null,
                        BounceCategory.QUOTA_ISSUES, null)));
        ReplyPolicy.Decision defer = decide(policy, "550 5.7.1 temporarily blocked", SmtpStage.RCPT, NOW);
        assertThat(defer.verdict()).isEqualTo(Verdict.DEFERRED);
        assertThat(defer.action()).isEqualTo(ReplyAction.DEFER);
        ReplyPolicy.Decision bounce = decide(policy, "452 4.2.2 mailbox full", SmtpStage.RCPT, NOW);
        assertThat(bounce.verdict()).isEqualTo(Verdict.BOUNCED);
        assertThat(bounce.category()).isEqualTo(BounceCategory.QUOTA_ISSUES);
    }

    @Test
    void aStagedRuleMatchesOnlyAtItsStageAndTheFirstMatchWins() {
        ReplyPolicy policy = new ReplyPolicy(List.of(
                ReplyRule.immediate("TSS04", SmtpStage.CONNECT, ReplyAction.SUSPEND),
                ReplyRule.immediate("4\\.7\\.0", null, ReplyAction.BACKOFF)));
        assertThat(decide(policy, "421 4.7.0 [TSS04] try later", SmtpStage.CONNECT, NOW).action())
                .isEqualTo(ReplyAction.SUSPEND);
        assertThat(decide(policy, "421 4.7.0 [TSS04] try later", SmtpStage.RCPT, NOW).action())
                .isEqualTo(ReplyAction.BACKOFF);
        assertThat(decide(policy, "250 ok", SmtpStage.RCPT, NOW).action()).isEqualTo(ReplyAction.NONE);
    }

    @Test
    void aThresholdFiresOnTheCountthMatchWithinItsWindowOnly() {
        ReplyPolicy policy = new ReplyPolicy(List.of(new ReplyRule(Pattern.compile("4\\.7\\.28"), null,
                ReplyAction.BACKOFF, 3, Duration.ofMinutes(5), null, null)));
        String reply = "421 4.7.28 rate limited";
        assertThat(decide(policy, reply, SmtpStage.RCPT, NOW).action()).isEqualTo(ReplyAction.NONE);
        assertThat(decide(policy, reply, SmtpStage.RCPT, NOW + 60_000).action()).isEqualTo(ReplyAction.NONE);
        // the first match has left the window by now: only two within 5 minutes
        assertThat(decide(policy, reply, SmtpStage.RCPT, NOW + 301_000).action()).isEqualTo(ReplyAction.NONE);
        assertThat(decide(policy, reply, SmtpStage.RCPT, NOW + 302_000).action()).isEqualTo(ReplyAction.BACKOFF);
        assertThat(decide(policy, reply, SmtpStage.RCPT, NOW + 303_000).verdict()).isEqualTo(Verdict.DEFERRED);
    }

    @Test
    void anOldBackoffPatternMatchesDashOrSpaceAfterTheCodeInAnyCase() {
        ReplyPolicy policy = new ReplyPolicy(List.of(ReplyRule.backoffPattern("421 4.7.0")));
        assertThat(decide(policy, "421 4.7.0 slow", SmtpStage.RCPT, NOW).action()).isEqualTo(ReplyAction.BACKOFF);
        assertThat(new ReplyRule(Pattern.compile("x"), null, ReplyAction.NONE, 1, null, null, null)
                .matches("421-4.7.0 slow", null)).isFalse();
        assertThat(ReplyRule.backoffPattern("421 4.7.0").matches("421-4.7.0 SLOW", SmtpStage.MAIL)).isTrue();
        assertThat(ReplyRule.backoffPattern("too many").matches("451 4.7.1 TOO MANY connections", null)).isTrue();
    }
}

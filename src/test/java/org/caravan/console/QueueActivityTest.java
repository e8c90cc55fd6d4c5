package org.caravan.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.caravan.outcome.BounceCategory;
import org.caravan.outcome.DeliveryOutcome;
import org.caravan.outcome.OutcomeType;
import org.caravan.smtp.SmtpReply;
import org.caravan.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

/** The console's memory of outcomes: per-minute counts over an hour, last error, tops, recent; bounded. */
class QueueActivityTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:30Z"));
    private final QueueActivity activity = new QueueActivity(clock);

    @Test
    void countsEachOutcomeInItsMinuteOfTheLastHour() {
        activity.recorded(List.of(delivered("a@x.test"), delivered("b@x.test"), deferred("c@x.test", "451 4.7.1 later")));
        clock.advance(Duration.ofMinutes(1));
        activity.recorded(List.of(bounced("d@y.test", "550 5.1.1 no such user")));

        List<LineActivity.Minute> minutes = activity.line("default", "gmail").perMinute(clock.millis());
        assertThat(minutes).hasSize(60);
        LineActivity.Minute last = minutes.get(59);
        LineActivity.Minute before = minutes.get(58);
        assertThat(last.minute()).isEqualTo(Instant.parse("2026-12-02T10:01:00Z"));
        assertThat(before).isEqualTo(new LineActivity.Minute(Instant.parse("2026-12-02T10:00:00Z"), 2, 1, 0));
        assertThat(last).isEqualTo(new LineActivity.Minute(Instant.parse("2026-12-02T10:01:00Z"), 0, 0, 1));
        assertThat(minutes.subList(0, 58)).allSatisfy(m -> assertThat(m.delivered() + m.deferred() + m.bounced()).isZero());
        assertThat(minutes.get(0).minute()).isEqualTo(Instant.parse("2026-12-02T09:02:00Z"));
    }

    @Test
    void aMinuteOlderThanAnHourIsForgottenNotCountedAgainWhenItsSlotComesRound() {
        activity.recorded(List.of(delivered("a@x.test")));
        clock.advance(Duration.ofMinutes(60));
        List<LineActivity.Minute> minutes = activity.line("default", "gmail").perMinute(clock.millis());
        assertThat(minutes).allSatisfy(m -> assertThat(m.delivered()).isZero());
        activity.recorded(List.of(delivered("b@x.test")));
        assertThat(activity.line("default", "gmail").perMinute(clock.millis()).get(59).delivered()).isEqualTo(1);
    }

    @Test
    void keepsTheLastErrorWithItsTimeAndNotADeliveryAfterIt() {
        activity.recorded(List.of(deferred("c@x.test", "451 4.7.1 later")));
        clock.advance(Duration.ofSeconds(5));
        activity.recorded(List.of(bounced("d@x.test", "550 5.1.1 no such user"), delivered("e@x.test")));
        LineActivity.LastError error = activity.line("default", "gmail").lastError();
        assertThat(error.reply()).isEqualTo("550 5.1.1 no such user");
        assertThat(error.time()).isEqualTo(Instant.parse("2026-12-02T10:00:35Z"));
        assertThat(activity.line("default", "other").lastError()).isNull();
    }

    @Test
    void ranksDomainsAndRepliesAndKeepsTheLatestFiftyOutcomesNewestFirst() {
        for (int i = 0; i < 60; i++) {
            activity.recorded(List.of(delivered(i + "@big.test")));
        }
        activity.recorded(List.of(deferred("a@small.test", "451 4.7.1 later"), deferred("b@small.test", "451 4.7.1 later"),
                bounced("c@small.test", "550 5.1.1 no such user")));
        LineActivity line = activity.line("default", "gmail");
        assertThat(line.topDomains(10, clock.millis())).containsExactly(
                new LineActivity.DomainCounts("big.test", 60, 0, 0), new LineActivity.DomainCounts("small.test", 0, 2, 1));
        assertThat(line.topReplies(10, clock.millis())).containsExactly(
                new LineActivity.ReplyCount("451 4.7.1 later", 2), new LineActivity.ReplyCount("550 5.1.1 no such user", 1));
        List<LineActivity.Recent> recent = line.recent();
        assertThat(recent).hasSize(50);
        assertThat(recent.get(0).recipient()).isEqualTo("c@small.test");
        assertThat(recent.get(0).type()).isEqualTo("bounced");
        assertThat(recent.get(0).reply()).isEqualTo("550 5.1.1 no such user");
        assertThat(recent.get(49).recipient()).isEqualTo("13@big.test");
        assertThat(activity.topDomains(1)).containsExactly(new LineActivity.DomainCounts("big.test", 60, 0, 0));
    }

    @Test
    void topsCoverThisHourAndTheOneBeforeOnly() {
        activity.recorded(List.of(delivered("a@old.test")));
        clock.advance(Duration.ofHours(1));
        activity.recorded(List.of(delivered("a@new.test")));
        assertThat(activity.line("default", "gmail").topDomains(10, clock.millis()))
                .extracting(LineActivity.DomainCounts::domain).containsExactlyInAnyOrder("old.test", "new.test");
        clock.advance(Duration.ofHours(1));
        assertThat(activity.line("default", "gmail").topDomains(10, clock.millis()))
                .extracting(LineActivity.DomainCounts::domain).containsExactly("new.test");
        clock.advance(Duration.ofHours(1));
        assertThat(activity.line("default", "gmail").topDomains(10, clock.millis())).isEmpty();
    }

    @Test
    void distinctDomainsAndRepliesAreBoundedTheRestCountAsOther() {
        List<DeliveryOutcome> many = new ArrayList<>();
        for (int i = 0; i < LineActivity.MAX_KEYS + 500; i++) {
            many.add(deferred("x@d" + i + ".test", "451 4.7.1 queue id " + i));
        }
        activity.recorded(many);
        LineActivity line = activity.line("default", "gmail");
        List<LineActivity.DomainCounts> domains = line.topDomains(Integer.MAX_VALUE, clock.millis());
        assertThat(domains).hasSize(LineActivity.MAX_KEYS + 1);
        assertThat(domains.get(0)).isEqualTo(new LineActivity.DomainCounts(LineActivity.OTHER, 0, 500, 0));
        List<LineActivity.ReplyCount> replies = line.topReplies(Integer.MAX_VALUE, clock.millis());
        assertThat(replies).hasSize(LineActivity.MAX_KEYS + 1);
        assertThat(replies.get(0)).isEqualTo(new LineActivity.ReplyCount(LineActivity.OTHER, 500));
    }

    @Test
    void rejectionsAtIntakeBelongToNoLine() {
        activity.recorded(List.of(new DeliveryOutcome(OutcomeType.REJECTED, "a@x.test", "x.test", "", "", null, null,
                "<m@test>", "s@test", 0, new SmtpReply(550, "5.6.0", "malformed"), "", BounceCategory.INVALID_INPUT,
                clock.millis(), clock.millis())));
        assertThat(activity.topDomains(10)).isEmpty();
    }

    @Test
    void concurrentOutcomesAreAllCounted() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            pool.submit(() -> {
                for (int i = 0; i < 5000; i++) {
                    activity.recorded(List.of(delivered(i + "@x.test")));
                }
            });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(activity.line("default", "gmail").perMinute(clock.millis()).get(59).delivered()).isEqualTo(20_000);
        assertThat(activity.topDomains(1).get(0).delivered()).isEqualTo(20_000);
    }

    private DeliveryOutcome delivered(String rcpt) {
        return outcome(OutcomeType.DELIVERED, rcpt, new SmtpReply(250, "2.0.0", "OK"), null);
    }

    private DeliveryOutcome deferred(String rcpt, String reply) {
        return outcome(OutcomeType.DEFERRED, rcpt, SmtpReply.parse(Integer.parseInt(reply.substring(0, 3)), reply), null);
    }

    private DeliveryOutcome bounced(String rcpt, String reply) {
        return outcome(OutcomeType.BOUNCED, rcpt, SmtpReply.parse(Integer.parseInt(reply.substring(0, 3)), reply),
                BounceCategory.BAD_MAILBOX);
    }

    private DeliveryOutcome outcome(OutcomeType type, String rcpt, SmtpReply reply, BounceCategory category) {
        return new DeliveryOutcome(type, rcpt, rcpt.substring(rcpt.indexOf('@') + 1), "gmail", "default", "job-1", null,
                "<m@test>", "sender@test", 1, reply, "127.0.0.1", category, clock.millis(), clock.millis());
    }
}

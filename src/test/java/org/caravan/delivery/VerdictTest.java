package org.caravan.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.caravan.config.Durations;
import org.caravan.config.RetrySchedule;
import org.caravan.smtp.SmtpReply;
import org.caravan.smtp.SmtpStage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** reply x attempt x age -> verdict, against one schedule: retry-after [10m, 20m], backoff-retry 1h, max-retries 3, bounce-after 4d. */
class VerdictTest {

    /** A policy without reply rules: the verdict follows the reply code and the retry schedule. */
    private static final ReplyPolicy NO_RULES = new ReplyPolicy(java.util.List.of());

    private static final RetrySchedule SCHEDULE = new RetrySchedule(
            List.of(Duration.ofMinutes(10), Duration.ofMinutes(20)), Duration.ofHours(1), 3, Duration.ofDays(4));

    private static final RetrySchedule NO_RETRIES = new RetrySchedule(
            List.of(Duration.ofMinutes(10)), Duration.ofHours(1), 0, Duration.ofDays(4));

    private static final long NOW = 1_700_000_000_000L;

    /**
     * age: how long the message has been queued at {@code now} (queuedAt = now - age).
     * The next try of attempt n is after delayBefore(n + 1): 10m after attempt 1, 20m after 2, 1h after 3 and on.
     */
    @ParameterizedTest(name = "{0} on attempt {1} queued {2} ago -> {3}")
    @CsvSource(delimiter = '|', textBlock = """
        # reply                          | attempt | age       | verdict
        250 2.0.0 OK                     | 1       | 0s        | DELIVERED
        250 2.0.0 OK                     | 4       | 3h        | DELIVERED
        250 2.0.0 OK                     | 9       | 5d        | DELIVERED
        251 2.1.5 forwarded              | 1       | 0s        | DELIVERED
        550 5.1.1 no such user           | 1       | 0s        | BOUNCED
        554 5.7.1 rejected               | 2       | 10m       | BOUNCED
        552 5.2.2 mailbox full           | 4       | 5d        | BOUNCED
        451 4.7.1 try later              | 1       | 0s        | DEFERRED
        421 4.7.0 slow down              | 2       | 10m       | DEFERRED
        452 4.2.2 over quota             | 3       | 30m       | DEFERRED
        451 4.7.1 try later              | 4       | 1h30m     | EXPIRED
        451 4.7.1 try later              | 9       | 6h        | EXPIRED
        0 4.4.1 connection refused       | 1       | 0s        | DEFERRED
        0 4.4.1 connection refused       | 4       | 1h30m     | EXPIRED
        451 4.7.1 try later              | 1       | 3d23h50m  | EXPIRED
        451 4.7.1 try later              | 1       | 3d23h49m  | DEFERRED
        451 4.7.1 try later              | 1       | 3d23h51m  | EXPIRED
        451 4.7.1 try later              | 3       | 3d23h     | EXPIRED
        451 4.7.1 try later              | 3       | 3d22h59m  | DEFERRED
        451 4.7.1 try later              | 2       | 4d        | EXPIRED
        """)
    void replyAttemptAndAgeDecide(String reply, int attempt, String age, Verdict expected) {
        long queuedAt = NOW - Durations.parse(age).toMillis();
        assertThat(NO_RULES.decide(reply(reply), SmtpStage.RCPT, attempt, SCHEDULE, queuedAt, NOW).verdict()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "max-retries 0: {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
        250 2.0.0 OK                     | DELIVERED
        550 5.1.1 no such user           | BOUNCED
        451 4.7.1 try later              | EXPIRED
        0 4.4.1 connection refused       | EXPIRED
        """)
    void withoutRetriesTheFirstDeferralExpires(String reply, Verdict expected) {
        assertThat(NO_RULES.decide(reply(reply), SmtpStage.RCPT, 1, NO_RETRIES, NOW, NOW).verdict()).isEqualTo(expected);
    }

    /** "451 4.7.1 try later" -> SmtpReply(451, "4.7.1", "try later"); code 0 is the engine's "no answer". */
    private static SmtpReply reply(String line) {
        String[] parts = line.split(" ", 3);
        return new SmtpReply(Integer.parseInt(parts[0]), parts[1], parts[2]);
    }
}

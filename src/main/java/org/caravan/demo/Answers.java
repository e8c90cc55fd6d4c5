package org.caravan.demo;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.caravan.config.Rate;

/**
 * The four fake providers' behaviour, with the replies the real ones give (the client's address
 * where they put the sending IP). Each defers, never bounces: the demo shows pacing, backoff and
 * retries, and every message ends delivered.
 */
final class Answers {

    private Answers() {
    }

    /**
     * Gmail: accepts up to {@code accepts}; faster mail gets 421-4.7.28, over four lines as Gmail
     * writes it (the gmail policy's backoff pattern is "421-4.7.28").
     */
    static Answer gmail(Rate accepts, Clock clock) {
        SlidingWindow window = new SlidingWindow(accepts, clock);
        return (client, sender, recipient) -> window.tryAccept() ? null : new Refusal(421, List.of(
                "4.7.28 [" + client + "] Our system has detected an unusual rate of",
                "4.7.28 unsolicited mail originating from your IP address. To protect our",
                "4.7.28 users from spam, mail sent from your IP address has been temporarily",
                "4.7.28 rate limited. (demo: more than " + accepts + ") - gsmtp"));
    }

    /**
     * Yahoo: more than {@code accepts} and the sending IP is deferred for {@code deferredFor},
     * every message, whatever its pace: 421 4.7.0 [TSS04].
     */
    static Answer yahoo(Rate accepts, Duration deferredFor, Clock clock) {
        SlidingWindow window = new SlidingWindow(accepts, clock);
        long[] deferredUntil = {0};
        return (client, sender, recipient) -> {
            synchronized (deferredUntil) {
                long now = clock.millis();
                if (now >= deferredUntil[0] && window.tryAccept()) {
                    return null;
                }
                if (now >= deferredUntil[0]) {
                    deferredUntil[0] = now + deferredFor.toMillis();
                }
            }
            return new Refusal(421, "4.7.0 [TSS04] Messages from " + client
                    + " temporarily deferred due to unexpected volume or user complaints - 4.16.55.1");
        };
    }

    /** Microsoft (Outlook.com): faster than {@code accepts} gets 451 4.7.650, the reputation rate limit. */
    static Answer microsoft(Rate accepts, Clock clock) {
        SlidingWindow window = new SlidingWindow(accepts, clock);
        return (client, sender, recipient) -> window.tryAccept() ? null : new Refusal(451,
                "4.7.650 The mail server [" + client + "] has been temporarily rate limited due to IP reputation."
                        + " (S775) (demo: more than " + accepts + ")");
    }

    /** Greylisting (most small servers): the first attempt per (sender, recipient) is deferred, the retry accepted. */
    static Answer greylisting() {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        return (client, sender, recipient) -> seen.add(sender + " " + recipient)
                ? new Refusal(450, "4.2.0 <" + recipient + ">: greylisted, try again later")
                : null;
    }
}

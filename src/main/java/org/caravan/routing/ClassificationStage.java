package org.caravan.routing;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.caravan.delivery.Delivery;
import org.caravan.delivery.WarmOverflow;
import org.caravan.delivery.DeliveryHeaders;

/**
 * The classification route's bean ("classify"): mail whose policy depends on MX hosts intake had
 * not cached waits on mail.classify; this looks them up (a slow name server holds one of this
 * route's consumers, never intake) and names the delivery queue to forward to. A transient DNS
 * failure sends it back to mail.classify for another try after retry-after, never under a guessed
 * policy: mail for a Workspace domain sent at the default policy's pace is what MX rollup exists
 * to prevent. Past give-up-after (counted from submission) it takes the name-based policy, whose
 * delivery looks MX up again, defers with events and bounces at bounce-after as for any domain
 * whose DNS keeps failing. The route sends and acks in one broker transaction.
 */
public final class ClassificationStage {

    /** The queue of mail waiting for its MX-based policy. */
    public static final String QUEUE = "mail.classify";
    /** Header naming where the route sends the message next. */
    public static final String NEXT_QUEUE = DeliveryHeaders.DESTINATION;

    private final DomainClassifier classifier;
    private final Clock clock;
    private final Duration retryAfter;
    private final Duration giveUpAfter;
    private volatile WarmOverflow overflow = WarmOverflow.NONE;

    public ClassificationStage(DomainClassifier classifier, Clock clock, Duration retryAfter, Duration giveUpAfter) {
        if (retryAfter.isZero() || retryAfter.isNegative()) {
            throw new IllegalArgumentException("caravan.classify.retry-after must be positive");
        }
        this.classifier = classifier;
        this.clock = clock;
        this.retryAfter = retryAfter;
        this.giveUpAfter = giveUpAfter;
    }

    /** Where mail over a line's warm-up cap goes (a warm vmta), asked once the policy is known. */
    public void overflowWith(WarmOverflow overflow) {
        this.overflow = overflow;
    }

    /** The queue for a delivery intake made: its policy queue, or mail.classify when it has no policy yet. */
    public static String queueOf(Delivery d) {
        return d.policy() == null ? QUEUE : d.queue();
    }

    /** Sets the policy and the next queue; an unreadable message throws (redelivered, then mail.dead). */
    public void classify(Exchange exchange) {
        Message message = exchange.getMessage();
        Map<String, Object> headers = message.getHeaders();
        Delivery waiting = DeliveryHeaders.read(message.getBody(byte[].class), headers);
        long now = clock.millis();
        String policy;
        try {
            policy = classifier.resolving(waiting.domain());
        } catch (MxLookupException transientFailure) {
            if (now - waiting.queuedAt() < giveUpAfter.toMillis()) {
                putBack(message, waiting, now + retryAfter.toMillis());
                return;
            }
            policy = classifier.classify(waiting.domain());
        }
        Delivery classified = WarmOverflow.apply(overflow, new Delivery(waiting.body(), waiting.messageId(),
                waiting.mailFrom(), waiting.recipients(), waiting.domain(), policy, waiting.vmta(), waiting.jobId(),
                waiting.envId(), waiting.queuedAt(), waiting.attempt(), waiting.priority()));
        headers.clear();
        DeliveryHeaders.write(classified, headers);
        headers.put(NEXT_QUEUE, classified.queue());
        message.setBody(classified.body());
    }

    /** Back on mail.classify, due at the given time: the on-queue format only, nothing of the broker's or Camel's. */
    private static void putBack(Message message, Delivery waiting, long dueAt) {
        Map<String, Object> headers = message.getHeaders();
        headers.clear();
        DeliveryHeaders.write(waiting, headers);
        headers.remove(DeliveryHeaders.POLICY);
        headers.put(DeliveryHeaders.SCHEDULED_AT, Long.valueOf(dueAt));
        headers.put(NEXT_QUEUE, QUEUE);
        message.setBody(waiting.body());
    }
}

package org.caravan.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.jms.JmsMessage;
import org.apache.camel.support.DefaultMessage;
import org.caravan.broker.QueuePacing;
import org.caravan.broker.WaitForecast;
import org.caravan.config.DomainPolicy;
import org.caravan.outcome.BounceCategory;
import org.caravan.outcome.DeliveryOutcome;
import org.caravan.outcome.OutcomeRecorder;
import org.caravan.outcome.OutcomeType;
import org.caravan.routing.MtaStsPolicies;
import org.caravan.routing.MxLookupException;
import org.caravan.routing.MxResolver;
import org.caravan.routing.NextHop;
import org.caravan.smtp.OutboundMessage;
import org.caravan.smtp.SmtpReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery route's bean ("delivery"): before SMTP it turns the queued message into an
 * OutboundMessage with its next hops; after SMTP it settles each recipient (delivered, deferred,
 * bounced), records the outcomes and, for deferred recipients, schedules the next attempt.
 *
 * <p>Nothing after SMTP throws: the broker transaction cannot be rolled back for one message
 * only, and a rollback would send mail the server already accepted again (its batch-mates' too).
 * As a {@link WaitForecast} it tells the commit batcher when the next message would wait
 * (accounting cannot be written); as {@link QueuePacing} it gives each delivery queue's consumers
 * the turns of the line's max-msg-rate pacer, so a message is taken off the queue when its slot comes.
 */
public class DeliveryAttempt implements WaitForecast, QueuePacing {

    /** Exchange property naming the queue of the scheduled retry; the route sends there when set. */
    public static final String RETRY_QUEUE = "caravanRetryQueue";
    /** The mail.dead property saying why a delivery message was parked there. */
    public static final String REASON = "reason";
    static final String DELIVERY = "caravanDelivery";
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryAttempt.class);

    private final DeliveryLines lines;
    private final MxResolver mx;
    private final OutcomeRecorder outcomes;
    private final MtaStsPolicies mtaSts;
    private volatile java.util.function.BiFunction<DeliveryLine, Turns, Turns> turnsThrough = (line, turns) -> turns;

    public DeliveryAttempt(DeliveryLines lines, MxResolver mx, OutcomeRecorder outcomes) {
        this(lines, mx, outcomes, null);
    }

    /** mtaSts: recipient domains' MTA-STS policies, for lines whose policy says mta-sts: yes; null for none. */
    public DeliveryAttempt(DeliveryLines lines, MxResolver mx, OutcomeRecorder outcomes, MtaStsPolicies mtaSts) {
        this.lines = lines;
        this.mx = mx;
        this.outcomes = outcomes;
        this.mtaSts = mtaSts;
        lines.follow(line -> line.state().onModeChange(this::announce), line -> { });
    }

    /** A line's change of mode: logged (it is rare and an operator wants it) and published as an event. */
    private void announce(ModeChange change) {
        LOG.info("mode: {}", change);
        if (outcomes != null) {
            outcomes.publish(change.toJson(), "the mode event of " + change.vmta() + "/" + change.policy());
        }
    }

    /** Blocks while accounting cannot be written: no mail goes out that could not be recorded. */
    public void awaitAccounting() {
        outcomes.awaitAccounting();
    }

    /** Right after the pace step: reads the message and finds its next hops. */
    public void prepare(Exchange exchange) {
        Message in = exchange.getMessage();
        Delivery d = in instanceof JmsMessage jms && jms.getJmsMessage() != null
                ? DeliveryHeaders.read(in.getBody(byte[].class), jms.getJmsMessage())
                : DeliveryHeaders.read(in.getBody(byte[].class), in.getHeaders());
        DeliveryLine line = lines.get(d.vmta(), d.policy());
        exchange.setProperty(DELIVERY, d);
        List<NextHop> hops = List.of();
        SmtpReply settled = null;
        DomainPolicy policy = line.state().policy();
        if (policy.route() != null) {
            hops = List.of(policy.route());
        } else {
            try {
                hops = mx.resolve(d.domain());
            } catch (MxLookupException e) {
                settled = new SmtpReply(e.permanent() ? 550 : 451, e.reason().enhancedCode(),
                        e.reason().replyText() + ": " + e.getMessage());
            }
        }
        StsEnforcement sts = StsEnforcement.NOTHING;
        // without next hops (settled) MTA-STS has nothing to restrict
        if (settled == null && mtaSts != null && policy.route() == null && policy.tls().mtaSts()) {
            sts = StsEnforcement.of(mtaSts.policyFor(d.domain()), d.domain(), hops);
            hops = sts.hops();
            settled = sts.settled();
        }
        OutboundMessage message = new OutboundMessage(line.session(), d.body(), d.messageId(), d.mailFrom(),
                d.recipients(), hops);
        message.tlsDemand(sts.demand());
        if (settled != null) {
            message.replyToRest(settled);
        }
        // a plain message from here on: removeHeaders would otherwise first copy every JMS
        // property into the camel-jms message's header map only to drop them
        DefaultMessage out = new DefaultMessage(exchange);
        out.setBody(message);
        exchange.setMessage(out);
    }

    @Override
    public boolean nextWouldWait(String queue) {
        return outcomes.accountingFailing();
    }

    @Override
    public Turns of(String queue) {
        // by queue name, as the commit batcher knows its consumers; a line added by a reload too
        String prefix = StrandedQueues.PREFIX;
        int dot = queue.indexOf('.', prefix.length());
        DeliveryLine line = queue.startsWith(prefix) && dot > 0
                ? lines.find(queue.substring(prefix.length(), dot), queue.substring(dot + 1)) : null;
        return line == null ? Turns.FREE : turnsThrough.apply(line, new LineTurns(line.state()));
    }

    /** Lets another stage (warm-up caps) narrow a line's turns; asked once per listener container. */
    public void turnsThrough(java.util.function.BiFunction<DeliveryLine, Turns, Turns> through) {
        turnsThrough = through;
    }

    /**
     * A message prepare() could not read (missing or malformed properties): it goes to mail.dead
     * with a reason, inside this transaction, instead of rolling back batch-mates already sent.
     */
    public void unreadable(Exchange exchange) {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String reason = "unreadable delivery message: " + (cause == null ? "unknown" : cause.toString());
        Message out = exchange.getMessage();
        LOG.warn("{} (JMS id {}) parked on mail.dead", reason, out.getHeader("JMSMessageID"));
        out.getHeaders().keySet().removeIf(k -> k.startsWith("JMS") || k.startsWith("Camel"));
        out.setHeader(REASON, reason);
    }

    /** After SMTP: records each recipient's outcome and schedules any retry; never throws (see the class comment). */
    public void settle(Exchange exchange) {
        Delivery d = exchange.getProperty(DELIVERY, Delivery.class);
        try {
            settleRecipients(exchange);
        } catch (RuntimeException e) {
            LOG.error("cannot settle {} to {} after SMTP; acked as is rather than sent again",
                    d == null ? "?" : d.messageId(), d == null ? "?" : d.recipients(), e);
            exchange.removeProperty(RETRY_QUEUE);
        }
    }

    private void settleRecipients(Exchange exchange) {
        Delivery d = exchange.getProperty(DELIVERY, Delivery.class);
        OutboundMessage sent = exchange.getMessage().getBody(OutboundMessage.class);
        PolicyState state = lines.get(d.vmta(), d.policy()).state();
        long now = System.currentTimeMillis();
        List<DeliveryOutcome> results = new ArrayList<>(d.recipients().size());
        List<String> deferred = new ArrayList<>();
        for (String rcpt : d.recipients()) {
            SmtpReply reply = sent.replies().getOrDefault(rcpt, SmtpReply.connectionFailure("no reply recorded"));
            ReplyPolicy.Decision decision = state.decide(reply, sent.stageOf(rcpt), d.attempt(), d.queuedAt(), now);
            if (decision.verdict() == Verdict.DEFERRED) {
                deferred.add(rcpt);
            }
            results.add(outcome(d, rcpt, reply, decision, sent, now));
        }
        outcomes.record(results);
        if (!deferred.isEmpty()) {
            scheduleRetry(exchange, d.retryFor(deferred), state, now);
        }
    }

    private void scheduleRetry(Exchange exchange, Delivery retry, PolicyState state, long now) {
        Message out = exchange.getMessage();
        Map<String, Object> headers = out.getHeaders();
        headers.clear();
        DeliveryHeaders.write(retry, headers);
        long delay = state.policy().retry().delayBefore(retry.attempt()).toMillis();
        headers.put(DeliveryHeaders.SCHEDULED_AT, Long.valueOf(now + delay));
        headers.put(DeliveryHeaders.DESTINATION, retry.queue());
        out.setBody(retry.body());
        exchange.setProperty(RETRY_QUEUE, retry.queue());
    }

    private DeliveryOutcome outcome(Delivery d, String rcpt, SmtpReply reply, ReplyPolicy.Decision decision,
            OutboundMessage sent, long now) {
        OutcomeType type = switch (decision.verdict()) {
            case DELIVERED -> OutcomeType.DELIVERED;
            case DEFERRED -> OutcomeType.DEFERRED;
            default -> OutcomeType.BOUNCED;
        };
        BounceCategory category = type == OutcomeType.BOUNCED ? decision.category() : null;
        return new DeliveryOutcome(type, rcpt, d.domain(), d.policy(), d.vmta(), d.jobId(), d.envId(), d.messageId(),
                d.mailFrom(), d.attempt(), reply, sent.answeredBy(), category, d.queuedAt(), now, sent.tls());
    }
}

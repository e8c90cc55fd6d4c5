package org.caravan.intake;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.jms.JMSException;
import org.apache.activemq.artemis.jms.client.ActiveMQMessage;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultMessage;
import org.caravan.broker.SubmissionGate;
import org.caravan.config.MtaConfig;
import org.caravan.delivery.Delivery;
import org.caravan.delivery.DeliveryHeaders;
import org.caravan.outcome.BounceCategory;
import org.caravan.outcome.DeliveryOutcome;
import org.caravan.outcome.OutcomeRecorder;
import org.caravan.outcome.OutcomeType;
import org.caravan.routing.ClassificationStage;
import org.caravan.routing.DomainClassifier;
import org.caravan.routing.VirtualMtaPools;
import org.caravan.delivery.WarmOverflow;
import org.caravan.smtp.EhloName;
import org.caravan.smtp.SmtpReply;

/**
 * The intake route's bean ("intake"): reads a submission off mail.submit and turns it into
 * deliveries (one per recipient domain, classified into a policy) and rejections.
 */
public class IntakeProcessor {

    public static final String REASON = "reason";
    /** The submission property that sets its deliveries' JMS priority (0-9); without it, its own JMS priority. */
    public static final String PRIORITY = "priority";
    /** Exchange property holding the submitted bytes, so a split's rejection can send them to mail.invalid. */
    static final String ORIGINAL = "caravanOriginal";
    private static final java.util.Set<String> SENDER_JMS_FIELDS = java.util.Set.of("JMSCorrelationID", "JMSType");

    private final MtaConfig config;
    private final DomainClassifier classifier;
    private final OutcomeRecorder outcomes;
    private final Submission.Limits limits;
    private final String hostName;
    private final boolean brokerStamps;
    private final VirtualMtaPools pools;
    private volatile WarmOverflow overflow = WarmOverflow.NONE;
    private final SenderIdentity senders;
    private volatile java.util.function.BiPredicate<String, String> suppressed = (sender, rcpt) -> false;

    /**
     * brokerStamps: the broker sets the client and protocol properties itself, overwriting a sender's;
     * senders: the bulk-sender rules and DKIM signing.
     */
    public IntakeProcessor(MtaConfig config, DomainClassifier classifier, OutcomeRecorder outcomes, boolean brokerStamps,
            SenderIdentity senders) {
        this.senders = senders;
        this.config = config;
        this.brokerStamps = brokerStamps;
        this.classifier = classifier;
        this.outcomes = outcomes;
        this.limits = new Submission.Limits(config.maxMessageSize(), config.maxRcptPerSubmission(),
                config.maxFanoutSize());
        this.hostName = localHostName();
        this.pools = new VirtualMtaPools(config);
    }

    /** Where mail over a line's warm-up cap goes (a warm vmta); asked per delivery whose policy intake knows. */
    public void overflowWith(WarmOverflow overflow) {
        this.overflow = overflow;
    }

    /** The pools submissions may name; a reply rule's disable-source-ip takes a member out of them. */
    public VirtualMtaPools pools() {
        return pools;
    }

    /** The suppression check (sender, recipient): a suppressed recipient is rejected before it is queued. */
    public void suppressWith(java.util.function.BiPredicate<String, String> check) {
        this.suppressed = check;
    }

    /** The submission without its suppressed recipients, each of them a rejection of its own. */
    private Submission withoutSuppressed(Submission s) {
        if (s.batches().isEmpty()) {
            return s;
        }
        List<Submission.DomainBatch> kept = null;
        List<Rejection> refused = null;
        for (int i = 0; i < s.batches().size(); i++) {
            Submission.DomainBatch b = s.batches().get(i);
            List<String> ok = null;
            for (int j = 0; j < b.recipients().size(); j++) {
                String rcpt = b.recipients().get(j);
                if (suppressed.test(s.mailFrom(), rcpt)) {
                    if (ok == null) {
                        ok = new ArrayList<>(b.recipients().subList(0, j));
                        refused = refused == null ? new ArrayList<>(s.rejections()) : refused;
                    }
                    refused.add(new Rejection(RejectReason.SUPPRESSED, rcpt, List.of(rcpt)));
                } else if (ok != null) {
                    ok.add(rcpt);
                }
            }
            if (ok != null && kept == null) {
                kept = new ArrayList<>(s.batches().subList(0, i));
            }
            if (kept != null) {
                if (ok == null) {
                    kept.add(b);
                } else if (!ok.isEmpty()) {
                    kept.add(new Submission.DomainBatch(b.domain(), ok));
                }
            }
        }
        return kept == null ? s : s.with(kept, refused);
    }

    /**
     * Replaces the body by the submission's deliveries and rejections, for the route to split
     * over. The body is the JMS message itself (the endpoint does not map it), so its type and
     * size are checked before anything of it is read. A bean step that sets the body, not a
     * setBody expression: the expression copies the exchange, and each copy of a camel-jms message
     * re-reads the JMS message's redelivery flag (7.6% of the engine's CPU in the benchmark).
     */
    public void accept(Exchange exchange) throws JMSException {
        Message in = exchange.getMessage();
        // properties straight off the JMS message: the first Camel header lookup would copy every
        // JMS property and field into a header map (~2% of the engine's CPU), wanted only for a rejection
        jakarta.jms.Message jms = in.getBody(jakarta.jms.Message.class);
        Submission.Properties props = new Submission.Properties(property(jms, "rcptTo"), property(jms, "mailFrom"),
                property(jms, "vmta"), property(jms, "jobId"), property(jms, "envId"));
        SubmittedBody body = SubmittedBody.read(jms, config.maxMessageSize());
        String priorityProperty = property(jms, PRIORITY);
        int priority = priorityProperty == null ? (jms == null ? Delivery.NORMAL_PRIORITY : jms.getJMSPriority()) : priorityOf(priorityProperty);
        Submission s = body.refusal() != null
                ? Submission.refusedUnread(body.refusal())
                : priority < 0 ? Submission.refusedUnread(new Rejection(RejectReason.INVALID_PRIORITY,
                        "priority '" + priorityProperty + "' is not a whole number 0-9 (9 goes first)", List.of()))
                : Submission.read(body.bytes(), props, limits, pools::knows);
        String vmta = pools.pick(s.vmta()); // a pool's member, once per submission: one source for all its copies
        s = withoutSuppressed(senders.comply(s, vmta, props));
        long queuedAt = queuedAt(jms);
        byte[] stamped = s.batches().isEmpty() ? null : ReceivedField.prepend(received(jms, s, vmta), s.body());
        stamped = senders.sign(stamped, s); // after the last header change, before the split: one signature for all
        if (!s.rejections().isEmpty()) {
            exchange.setProperty(ORIGINAL, body.original()); // text stays text on mail.invalid
        }
        List<Object> out = new ArrayList<>(s.batches().size() + s.rejections().size());
        for (Submission.DomainBatch batch : s.batches()) {
            out.add(WarmOverflow.apply(overflow, new Delivery(stamped, s.messageId(), s.mailFrom(), batch.recipients(),
                    batch.domain(), classifier.atIntake(batch.domain()), vmta, props.jobId(), props.envId(), queuedAt, 1,
                    priority)));
        }
        for (Rejection r : s.rejections()) {
            out.add(r);
            recordRejected(r, props, s.messageId(), queuedAt);
        }
        // a plain message from here on: the split copies it once per part, and every copy of a
        // camel-jms message re-reads the JMS message's redelivery flag. Only mail.invalid keeps the
        // sender's properties; a delivery's are written afresh.
        DefaultMessage parts = new DefaultMessage(exchange);
        if (!s.rejections().isEmpty()) {
            parts.setHeaders(in.getHeaders());
        }
        parts.setBody(out);
        exchange.setMessage(parts);
    }

    /** Turns the split's Delivery into the message for its policy queue: our properties only. */
    public void deliveryMessage(Exchange exchange) {
        Delivery d = exchange.getMessage().getBody(Delivery.class);
        Message out = exchange.getMessage();
        Map<String, Object> headers = out.getHeaders();
        headers.clear();
        DeliveryHeaders.write(d, headers);
        headers.put(DeliveryHeaders.DESTINATION, ClassificationStage.queueOf(d));
        out.setBody(d.body());
    }

    /** Turns the split's Rejection into the mail.invalid message: original body and properties plus 'reason'. */
    public void invalidMessage(Exchange exchange) {
        Rejection r = exchange.getMessage().getBody(Rejection.class);
        Message out = exchange.getMessage();
        // the sender's own JMS fields stay; the broker's (JMSMessageID, JMSDestination...) and Camel's go
        out.getHeaders().keySet().removeIf(k -> (k.startsWith("JMS") && !SENDER_JMS_FIELDS.contains(k))
                || k.startsWith("Camel"));
        out.setHeader(REASON, r.reasonText());
        out.setBody(exchange.getProperty(ORIGINAL));
    }

    private void recordRejected(Rejection r, Submission.Properties props, String messageId, long queuedAt) {
        List<String> recipients = r.recipients().isEmpty() ? List.of("") : r.recipients();
        List<DeliveryOutcome> list = new ArrayList<>(recipients.size());
        long now = System.currentTimeMillis();
        // a suppressed recipient is not bad input: the sender may not mail it (RFC 3463 X.7.1)
        boolean suppressed = r.reason() == RejectReason.SUPPRESSED;
        for (String rcpt : recipients) {
            int at = rcpt.lastIndexOf('@');
            list.add(new DeliveryOutcome(OutcomeType.REJECTED, rcpt, at < 0 ? "" : rcpt.substring(at + 1), "",
                    props.vmta() == null ? "default" : props.vmta(), props.jobId(), props.envId(), messageId,
                    props.mailFrom(), 0, new SmtpReply(550, suppressed ? "5.7.1" : "5.6.0", r.reasonText()), "",
                    suppressed ? BounceCategory.POLICY_RELATED : BounceCategory.INVALID_INPUT, queuedAt, now));
        }
        outcomes.record(list);
    }

    /** The trace field: client and protocol as the broker stamped them, "by" the vmta's EHLO name or this host's. */
    private String received(jakarta.jms.Message in, Submission s, String vmta) throws JMSException {
        String ehlo = config.virtualMtas().get(vmta).ehlo();
        String only = s.batches().size() == 1 && s.batches().get(0).recipients().size() == 1
                ? s.batches().get(0).recipients().get(0) : null;
        return ReceivedField.of(brokerStamps ? property(in, SubmissionGate.CLIENT) : null,
                brokerStamps ? property(in, SubmissionGate.PROTOCOL) : null, ehlo != null ? ehlo : hostName,
                submissionId(in), only, System.currentTimeMillis());
    }

    /** The sender's JMSMessageID; a STOMP or AMQP sender may not set one, then the broker's own message id. */
    private static String submissionId(jakarta.jms.Message in) throws JMSException {
        String jmsId = in.getJMSMessageID();
        if (jmsId != null) {
            return jmsId;
        }
        return in instanceof ActiveMQMessage artemis ? "B" + artemis.getCoreMessage().getMessageID() : null;
    }

    /** A property as text, whatever type the sender gave it (as a Camel header conversion would). */
    private static String property(jakarta.jms.Message in, String name) throws JMSException {
        Object v = in == null ? null : in.getObjectProperty(name);
        if (v == null) {
            return null;
        }
        return v instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : v.toString();
    }

    /** 0-9 from the property's text (one digit, spaces around allowed), -1 for anything else. */
    static int priorityOf(String text) {
        String t = text.strip();
        return t.length() == 1 && t.charAt(0) >= '0' && t.charAt(0) <= '9' ? t.charAt(0) - '0' : -1;
    }

    /** The name the SMTP client also uses when a vmta sets no ehlo, found without a DNS query. */
    private static String localHostName() {
        String name = EhloName.ofHost();
        return name != null ? name : "localhost";
    }

    private static long queuedAt(jakarta.jms.Message in) throws JMSException {
        long ts = in == null ? 0 : in.getJMSTimestamp();
        return ts == 0 ? System.currentTimeMillis() : ts;
    }
}

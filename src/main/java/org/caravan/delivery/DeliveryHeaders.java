package org.caravan.delivery;

import java.util.Arrays;
import java.util.Map;

/**
 * How a Delivery is carried as JMS message properties. Names have no '.' or '-' so camel-jms
 * passes them unencoded and operators see them as written in the Artemis console.
 */
public final class DeliveryHeaders {

    public static final String RCPT_TO = "rcptTo";
    public static final String MAIL_FROM = "mailFrom";
    public static final String VMTA = "vmta";
    public static final String POLICY = "policy";
    public static final String DOMAIN = "domain";
    public static final String JOB_ID = "jobId";
    public static final String ENV_ID = "envId";
    public static final String MESSAGE_ID = "messageId";
    public static final String ATTEMPT = "attempt";
    public static final String QUEUED_AT = "queuedAt";
    /** Artemis' scheduled delivery time: epoch millis, and it must be a Long (a String is ignored). */
    public static final String SCHEDULED_AT = "_AMQ_SCHED_DELIVERY";

    private DeliveryHeaders() {
    }

    public static void write(Delivery d, Map<String, Object> headers) {
        headers.put(RCPT_TO, String.join(",", d.recipients()));
        headers.put(MAIL_FROM, d.mailFrom());
        headers.put(VMTA, d.vmta());
        headers.put(POLICY, d.policy());
        headers.put(DOMAIN, d.domain());
        if (d.jobId() != null) {
            headers.put(JOB_ID, d.jobId());
        }
        if (d.envId() != null) {
            headers.put(ENV_ID, d.envId());
        }
        headers.put(MESSAGE_ID, d.messageId());
        headers.put(ATTEMPT, d.attempt());
        headers.put(QUEUED_AT, d.queuedAt());
    }

    public static Delivery read(byte[] body, Map<String, Object> headers) {
        return new Delivery(body,
                str(headers, MESSAGE_ID),
                str(headers, MAIL_FROM),
                Arrays.asList(str(headers, RCPT_TO).split(",")),
                str(headers, DOMAIN),
                str(headers, POLICY),
                str(headers, VMTA),
                str(headers, JOB_ID),
                str(headers, ENV_ID),
                num(headers, QUEUED_AT).longValue(),
                num(headers, ATTEMPT).intValue());
    }

    private static String str(Map<String, Object> headers, String name) {
        Object v = headers.get(name);
        return v == null ? null : v.toString();
    }

    private static Number num(Map<String, Object> headers, String name) {
        Object v = headers.get(name);
        if (v instanceof Number n) {
            return n;
        }
        if (v == null) {
            throw new IllegalArgumentException("delivery message without " + name);
        }
        return Long.parseLong(v.toString());
    }
}
